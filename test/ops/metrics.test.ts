import type { MetricMeter, MetricTags } from '@temporalio/common';
import { attentionListQueries } from '../../src/ops/attention-queries';
import { watchAttention } from '../../src/ops/metrics';

/** A meter that keeps each gauge's last value per tag set (unit test of the counting logic only). */
function recordingMeter(): { meter: MetricMeter; gauges: Map<string, number> } {
  const gauges = new Map<string, number>();
  const unused = () => {
    throw new Error('not used by the attention gauge');
  };
  const meter = {
    createGauge: (name: string) => ({
      set: (value: number, tags: MetricTags = {}) => gauges.set(`${name}${JSON.stringify(tags)}`, value),
    }),
    createCounter: unused,
    createHistogram: unused,
    createUpDownCounter: unused,
    withTags: unused,
  } as unknown as MetricMeter;
  return { meter, gauges };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test('watchAttention: sets lockstep_attention_workflows per kind from the visibility queries of `lockstep attention`', async () => {
  const { meter, gauges } = recordingMeter();
  const counts: Record<string, number> = { stays: 2, scheduleRuns: 0, failedLockActions: 5 };
  const queries = attentionListQueries(new Date());
  const kindOf = (query: string) =>
    Object.keys(queries).find((kind) => query.startsWith(queries[kind as keyof typeof queries].split(' AND ')[0]))!;
  const stop = watchAttention(
    meter,
    (query) => Promise.resolve(counts[kindOf(query)]),
    () => undefined,
  );
  await settle();
  stop();
  expect(Object.fromEntries(gauges)).toEqual({
    'lockstep_attention_workflows{"kind":"stays"}': 2,
    'lockstep_attention_workflows{"kind":"scheduleRuns"}': 0,
    'lockstep_attention_workflows{"kind":"failedLockActions"}': 5,
  });
});

test('watchAttention: a count that fails is logged and sets nothing', async () => {
  const { meter, gauges } = recordingMeter();
  const warnings: string[] = [];
  const stop = watchAttention(
    meter,
    () => Promise.reject(new Error('visibility unavailable')),
    (message) => warnings.push(message),
  );
  await settle();
  stop();
  expect(gauges.size).toBe(0);
  expect(warnings).toEqual([expect.stringContaining('visibility unavailable')]);
});
