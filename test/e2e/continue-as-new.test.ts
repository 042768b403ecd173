/**
 * Continue-as-new loses nothing: the real dev server is told to suggest continue-as-new after
 * 40 history events (`limit.historyCount.suggestContinueAsNew`, an official server setting), so
 * that doors and stays roll over within a test while requests and changes keep arriving.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import {
  executeDoorLockAction,
  lockActionOutcome,
  queryDoor,
  queryReservation,
  startLockAction,
  upsertReservation,
  type LockActionOutcome,
} from '../../src/client';
import { doorWorkflowId, lockstepSearchAttributes, reservationWorkflowId } from '../../src/contract';
import { temporalCliPath } from '../../src/dev/toolchain';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually } from '../helpers/temporal';

const suggestAfterEvents = 40;

const fx = useLockstepFixture(() =>
  TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [...lockstepSearchAttributes],
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${suggestAfterEvents}`],
    },
  }),
);

const day = 24 * 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The checkOut of every `upsert` each run of the stay accepted, oldest run first, in order. */
async function acceptedCheckOuts(workflowId: string): Promise<string[]> {
  const runs: { runId: string; startMs: number }[] = [];
  for await (const info of fx.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push({ runId: info.runId, startMs: info.startTime.getTime() });
  runs.sort((a, b) => a.startMs - b.startMs);
  const checkOuts: string[] = [];
  for (const { runId } of runs) {
    const { events } = await fx.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of events ?? []) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (request?.input?.name !== 'upsert') continue;
      const [reservation] = (request.input.args?.payloads ?? []).map((p) =>
        defaultPayloadConverter.fromPayload<{ checkOut: string }>(p),
      );
      checkOuts.push(reservation.checkOut);
    }
  }
  return checkOuts;
}

async function runsOf(workflowId: string): Promise<number> {
  const runs = fx.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` });
  let count = 0;
  for await (const _ of runs) count++;
  return count;
}

test('ReservationWorkflow: changes pushed while it continues as new are all kept, in order', async () => {
  const door = fx.device();
  const key = `can-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const reservation = {
    reservationKey: key,
    deviceIds: [door],
    checkIn: iso(now + day),
    checkOut: iso(now + 2 * day),
    watchAfterCheckOut: '0s', // it ends once locked
  };
  await upsertReservation(fx.env.client, reservation, { taskQueue: fx.taskQueue });
  // Twelve moves of check-out, three at a time: each is an update and an activity (its check).
  const moves = Array.from({ length: 12 }, (_, i) => iso(now + (3 + i) * day));
  for (let i = 0; i < moves.length; i += 3) {
    await Promise.all(
      moves
        .slice(i, i + 3)
        .map((checkOut) => upsertReservation(fx.env.client, { ...reservation, checkOut }, { taskQueue: fx.taskQueue })),
    );
  }
  // Changes apply in the order Temporal accepted them: the stay ends with the last one accepted
  // (within a batch of three concurrent calls, whichever the server took last).
  const view = await eventually(() => queryReservation(fx.env.client, key).catch(() => undefined));
  const accepted = await acceptedCheckOuts(reservationWorkflowId(key));
  expect(accepted).toHaveLength(moves.length + 1);
  expect(view.checkOut).toBe(accepted[accepted.length - 1]);
  expect(moves.slice(-3)).toContain(view.checkOut);
  expect(view.revisions).toBeGreaterThanOrEqual(moves.length);
  expect(await runsOf(reservationWorkflowId(key))).toBeGreaterThan(1);
  await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).executeUpdate('checkOutNow');
  const ended = await eventually(async () => {
    const current = await queryReservation(fx.env.client, key).catch(() => undefined);
    return current?.stage === 'ended' ? current : undefined;
  }, 30_000);
  expect(ended.doors[0]).toMatchObject({ locked: true });
}, 90_000);

test('DoorWorkflow: continues as new between commands, carrying a waiting request and what it knows', async () => {
  const deviceId = fx.device({ attempt: { pendingMs: 1_500 } });
  const start = (action: 'LOCK_DOOR' | 'UNLOCK_DOOR') =>
    startLockAction(fx.env.client, action, { deviceId }, { taskQueue: fx.taskQueue });
  for (const action of ['LOCK_DOOR', 'UNLOCK_DOOR', 'LOCK_DOOR'] as const) {
    const outcome = await lockActionOutcome(await start(action));
    expect(outcome.ok).toBe(true);
  }
  // A lock runs while an unlock waits; the door rolls over between them and still runs the unlock.
  const running = await start('LOCK_DOOR');
  await eventually(async () => ((await queryDoor(fx.env.client, deviceId)).current ? true : undefined));
  const waiting = await start('UNLOCK_DOOR');
  await eventually(async () => ((await queryDoor(fx.env.client, deviceId)).waiting ? true : undefined));
  expect((await lockActionOutcome(running)).ok).toBe(true);
  expect((await lockActionOutcome(waiting)).ok).toBe(true);
  const door = await queryDoor(fx.env.client, deviceId);
  expect(door).toMatchObject({ commandsRun: 5, knowledge: { locked: false, lastAction: 'UNLOCK_DOOR' } });
  expect(await runsOf(doorWorkflowId(deviceId))).toBeGreaterThan(1);
  expect(fx.sim.commandLog().filter((c) => c.deviceId === deviceId)).toHaveLength(5);
}, 90_000);

test('DoorWorkflow: lockAction updates asked while it continues as new are all answered once, none lost: a door rolls over only when it serves no update', async () => {
  const deviceId = fx.device({ attempt: { pendingMs: 300 } });
  const ask = (action: 'LOCK_DOOR' | 'UNLOCK_DOOR', requestId: string) =>
    executeDoorLockAction(fx.env.client, action, { deviceId, requestId }, { taskQueue: fx.taskQueue });
  const outcomes: LockActionOutcome[] = [];
  // Five rounds of two callers at once, alternating kinds: ~15 door events per command, so the
  // door is told to continue as new every few commands, with updates arriving around it.
  for (let round = 0; round < 5; round++) {
    const action = round % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
    outcomes.push(...(await Promise.all([ask(action, `r${round}a`), ask(action, `r${round}b`)])));
  }
  const results = outcomes.map((o) => (o.ok ? o.result : o.code));
  expect(results.filter((r) => typeof r === 'string')).toEqual([]);
  expect(await runsOf(doorWorkflowId(deviceId))).toBeGreaterThan(2);
  const commands = fx.sim.commandLog().filter((c) => c.deviceId === deviceId);
  // Every command served one of them at least, and each caller got the attempt of a command of its kind.
  const attempts = new Set(outcomes.map((o) => (o.ok ? o.result.actionAttemptId : null)));
  expect(attempts.size).toBe(commands.length);
  for (const o of outcomes) {
    const command = commands.find((c) => o.ok && c.actionAttemptId === o.result.actionAttemptId);
    expect(command?.action).toBe(o.ok ? o.result.action : undefined);
  }
}, 90_000);
