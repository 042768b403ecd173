/**
 * Door ordering on the real Temporal dev server, in real time: the production worker, the real
 * `seam` SDK over HTTP, the Seam simulator. Every lock action of a device passes its door
 * (`door/<deviceId>`), which runs one command at a time: Seam never holds two attempts of a
 * device in flight, the newest intent wins among requests not yet sent, same-kind requests
 * share one command, commands are spaced to 15 a minute, a waiting request leaves at its
 * send-by deadline, and the `door` query tells what the door last knew.
 *
 * Two records are held against each other: what Seam saw (the simulator's command log, and its
 * action attempts with when they were created and ended) and what the door saw (its history:
 * when each request reached it, and when it sent each command).
 */
import { doorViewSchema } from '../../src/contract/views';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { isSendTry } from '../../src/activities';
import { lockActionOutcome, queryDoor, startLockAction } from '../../src/client';
import type { LockAction, LockActionInput, LockActionResult } from '../../src/contract';
import { doorCommandLimit, doorSignalNames, doorWorkflowId, type DoorRequest } from '../../src/contract/door';
import {
  expectFailure,
  expectOneAttemptInFlight,
  expectSuccess,
  seamCommandsOf,
  type SeamCommand,
} from '../helpers/door-records';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Request {
  workflowId: string;
  action: LockAction;
  handle: WorkflowHandle;
}

async function request(action: LockAction, input: LockActionInput): Promise<Request> {
  const handle = await startLockAction(fx.env.client, action, input, { taskQueue: fx.taskQueue });
  return { workflowId: handle.workflowId, action, handle };
}

/** The most commands any 60 s window holds. */
function busiestWindow(commands: readonly SeamCommand[]): number {
  const times = commands.map((c) => c.receivedAtMs).sort((a, b) => a - b);
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + doorCommandLimit.windowMs).length));
}

/** What the door recorded, in its order: a request reaching it, or a command it sent. */
type DoorEvent =
  | { kind: 'request'; atMs: number; workflowId: string; action: LockAction }
  | { kind: 'send'; atMs: number; action: LockAction };

/**
 * The door's history as requests and sends, in the order the door saw them (a signal that came
 * while a workflow task ran is recorded after that task's commands, so the order is the door's).
 * Every send try is one command here: the simulator injects no faults in these tests.
 */
async function doorRecord(deviceId: string): Promise<DoorEvent[]> {
  const { events } = await fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).fetchHistory();
  const payload = <T>(payloads: Payload[] | null | undefined) => defaultPayloadConverter.fromPayload<T>(payloads![0]);
  return (events ?? []).flatMap((e): DoorEvent[] => {
    const atMs = tsToMs(e.eventTime);
    const signaled = e.workflowExecutionSignaledEventAttributes;
    if (signaled?.signalName === doorSignalNames.request) {
      const { requester, action } = payload<DoorRequest>(signaled.input?.payloads);
      return [{ kind: 'request', atMs, workflowId: requester.workflowId, action }];
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled && isSendTry(scheduled.activityType?.name)) {
      const { action } = payload<{ action: LockAction }>(scheduled.input?.payloads);
      return [{ kind: 'send', atMs, action }];
    }
    return [];
  });
}

type Expected = { servedBy: number } | { supersededBy: string };

/**
 * The door's rules replayed over its record: a request joins what waits if of its kind, and
 * supersedes it otherwise; a send takes everything waiting as one command. Returns, for each
 * request, the command (its index) that served it or the request that superseded it.
 */
function replayRules(record: readonly DoorEvent[]): Map<string, Expected> {
  const expected = new Map<string, Expected>();
  let waiting = null as { action: LockAction; members: string[] } | null;
  let sends = 0;
  for (const event of record) {
    if (event.kind === 'send') {
      expect({ send: sends, action: waiting?.action }).toEqual({ send: sends, action: event.action });
      for (const member of waiting?.members ?? []) expected.set(member, { servedBy: sends });
      sends++;
      waiting = null;
    } else if (waiting?.action === event.action) {
      waiting.members.push(event.workflowId);
    } else {
      for (const loser of waiting?.members ?? []) expected.set(loser, { supersededBy: event.workflowId });
      waiting = { action: event.action, members: [event.workflowId] };
    }
  }
  return expected;
}

describe('DoorWorkflow', () => {
  test('DoorWorkflow: a lock and an unlock a second apart both run, the lock first, and Seam never holds two attempts of the door', async () => {
    // A realistic lock: each attempt stays pending 2 s, so the unlock comes while the lock's is in flight.
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 2_000 } });
    const lock = await request('LOCK_DOOR', { deviceId, requestId: 'checkout' });
    await sleep(1_000);
    const unlock = await request('UNLOCK_DOOR', { deviceId, requestId: 'checkin' });
    const [locked, unlocked] = await Promise.all([lock, unlock].map(async (r) => lockActionOutcome(r.handle)));

    const commands = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(commands.map((c) => c.action)).toEqual(['LOCK_DOOR', 'UNLOCK_DOOR']);
    expect(expectSuccess(locked).actionAttemptId).toBe(commands[0].actionAttemptId);
    expect(expectSuccess(unlocked).actionAttemptId).toBe(commands[1].actionAttemptId);
    // The unlock reached the door while the lock's attempt was pending: sent at once, it would have overlapped.
    const arrival = (await doorRecord(deviceId)).find(
      (e) => e.kind === 'request' && e.workflowId === unlock.workflowId,
    );
    expect(arrival!.atMs).toBeLessThan(commands[0].attempt!.endedAtMs!);
  });

  test('DoorWorkflow: 20 mixed requests from separate callers: each ends served or SUPERSEDED by a newer one, joined ones share an attempt, one attempt in flight at a time', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 1_000 } });
    // Five waves of four, one kind per wave, alternating, 300 ms apart: all in flight together.
    const waves: LockAction[] = ['LOCK_DOOR', 'UNLOCK_DOOR', 'LOCK_DOOR', 'UNLOCK_DOOR', 'LOCK_DOOR'];
    const started: Promise<Request>[] = [];
    for (const [wave, action] of waves.entries()) {
      for (let i = 0; i < 4; i++) started.push(request(action, { deviceId, requestId: `wave${wave}-${i}` }));
      await sleep(300);
    }
    const requests = await Promise.all(started);
    const outcomes = new Map(
      await Promise.all(requests.map(async (r) => [r.workflowId, await lockActionOutcome(r.handle)] as const)),
    );

    const commands = expectOneAttemptInFlight(fx.sim, deviceId);
    const record = await doorRecord(deviceId);
    const arrivals = record.filter((e) => e.kind === 'request').map((e) => e.workflowId);
    expect([...arrivals].sort()).toEqual(requests.map((r) => r.workflowId).sort());
    // What the door sent is what Seam received, in the same order.
    expect(record.filter((e) => e.kind === 'send').map((e) => e.action)).toEqual(commands.map((c) => c.action));

    // Every outcome is the one the rules give over the order in which requests reached the door.
    const expected = replayRules(record);
    for (const r of requests) {
      const outcome = outcomes.get(r.workflowId)!;
      const rule = expected.get(r.workflowId);
      if (rule && 'servedBy' in rule) {
        expect({ workflowId: r.workflowId, attempt: expectSuccess(outcome).actionAttemptId }).toEqual({
          workflowId: r.workflowId,
          attempt: commands[rule.servedBy].actionAttemptId,
        });
      } else {
        const report = expectFailure(outcome, 'SUPERSEDED');
        expect({
          workflowId: r.workflowId,
          supersededBy: report.supersededBy,
          commandSent: report.commandSent,
        }).toEqual({ workflowId: r.workflowId, supersededBy: rule?.supersededBy, commandSent: false });
        // The winner is a newer request of the other kind.
        expect(arrivals.indexOf(report.supersededBy!)).toBeGreaterThan(arrivals.indexOf(r.workflowId));
        expect(requests.find((w) => w.workflowId === report.supersededBy)!.action).not.toBe(r.action);
      }
    }

    const results = [...outcomes.values()].filter((o) => o.ok).map((o) => expectSuccess(o));
    const superseded = [...outcomes.values()].filter((o) => !o.ok);
    expect(superseded.length).toBeGreaterThan(0);
    // Every command served someone; at least two requests were served by one command.
    expect(new Set(results.map((r) => r.actionAttemptId)).size).toBe(commands.length);
    expect(results.length).toBeGreaterThan(commands.length);
    // The newest intent is the last word: the last command is of the last request to reach the door.
    const last = requests.find((r) => r.workflowId === arrivals[arrivals.length - 1])!;
    expect(commands[commands.length - 1].action).toBe(last.action);
    expect(busiestWindow(commands)).toBeLessThanOrEqual(doorCommandLimit.commands);
  });

  test('DoorWorkflow: 17 sequential requests: the 16th command waits until 60 s after the 1st (15 a minute), and none fails', async () => {
    const deviceId = fx.device({ locked: false });
    const results: LockActionResult[] = [];
    for (let i = 0; i < 17; i++) {
      const r = await request(i % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR', { deviceId, requestId: `seq${i}` });
      results.push(expectSuccess(await lockActionOutcome(r.handle)));
    }

    const commands = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(commands).toHaveLength(17);
    expect(commands[15].receivedAtMs - commands[0].receivedAtMs).toBeGreaterThanOrEqual(doorCommandLimit.windowMs);
    expect(commands[16].receivedAtMs - commands[1].receivedAtMs).toBeGreaterThanOrEqual(doorCommandLimit.windowMs);
    expect(busiestWindow(commands)).toBe(doorCommandLimit.commands);
    // The 16th was asked for long before its turn: the door held it rather than refusing it.
    const held = Date.parse(results[15].commandSentAt) - Date.parse(results[15].startedAt);
    expect(held).toBeGreaterThan(20_000);
  }, 120_000);

  test('DoorWorkflow: a waiting unlock whose notAfter passes while a long lock runs fails DEADLINE_PASSED at its deadline, and Seam never receives it', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 10_000 } });
    const lock = await request('LOCK_DOOR', { deviceId });
    await eventually(() => (seamCommandsOf(fx.sim, deviceId).length > 0 ? true : undefined));
    const notAfterMs = Date.now() + 5_000;
    const unlock = await request('UNLOCK_DOOR', { deviceId, notAfter: new Date(notAfterMs).toISOString() });
    await eventually(async () =>
      (await queryDoor(fx.env.client, deviceId)).waiting?.action === 'UNLOCK_DOOR' ? true : undefined,
    );
    // An operator finds what runs at this door by its device: the door and both lock actions.
    const running = await eventually(async () => {
      const ids: string[] = [];
      for await (const info of fx.env.client.workflow.list({
        query: `LockstepDeviceIds = '${deviceId}' AND ExecutionStatus = 'Running'`,
      }))
        ids.push(info.workflowId);
      return ids.length === 3 ? ids : undefined;
    });
    expect(running.sort()).toEqual([lock.handle.workflowId, unlock.handle.workflowId, doorWorkflowId(deviceId)].sort());

    const report = expectFailure(await lockActionOutcome(unlock.handle), 'DEADLINE_PASSED');
    const failedAtMs = Date.now();
    expect(report).toMatchObject({ commandSent: false, actionAttemptId: null, lastStatus: null });
    // At its deadline: once less than a send's window (2 s) is left, not when the lock ends.
    expect(failedAtMs).toBeGreaterThanOrEqual(notAfterMs - 2_000);
    expect(failedAtMs).toBeLessThan(notAfterMs + 1_000);

    expectSuccess(await lockActionOutcome(lock.handle));
    const commands = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(failedAtMs).toBeLessThan(commands[0].attempt!.endedAtMs! - 3_000);
    expect(commands.map((c) => c.action)).toEqual(['LOCK_DOOR']);
  });

  test('DoorWorkflow: the door query tells the last known state after a lock', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 300 } });
    const result = expectSuccess(await lockActionOutcome((await request('LOCK_DOOR', { deviceId })).handle));
    // Read as the contract's schema says it is (schemas/door-view.schema.json).
    expect(doorViewSchema.parse(await queryDoor(fx.env.client, deviceId))).toMatchObject({
      deviceId,
      knowledge: {
        locked: true,
        online: true,
        lastAction: 'LOCK_DOOR',
        lastOutcome: 'success',
        lastActionAttemptId: result.actionAttemptId,
      },
      current: null,
      waiting: null,
      commandsRun: 1,
    });
  });
});
