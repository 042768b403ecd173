/**
 * A lock action asked of its door directly — the door's `lockAction` update, sent with
 * update-with-start (`executeDoorLockAction`) — on the real Temporal dev server, in real time:
 * the production worker, the real `seam` SDK over HTTP, the Seam simulator. One workflow per
 * lock (the door), ordered with lock actions that come as `LockDoorWorkflow`s by the same rules.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  executeDoorLockAction,
  isLockActionInputError,
  lockActionOutcome,
  queryDoor,
  startLockAction,
  withdrawDoorLockAction,
} from '../../src/client';
import { doorUpdateId, doorUpdateNames, doorWorkflowId } from '../../src/contract/door';
import { expectFailure, expectOneAttemptInFlight, expectSuccess, seamCommandsOf } from '../helpers/door-records';
import { temporalCliPath } from '../../src/dev/toolchain';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { cleanEnv, runProcess } from '../helpers/processes';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

/** Workflows that ran for the device: the door only, when every request came by update. */
async function workflowsOf(deviceId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of fx.env.client.workflow.list({ query: `LockstepDeviceIds = '${deviceId}'` }))
    ids.push(info.workflowId);
  return ids;
}

/** The door's history: the update events, and whether any request or verdict went by signal. */
async function doorEvents(deviceId: string): Promise<{ updatesCompleted: number; signals: number }> {
  const { events } = await fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).fetchHistory();
  return {
    updatesCompleted: (events ?? []).filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).length,
    signals: (events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes || e.signalExternalWorkflowExecutionInitiatedEventAttributes,
    ).length,
  };
}

const opts = () => ({ taskQueue: fx.taskQueue });

/**
 * A locked door whose unlock update (`runningId`) is sent and pending for 3 s, with a lock update
 * (`waitingId`) waiting behind it in the door's queue.
 */
async function unlockRunningLockWaiting(runningId: string, waitingId: string) {
  const deviceId = fx.device({ locked: true, attempt: { pendingMs: 3_000 } });
  const running = executeDoorLockAction(fx.env.client, 'UNLOCK_DOOR', { deviceId, requestId: runningId }, opts());
  await eventually(() => (seamCommandsOf(fx.sim, deviceId).length > 0 ? true : undefined));
  const waiting = executeDoorLockAction(fx.env.client, 'LOCK_DOOR', { deviceId, requestId: waitingId }, opts());
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).waiting?.action === 'LOCK_DOOR' ? true : undefined,
  );
  return { deviceId, running, waiting };
}

describe('lockAction update', () => {
  test('lockAction update: a lock by update-with-start opens the device door and returns the lock result; one workflow, no signals, one command', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 300 } });
    const result = expectSuccess(await executeDoorLockAction(fx.env.client, 'LOCK_DOOR', { deviceId }, opts()));

    const [command] = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(seamCommandsOf(fx.sim, deviceId)).toHaveLength(1);
    expect(result).toMatchObject({
      deviceId,
      action: 'LOCK_DOOR',
      actionAttemptId: command.actionAttemptId,
      confirmation: 'action_attempt',
    });
    expect((await queryDoor(fx.env.client, deviceId)).knowledge).toMatchObject({
      locked: true,
      lastOutcome: 'success',
    });
    expect(
      await eventually(async () => ((await workflowsOf(deviceId)).length > 0 ? workflowsOf(deviceId) : undefined)),
    ).toEqual([doorWorkflowId(deviceId)]);
    expect(await doorEvents(deviceId)).toEqual({ updatesCompleted: 1, signals: 0 });
  });

  test('lockAction update and LockDoorWorkflow at one door: an unlock update waits for the running lock action, a newer lock update supersedes it, and Seam never holds two attempts', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 3_000 } });
    const lockAction = await startLockAction(fx.env.client, 'LOCK_DOOR', { deviceId }, opts());
    await eventually(() => (seamCommandsOf(fx.sim, deviceId).length > 0 ? true : undefined));

    const unlock = executeDoorLockAction(fx.env.client, 'UNLOCK_DOOR', { deviceId, requestId: 'guest' }, opts());
    await eventually(async () =>
      (await queryDoor(fx.env.client, deviceId)).waiting?.action === 'UNLOCK_DOOR' ? true : undefined,
    );
    const relock = executeDoorLockAction(fx.env.client, 'LOCK_DOOR', { deviceId, requestId: 'staff' }, opts());

    const report = expectFailure(await unlock, 'SUPERSEDED');
    expect(report).toMatchObject({
      supersededBy: doorUpdateId('LOCK_DOOR', deviceId, 'staff'),
      commandSent: false,
      actionAttemptId: null,
    });
    const first = expectSuccess(await lockActionOutcome(lockAction));
    const second = expectSuccess(await relock);
    const commands = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(commands.map((c) => c.action)).toEqual(['LOCK_DOOR', 'LOCK_DOOR']);
    expect([first.actionAttemptId, second.actionAttemptId]).toEqual(commands.map((c) => c.actionAttemptId));
  });

  test('lockAction update: withdrawn while it waits behind a running command, it ends CANCELLED and Seam never receives it', async () => {
    const { deviceId, running: first, waiting: second } = await unlockRunningLockWaiting('first', 'second');

    await withdrawDoorLockAction(fx.env.client, 'LOCK_DOOR', deviceId, 'second');
    const report = expectFailure(await second, 'CANCELLED');
    expect(report).toMatchObject({ commandSent: false, actionAttemptId: null });
    expectSuccess(await first);
    expect(expectOneAttemptInFlight(fx.sim, deviceId).map((c) => c.action)).toEqual(['UNLOCK_DOOR']);
  });

  test('lockAction update: withdrawn before it reaches the door (the door not yet running), it ends CANCELLED when it comes and Seam never receives it', async () => {
    const deviceId = fx.device({ locked: true, attempt: { pendingMs: 300 } });
    await withdrawDoorLockAction(fx.env.client, 'UNLOCK_DOOR', deviceId, 'late', opts());
    const report = expectFailure(
      await executeDoorLockAction(fx.env.client, 'UNLOCK_DOOR', { deviceId, requestId: 'late' }, opts()),
      'CANCELLED',
    );
    expect(report).toMatchObject({ commandSent: false, actionAttemptId: null });
    // Another request is served as usual.
    expectSuccess(await executeDoorLockAction(fx.env.client, 'UNLOCK_DOOR', { deviceId, requestId: 'next' }, opts()));
    expect(seamCommandsOf(fx.sim, deviceId).map((c) => c.action)).toEqual(['UNLOCK_DOOR']);
  });

  test('lockAction update: a door cancelled by an operator answers every update it serves CANCELLED, with what was sent', async () => {
    const { deviceId, running, waiting } = await unlockRunningLockWaiting('running', 'waiting');
    await fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).cancel();

    const [sent] = seamCommandsOf(fx.sim, deviceId);
    expect(expectFailure(await running, 'CANCELLED')).toMatchObject({
      commandSent: true,
      actionAttemptId: sent.actionAttemptId,
    });
    expect(expectFailure(await waiting, 'CANCELLED')).toMatchObject({ commandSent: false, actionAttemptId: null });
    expect(seamCommandsOf(fx.sim, deviceId)).toHaveLength(1);
  });

  test('lockAction update: the same requestId asked twice at once is one command and one result for both', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 500 } });
    const ask = () => executeDoorLockAction(fx.env.client, 'LOCK_DOOR', { deviceId, requestId: 'retry' }, opts());
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(expectSuccess(a).actionAttemptId).toBe(expectSuccess(b).actionAttemptId);
    expect(seamCommandsOf(fx.sim, deviceId)).toHaveLength(1);
  });

  test('lockAction update: invalid input is refused before anything reaches Temporal; a malformed update from another SDK is rejected with INVALID_INPUT and leaves no trace', async () => {
    const deviceId = fx.device({ locked: false });
    const refused = await executeDoorLockAction(
      fx.env.client,
      'LOCK_DOOR',
      { deviceId, timeout: 'soon' },
      opts(),
    ).catch((err: unknown) => err);
    expect(isLockActionInputError(refused)).toBe(true);
    await expect(fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    // A running door, asked by a caller that skipped the client's validation.
    expectSuccess(await executeDoorLockAction(fx.env.client, 'LOCK_DOOR', { deviceId }, opts()));
    const door = fx.env.client.workflow.getHandle(doorWorkflowId(deviceId));
    const rejected = await door
      .executeUpdate(doorUpdateNames.lockAction, { args: [{ action: 'OPEN_SESAME', input: { deviceId } }] })
      .catch((err: unknown) => err);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((rejected as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('INVALID_INPUT');
    // Input the device check refuses (its schema): a typed failure, and nothing reaches Seam.
    const bad = await door
      .executeUpdate(doorUpdateNames.lockAction, {
        args: [{ action: 'UNLOCK_DOOR', input: { deviceId, pollInterval: 'x' } }],
      })
      .catch((err: unknown) => err);
    expect(((bad as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('INVALID_INPUT');
    expect(seamCommandsOf(fx.sim, deviceId).map((c) => c.action)).toEqual(['LOCK_DOOR']);
    expect(await doorEvents(deviceId)).toEqual({ updatesCompleted: 2, signals: 0 });
  });

  test('lockAction update via the temporal CLI and plain JSON: execute-update-with-start locks the door and prints its result', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 300 } });
    const run = await runProcess(
      temporalCliPath(),
      [
        'workflow',
        'execute-update-with-start',
        '--address',
        fx.env.address,
        '--workflow-id',
        doorWorkflowId(deviceId),
        '--type',
        'DoorWorkflow',
        '--task-queue',
        fx.taskQueue,
        '--id-conflict-policy',
        'UseExisting',
        '--input',
        JSON.stringify({ deviceId }),
        '--update-name',
        'lockAction',
        '--update-id',
        `lock/${deviceId}/from-cli`,
        '--update-input',
        JSON.stringify({ action: 'LOCK_DOOR', input: { deviceId, requestId: 'from-cli' } }),
        '-o',
        'json',
      ],
      cleanEnv(),
    );
    const printed = JSON.parse(run.stdout) as { updateId: string; updateResult: unknown };
    const [command] = expectOneAttemptInFlight(fx.sim, deviceId);
    expect(printed).toMatchObject({
      updateId: `lock/${deviceId}/from-cli`,
      updateResult: { deviceId, action: 'LOCK_DOOR', actionAttemptId: command.actionAttemptId },
    });
  });
});
