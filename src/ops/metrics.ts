/**
 * The worker's own metric: the attention gauge (`lockstep_attention_workflows`), read from
 * Temporal's visibility. What the activities count is in activities/metrics.ts.
 */
import type { MetricMeter } from '@temporalio/common';
import { metricNames } from '../contract/metrics';
import { attentionListQueries, failedActionLookbackMs } from './attention-queries';

/** How often the worker counts what needs a person. */
export const attentionGaugeIntervalMs = 30_000;

/**
 * Keeps the attention gauge current: every {@link attentionGaugeIntervalMs}, one visibility
 * count per query of `lockstep attention` (stays, schedule runs, lock actions of the last day),
 * before that command reads each for its doors. A failed count leaves the last values, and is
 * logged once per failing streak.
 * @returns stop
 */
export function watchAttention(
  meter: MetricMeter,
  count: (query: string) => Promise<number>,
  warn: (message: string) => void,
): () => void {
  const gauge = meter.createGauge(
    metricNames.attention,
    'int',
    '1',
    'workflows that need a person (LockstepAttention)',
  );
  let failing = false;
  const refresh = async () => {
    try {
      const queries = attentionListQueries(new Date(Date.now() - failedActionLookbackMs));
      for (const [kind, query] of Object.entries(queries)) gauge.set(await count(query), { kind });
      failing = false;
    } catch (err) {
      if (!failing) warn(`could not count the workflows that need attention: ${String(err)}`);
      failing = true;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), attentionGaugeIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
