/**
 * Determinism guard: every saved history (test/histories/, made by scripts/record-histories.ts)
 * must replay against the current workflow code. A change that would break running workflows
 * fails here, not in production.
 */
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { doorWorkflowId, reservationWorkflowId } from '../../src/contract';
import { workflowBundle } from '../helpers/temporal';
import { assertBuilt } from '../helpers/processes';

const historiesDir = join(__dirname, '..', 'histories');
const names = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

test('replay: the saved histories exist', () => {
  expect(names.length).toBeGreaterThanOrEqual(41);
});

/** The patch ids a saved history's markers name (marker details are base64 JSON payloads). */
function patchIdsIn(name: string): string[] {
  const { events } = JSON.parse(readFileSync(join(historiesDir, name), 'utf8')) as {
    events: Array<{
      markerRecordedEventAttributes?: {
        markerName: string;
        details?: Record<string, { payloads?: Array<{ data?: string }> }>;
      };
    }>;
  };
  return events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .flatMap((m) => Object.values(m?.details ?? {}).flatMap((d) => d.payloads ?? []))
    .map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8'))
    .map((text) => (text.startsWith('{') ? (JSON.parse(text) as { id: string }).id : text));
}

test('replay: the histories recorded before the send-by-deadline patch still lack its marker (they were not re-recorded)', () => {
  const legacy = names.filter((name) => !/^(send-by|door|attrs|stay|knock|scheduled|push)-/.test(name));
  expect(legacy.sort()).toEqual(
    [
      'lock-cancelled-while-polling',
      'lock-capability-missing',
      'lock-success-in-watch',
      'lock-timed-out',
      'lock-woken-by-signal',
      'unlock-success-after-durable-polls',
    ].map((n) => `${n}.json`),
  );
  for (const name of legacy) expect(patchIdsIn(name)).toEqual([]);
  for (const name of names.filter((n) => n.startsWith('send-by-')))
    expect(patchIdsIn(name).join()).toContain('send-by-deadline');
});

test('replay: lock actions recorded since door ordering carry its marker alone; door histories carry none before send-and-watch', () => {
  const viaDoor = names.filter((name) => name.startsWith('door-') && !name.startsWith('door-workflow-'));
  const doors = names.filter(
    (name) =>
      name.startsWith('door-workflow-') &&
      !name.startsWith('door-workflow-sw-') &&
      !name.startsWith('door-workflow-sti-') &&
      !name.startsWith('door-workflow-fa-') &&
      !name.startsWith('door-workflow-an-') &&
      !name.startsWith('door-workflow-push-') &&
      !name.startsWith('door-workflow-update-'),
  );
  expect(viaDoor.length).toBeGreaterThanOrEqual(7);
  expect(doors.length).toBeGreaterThanOrEqual(6);
  for (const name of viaDoor) expect(patchIdsIn(name)).toEqual(['door-ordering']);
  for (const name of doors) expect(patchIdsIn(name)).toEqual([]);
});

test('replay: doors recorded since send-try-ids carry both markers and name their watching tries by count, not by a UUID', () => {
  const doors = names.filter((name) => name.startsWith('door-workflow-sti-'));
  expect(doors.length).toBeGreaterThanOrEqual(3);
  for (const name of doors) {
    expect(patchIdsIn(name)).toEqual(['send-and-watch', 'send-try-ids']);
    const ids = [...readFileSync(join(historiesDir, name), 'utf8').matchAll(/"activityId": *"(send-try-[^"]*)"/g)].map(
      (m) => m[1],
    );
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^send-try-\d+\.\d+$/);
  }
  // The back-off history's second try is the command's try 2.
  expect(readFileSync(join(historiesDir, 'door-workflow-sti-lock-back-off-then-sent.json'), 'utf8')).toContain(
    'send-try-1.2',
  );
});

test('replay: doors recorded since door-facts-as-of-command carry its marker after the two before it; one heard its device drop off mid-lock', () => {
  const doors = names.filter((name) => /^door-workflow-(push-)?fa-/.test(name));
  expect(doors.length).toBeGreaterThanOrEqual(3);
  for (const name of doors)
    expect(patchIdsIn(name)).toEqual(['send-and-watch', 'send-try-ids', 'door-facts-as-of-command']);
  const dropped = readFileSync(
    join(historiesDir, 'door-workflow-push-fa-lock-disconnected-while-running.json'),
    'utf8',
  );
  const payloads = [...dropped.matchAll(/"data": *"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1], 'base64').toString('utf8'),
  );
  expect(dropped).toContain('doorSeamEvent');
  expect(payloads.some((p) => p.includes('"kind":"disconnected"'))).toBe(true);
});

test('replay: doors recorded since announced-unlock-send carry its marker and send unlocks only by announced tries', () => {
  const doors = names.filter((name) => name.startsWith('door-workflow-an-'));
  expect(doors.length).toBeGreaterThanOrEqual(2);
  for (const name of doors) {
    expect(patchIdsIn(name)).toEqual([
      'send-and-watch',
      'announced-unlock-send',
      'send-try-ids',
      'door-facts-as-of-command',
    ]);
    const history = readFileSync(join(historiesDir, name), 'utf8');
    expect(history).toContain('sendCommandTryAnnounced');
    expect(history).not.toMatch(/"name": *"sendCommandTry"/);
  }
  // The 503 history's second try is announced too.
  const retried = readFileSync(join(historiesDir, 'door-workflow-an-unlock-sent-after-a-503.json'), 'utf8');
  expect(retried.match(/"name": *"sendCommandTryAnnounced"/g)).toHaveLength(2);
});

test('replay: doors recorded with push (LOCKSTEP_PUSH=on) hear Seam events and read on the webhook or the safety net', () => {
  const onWebhook = readFileSync(join(historiesDir, 'door-workflow-push-lock-success-on-webhook.json'), 'utf8');
  const bySafetyNet = readFileSync(join(historiesDir, 'door-workflow-push-lock-success-by-safety-net.json'), 'utf8');
  for (const name of [
    'door-workflow-push-lock-success-on-webhook.json',
    'door-workflow-push-lock-success-by-safety-net.json',
  ])
    expect(patchIdsIn(name)).toEqual(['send-and-watch', 'send-try-ids']);
  // The webhook cancels the safety net's timer; its events follow (locked, offline, online, unlocked).
  expect(onWebhook).toContain('doorSeamEvent');
  expect(onWebhook).toContain('EVENT_TYPE_TIMER_CANCELED');
  expect(bySafetyNet).not.toContain('doorSeamEvent');
  expect(bySafetyNet).toContain('EVENT_TYPE_TIMER_FIRED');
  for (const name of ['push-lock-success-on-webhook.json', 'push-lock-success-by-safety-net.json'])
    expect(patchIdsIn(name)).toEqual(['check-at-door']);
});

test('replay: doors recorded since send-and-watch carry its marker, and watch in the send try (no watch activity)', () => {
  const doors = names.filter((name) => name.startsWith('door-workflow-sw-'));
  expect(doors.length).toBeGreaterThanOrEqual(3);
  for (const name of doors) {
    expect(patchIdsIn(name)).toEqual(['send-and-watch']);
    expect(readFileSync(join(historiesDir, name), 'utf8')).not.toContain('watchActionAttempt');
  }
  // A cancel while the try watches reads the attempt from the try's heartbeat (a local activity).
  expect(readFileSync(join(historiesDir, 'door-workflow-sw-lock-cancelled-while-watching.json'), 'utf8')).toContain(
    'core_local_activity',
  );
});

test('replay: lock actions recorded since the search-attributes patch carry both markers; stays none but those recorded for their own patches', () => {
  const withAttributes = names.filter((name) => name.startsWith('attrs-'));
  const stays = names.filter((name) => name.startsWith('stay-'));
  expect(withAttributes.length).toBeGreaterThanOrEqual(2);
  expect(stays.length).toBeGreaterThanOrEqual(4);
  for (const name of withAttributes) expect(patchIdsIn(name)).toEqual(['door-ordering', 'search-attributes']);
  const stayPatches: Record<string, string[]> = {
    'stay-temporal-cancel-locks.json': ['stay-cancel-locks'],
    'stay-serial-upserts.json': ['stay-serial-upserts'],
    'stay-same-upsert-after-check-out.json': ['stay-serial-upserts', 'stay-same-upsert-after-check-out'],
    // Since stays hear Seam's events and watch their doors after check-out.
    'stay-watch-unlocked-after-check-out.json': ['stay-watch-after-check-out'],
    'stay-watch-retry-on-connected.json': ['stay-watch-after-check-out'],
    'stay-rollover-retry-on-connected.json': ['stay-roll-over-while-waiting', 'stay-watch-after-check-out'],
  };
  for (const name of stays) expect(patchIdsIn(name)).toEqual(stayPatches[name] ?? []);
});

test('replay: lock actions recorded since check-at-door carry its marker alone, and hand the request over from the check activity', () => {
  const knocking = names.filter((name) => name.startsWith('knock-'));
  expect(knocking.length).toBeGreaterThanOrEqual(6);
  for (const name of knocking) {
    expect(patchIdsIn(name)).toEqual(['check-at-door']);
    expect(readFileSync(join(historiesDir, name), 'utf8')).toContain('checkDeviceAtDoor');
  }
});

test('replay: schedule runs recorded before scheduled-fail-secure lack its marker (they were not re-recorded); those since carry it and tried again', () => {
  const before = names.filter((name) => name.startsWith('scheduled-v1-'));
  const since = names.filter((name) => name.startsWith('scheduled-fs-'));
  expect(before.length).toBeGreaterThanOrEqual(2);
  expect(since.map((name) => name.replace('-fs-', '-v1-'))).toEqual(before);
  for (const name of before) expect(patchIdsIn(name)).toEqual([]);
  for (const name of since) {
    expect(patchIdsIn(name)).toEqual(['scheduled-fail-secure']);
    // A second lock action for a door: the run's retry (its request id ends in .try2).
    expect(readFileSync(join(historiesDir, name), 'utf8')).toContain('.try2');
  }
});

/**
 * The workflow ID a history ran under, where the workflow checks it: a stay runs only as
 * `reservation/<its reservationKey>`, a door as `door/<its deviceId>` (read from the start
 * input). Others replay under any ID.
 */
function workflowIdOf(history: ReturnType<typeof historyFromJSON>): string | undefined {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const type = started?.workflowType?.name;
  if (type !== 'ReservationWorkflow' && type !== 'DoorWorkflow') return undefined;
  const data = started?.input?.payloads?.[0]?.data;
  const input = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { reservationKey: string; deviceId: string };
  return type === 'DoorWorkflow' ? doorWorkflowId(input.deviceId) : reservationWorkflowId(input.reservationKey);
}

test.each(names)('replay: %s replays without non-determinism', async (name) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle: workflowBundle(), replayName: name }, history, workflowIdOf(history)),
  ).resolves.toBeUndefined();
});

/**
 * Tracing on or off is a deployment choice, not a code change: the workflow bundle a traced
 * worker loads (the OpenTelemetry workflow interceptors inside) replays every history that
 * untraced workers recorded, so a fleet can switch it either way with workflows running.
 */
// Doors recorded between send-and-watch and send-try-ids named their watching tries by uuid4(),
// which the traced bundle's interceptors shift: those runs must finish (or roll over) before a
// fleet switches tracing (README, *Traces*). Everything else replays either way.
const tracedReplayable = names.filter((name) => !name.startsWith('door-workflow-sw-'));

test('replay with the traced bundle: a door recorded with uuid try IDs does not replay traced (why send-try-ids exists)', async () => {
  assertBuilt();
  const name = 'door-workflow-sw-lock-success-in-watch.json';
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
  await expect(Worker.runReplayHistory(tracedReplay(name), history, workflowIdOf(history))).rejects.toThrow(
    /Activity id of scheduled event 'send-try-/,
  );
});

test.each(tracedReplayable)('replay with the traced bundle: %s replays without non-determinism', async (name) => {
  assertBuilt();
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
  await expect(Worker.runReplayHistory(tracedReplay(name), history, workflowIdOf(history))).resolves.toBeUndefined();
});

function tracedReplay(replayName: string) {
  return {
    workflowBundle: { codePath: join(__dirname, '..', '..', 'dist', 'workflow-bundle-traced.js') },
    sinks: { exporter: makeWorkflowExporter(new SimpleSpanProcessor(new InMemorySpanExporter()), new Resource({})) },
    replayName,
  };
}
