/**
 * LockDoorWorkflow / UnlockDoorWorkflow on the real Java time-skipping server, with the real
 * worker and the real `seam` SDK talking HTTP to the Seam simulator.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import {
  executeLockAction,
  lockActionOutcome,
  queryDoor,
  queryProgress,
  signalActionAttemptEnded,
  startLockAction,
  type LockActionOutcome,
} from '../../src/client';
import type { FailureCode, LockAction, LockActionInput } from '../../src/contract';
import { doorSignalNames, doorWorkflowId } from '../../src/contract/door';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities, type SendTryRequest } from '../../src/activities';
import { createDoorActivities } from '../../src/activities/door';
import { seamWorkspaces, singleWorkspace } from '../../src/activities/seam/workspaces';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startTimeSkippingEnv, workflowBundle } from '../helpers/temporal';

const fx = useLockstepFixture(startTimeSkippingEnv);

function run(action: LockAction, input: LockActionInput): Promise<LockActionOutcome> {
  return executeLockAction(fx.env.client, action, input, { taskQueue: fx.taskQueue });
}

function start(action: LockAction, input: LockActionInput): Promise<WorkflowHandle> {
  return startLockAction(fx.env.client, action, input, { taskQueue: fx.taskQueue });
}

function expectFailure(outcome: LockActionOutcome, code: FailureCode) {
  if (outcome.ok) throw new Error(`expected ${code}, got success ${JSON.stringify(outcome.result)}`);
  expect(outcome.code).toBe(code);
  expect(outcome.report.code).toBe(code);
  return outcome.report;
}

function expectSuccess(outcome: LockActionOutcome) {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}: ${outcome.report.message}`);
  return outcome.result;
}

/** Every string and decoded payload in a history, as one text to search. */
function historyText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(historyText).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(historyText).join('\n');
  return String(value);
}

/** Polls until the device's door runs a command in this phase (queries do not unlock time skipping). */
function doorPhaseReached(deviceId: string, phase: string) {
  return eventually(async () => {
    const door = await queryDoor(fx.env.client, deviceId).catch(() => undefined);
    return door?.current?.phase === phase ? door.current : undefined;
  });
}

async function historyOf(workflowId: string) {
  return (await fx.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

describe('LockDoorWorkflow', () => {
  test('LockDoorWorkflow: locks, reports the confirmed attempt and the read-back state', async () => {
    const deviceId = fx.device({ locked: false, attempt: { pendingMs: 400, wasConfirmedByDevice: true } });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId }));
    expect(result).toMatchObject({
      deviceId,
      action: 'LOCK_DOOR',
      wasConfirmedByDevice: true,
      lockedAfter: true,
      confirmation: 'action_attempt',
    });
    expect(result.polls).toBeGreaterThanOrEqual(1);
    expect(Date.parse(result.commandSentAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
    expect(Date.parse(result.finishedAt)).toBeGreaterThanOrEqual(Date.parse(result.commandSentAt));
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(1);
  });

  test('LockDoorWorkflow: was_confirmed_by_device false is reported as false', async () => {
    const deviceId = fx.device({ attempt: { wasConfirmedByDevice: false } });
    expect(expectSuccess(await run('LOCK_DOOR', { deviceId })).wasConfirmedByDevice).toBe(false);
  });

  test('LockDoorWorkflow: an absent was_confirmed_by_device is unknown (null), not true', async () => {
    const deviceId = fx.device({ attempt: { wasConfirmedByDevice: null } });
    expect(expectSuccess(await run('LOCK_DOOR', { deviceId })).wasConfirmedByDevice).toBeNull();
  });

  test.each([false, true])(
    'LockDoorWorkflow: verifyLockedState false skips the read-back and reports no state (confirmed by device: %s)',
    async (wasConfirmedByDevice) => {
      const deviceId = fx.device({ attempt: { wasConfirmedByDevice } });
      const result = expectSuccess(await run('LOCK_DOOR', { deviceId, verifyLockedState: false }));
      expect(result.lockedAfter).toBeNull();
      expect(fx.sim.countsFor(deviceId).deviceReads).toBe(1);
    },
  );

  test('LockDoorWorkflow: a success the device confirmed is not read back; lockedAfter is the state it confirmed', async () => {
    const deviceId = fx.device({ attempt: { wasConfirmedByDevice: true } });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId }));
    expect(result).toMatchObject({ wasConfirmedByDevice: true, lockedAfter: true, confirmation: 'action_attempt' });
    expect(fx.sim.countsFor(deviceId).deviceReads).toBe(1);
  });

  test('LockDoorWorkflow: an attempt that ends in error fails ACTION_ATTEMPT_FAILED with Seam error', async () => {
    const deviceId = fx.device({
      attempt: { outcome: 'error', errorType: 'device_offline', errorMessage: 'Lock did not answer' },
    });
    const report = expectFailure(await run('LOCK_DOOR', { deviceId }), 'ACTION_ATTEMPT_FAILED');
    expect(report.seamError).toEqual({ type: 'device_offline', message: 'Lock did not answer' });
    expect(report.actionAttemptId).toEqual(expect.any(String));
    expect(report.commandSent).toBe(true);
  });

  test('LockDoorWorkflow: pending past the default timeout fails ACTION_ATTEMPT_TIMED_OUT after minutes of simulated time', async () => {
    const deviceId = fx.device({ locked: false, attempt: { outcome: 'never', updatesLockedState: false } });
    const simulatedBefore = await fx.env.currentTimeMs();
    const report = expectFailure(await run('LOCK_DOOR', { deviceId, watchWindow: 0 }), 'ACTION_ATTEMPT_TIMED_OUT');
    const simulatedElapsed = (await fx.env.currentTimeMs()) - simulatedBefore;
    expect(simulatedElapsed).toBeGreaterThanOrEqual(2 * 60_000);
    expect(report.lastStatus).toBe('pending');
    expect(report.polls).toBeGreaterThan(5);
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(1);
  });

  test('LockDoorWorkflow: a long timeout with a short poll interval keeps its history bounded', async () => {
    const deviceId = fx.device({ attempt: { outcome: 'never', updatesLockedState: false } });
    const handle = await start('LOCK_DOOR', {
      deviceId,
      watchWindow: 0,
      timeout: '1 hour',
      pollInterval: { initial: '1s', max: '1s' },
    });
    const report = expectFailure(await lockActionOutcome(handle), 'ACTION_ATTEMPT_TIMED_OUT');
    expect(report.polls).toBeLessThanOrEqual(302);
    const { events } = await handle.fetchHistory();
    expect(events?.length).toBeLessThan(10_240 / 2);
  }, 120_000);

  test('LockDoorWorkflow: a timed-out attempt whose lock reads back locked succeeds by device_state', async () => {
    const deviceId = fx.device({ locked: true, attempt: { outcome: 'never' } });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId, watchWindow: 0, timeout: '30s' }));
    expect(result).toMatchObject({ confirmation: 'device_state', lockedAfter: true, wasConfirmedByDevice: null });
    // It was locked before the command too: the success is real, but say the command may have done nothing.
    expect(result.warnings).toContain('lockstep_already_in_desired_state');
  });

  test('LockDoorWorkflow: a device without can_remotely_lock fails CAPABILITY_MISSING and sends nothing', async () => {
    const flaky = 'device_has_flaky_connection';
    const deviceId = fx.device({ canRemotelyLock: null, warnings: [{ warning_code: flaky, message: 'flaky' }] });
    const report = expectFailure(await run('LOCK_DOOR', { deviceId }), 'CAPABILITY_MISSING');
    expect(report.capability).toMatchObject({ canRemotelyLock: null, online: true, warnings: [{ code: flaky }] });
    expect(report.commandSent).toBe(false);
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('LockDoorWorkflow: an offline device fails DEVICE_OFFLINE with its error codes and sends nothing', async () => {
    const deviceId = fx.device({
      online: false,
      errors: [{ error_code: 'device_offline', message: 'Device is offline' }],
      warnings: [{ warning_code: 'power_saving_mode', message: 'saving power' }],
    });
    const report = expectFailure(await run('LOCK_DOOR', { deviceId }), 'DEVICE_OFFLINE');
    expect(report.capability).toMatchObject({
      online: false,
      locked: null,
      errors: [{ code: 'device_offline' }],
      warnings: [{ code: 'power_saving_mode' }],
    });
    expect(report.message).toContain('device_offline');
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('LockDoorWorkflow: an unknown device fails DEVICE_NOT_FOUND with Seam request id', async () => {
    const report = expectFailure(await run('LOCK_DOOR', { deviceId: `missing-${randomUUID()}` }), 'DEVICE_NOT_FOUND');
    expect(report.seamRequestId).toEqual(expect.any(String));
    expect(report.seamError?.type).toBe('device_not_found');
  });

  test('LockDoorWorkflow: transient failures on every activity are retried to success, with one command', async () => {
    const deviceId = fx.device({
      attempt: { pendingReads: 1 },
      faults: [
        { route: '/devices/get', kind: '503', count: 2 },
        { route: '/locks/lock_door', kind: '429', count: 1 },
        { route: '/locks/lock_door', kind: 'reset', count: 1 },
        { route: '/action_attempts/get', kind: 'reset', count: 2 },
      ],
    });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId, watchWindow: 0 }));
    expect(result.lockedAfter).toBe(true);
    const counts = fx.sim.countsFor(deviceId);
    expect(counts.commandsReceived).toBe(3);
    expect(counts.commandsAccepted).toBe(1);
    expect(fx.sim.device(deviceId)?.faults.every((f) => f.count === 0)).toBe(true);
  });

  test('LockDoorWorkflow: a device read that hangs on every try fails SEAM_UNAVAILABLE at the request bound, with its report', async () => {
    const deviceId = fx.device({ devicesGetDelayMs: 120_000 });
    const report = expectFailure(await run('LOCK_DOOR', { deviceId }), 'SEAM_UNAVAILABLE');
    expect(report.message).toContain('aborted at its end-to-end time bound');
    expect(report).toMatchObject({ commandSent: false, deviceId });
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('LockDoorWorkflow: cancelled during the capability check sends no command', async () => {
    const deviceId = fx.device({ devicesGetDelayMs: 1_500 });
    const handle = await start('LOCK_DOOR', { deviceId });
    await eventually(() => (fx.sim.countsFor(deviceId).deviceReads > 0 ? true : undefined));
    await handle.cancel();
    const report = expectFailure(await lockActionOutcome(handle), 'CANCELLED');
    expect(report.commandSent).toBe(false);
    expect(report.actionAttemptId).toBeNull();
    await new Promise((r) => setTimeout(r, 2_000)); // the slow devices.get has answered by now
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('LockDoorWorkflow: a device check retried after a failed try asks its door before it fails (the try may have handed the request over)', async () => {
    const deviceId = fx.device({
      online: false,
      errors: [{ error_code: 'device_offline', message: 'offline' }],
      faults: [{ route: '/devices/get', kind: '503', count: 1 }],
    });
    const handle = await start('LOCK_DOOR', { deviceId });
    const report = expectFailure(await lockActionOutcome(handle), 'DEVICE_OFFLINE');
    expect(report.commandSent).toBe(false);
    const events = await historyOf(handle.workflowId);
    expect(
      events.some(
        (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === doorSignalNames.withdraw,
      ),
    ).toBe(true);
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('LockDoorWorkflow: cancelled while polling stops and names the attempt left behind', async () => {
    const deviceId = fx.device({ attempt: { outcome: 'never' } });
    const handle = await start('LOCK_DOOR', { deviceId, watchWindow: 0 });
    await doorPhaseReached(deviceId, 'polling');
    await handle.cancel();
    const report = expectFailure(await lockActionOutcome(handle), 'CANCELLED');
    expect(report).toMatchObject({ commandSent: true, lastStatus: 'pending', actionAttemptId: expect.any(String) });
    expect(report.message).toContain(report.actionAttemptId!);
    const events = await historyOf(handle.workflowId);
    const cancelRequestedAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
    expect(cancelRequestedAt).toBeGreaterThan(0);
    expect(events.slice(cancelRequestedAt).some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    // The door stopped following the attempt: nothing scheduled after the withdrawal.
    const door = await historyOf(doorWorkflowId(deviceId));
    const withdrawnAt = door.findIndex(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === doorSignalNames.withdraw,
    );
    expect(withdrawnAt).toBeGreaterThan(0);
    expect(
      door.slice(withdrawnAt).some((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes),
    ).toBe(false);
  });

  test('LockDoorWorkflow: the attempt-ended signal wakes the workflow before its timer fires', async () => {
    const deviceId = fx.device({ attempt: { outcome: 'never' } });
    const handle = await start('LOCK_DOOR', { deviceId, watchWindow: 0, pollInterval: { initial: '10 minutes' } });
    const { actionAttemptId } = await doorPhaseReached(deviceId, 'polling');
    expect((await queryProgress(handle)).phase).toBe('door');
    fx.sim.resolveActionAttempt(actionAttemptId!, 'success');
    await signalActionAttemptEnded(handle, { actionAttemptId: actionAttemptId!, status: 'success' });
    const result = expectSuccess(await lockActionOutcome(handle));
    expect(result.actionAttemptId).toBe(actionAttemptId);
    // The lock action handed the word to its door, whose poll timer it cut short.
    const door = await historyOf(doorWorkflowId(deviceId));
    expect(door.some((e) => e.timerFiredEventAttributes)).toBe(false);
    expect(door.some((e) => e.timerCanceledEventAttributes)).toBe(true);
  });

  test('LockDoorWorkflow: Seam acted but the response was lost: the lock is sent again, succeeds, and reports the duplicate', async () => {
    const deviceId = fx.device({ faults: [{ route: '/locks/lock_door', kind: 'acted-then-reset', count: 1 }] });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId }));
    expect(result.warnings).toContain('lockstep_lock_resent');
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 2, commandsAccepted: 2 });
  });

  test('LockDoorWorkflow: a response that stalls mid-body is aborted at the request bound and the lock is sent again', async () => {
    const deviceId = fx.device({
      faults: [{ route: '/locks/lock_door', kind: 'stall-response', count: 1, stallMs: 60_000, trickleMs: 200 }],
    });
    const result = expectSuccess(await run('LOCK_DOOR', { deviceId }));
    expect(result.warnings).toContain('lockstep_lock_resent');
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(2);
    expect(fx.sim.stalledResponses()).toBe(0);
  });

  test('LockDoorWorkflow: a caller retrying with the same requestId reaches Seam once', async () => {
    const deviceId = fx.device({ attempt: { pendingMs: 300 } });
    const input = { deviceId, requestId: `checkout-${randomUUID()}` };
    const [first, second] = await Promise.all([run('LOCK_DOOR', input), run('LOCK_DOOR', input)]);
    const third = await run('LOCK_DOOR', input);
    const ids = [first, second, third].map((o) => expectSuccess(o).actionAttemptId);
    expect(new Set(ids).size).toBe(1);
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(1);
  });

  test('DoorWorkflow: a request delivered again after it was answered (openDoor retried) is never run again', async () => {
    const deviceId = fx.device({ locked: true });
    const handle = await start('UNLOCK_DOOR', { deviceId });
    expectSuccess(await lockActionOutcome(handle));
    const { runId } = await handle.describe();
    const plan = {
      deviceId,
      timeoutMs: 120_000,
      watchWindowMs: 6_000,
      pollInterval: { initialMs: 1_000, maxMs: 15_000, multiplier: 2 },
      verifyLockedState: true,
      metadata: {},
    };
    const again = {
      requester: { workflowId: handle.workflowId, runId },
      action: 'UNLOCK_DOOR',
      plan,
      sendBy: (await fx.env.currentTimeMs()) + 60_000,
      capability: null,
    };
    await fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).signal(doorSignalNames.request, again);
    const door = await eventually(async () => {
      const view = await queryDoor(fx.env.client, deviceId);
      return view.current === null && view.waiting === null ? view : undefined;
    });
    expect(door.commandsRun).toBe(1);
    expect(fx.sim.commandLog().filter((c) => c.deviceId === deviceId)).toHaveLength(1);
  });

  test('LockDoorWorkflow: the Seam API key appears in no workflow history', async () => {
    const deviceId = fx.device();
    const handle = await start('LOCK_DOOR', { deviceId });
    expectSuccess(await lockActionOutcome(handle));
    const history = historyText(await handle.fetchHistory());
    expect(history).toContain(deviceId);
    expect(history).not.toContain(fx.apiKey);
  });
});

describe('UnlockDoorWorkflow', () => {
  test('UnlockDoorWorkflow: unlocks and reads back locked=false', async () => {
    const deviceId = fx.device({ locked: true });
    // Workflow time is the test server's skipped clock; the deadline is an hour past it.
    const notAfter = new Date((await fx.env.currentTimeMs()) + 3_600_000).toISOString();
    const result = expectSuccess(await run('UNLOCK_DOOR', { deviceId, notAfter }));
    expect(result).toMatchObject({ action: 'UNLOCK_DOOR', lockedAfter: false, confirmation: 'action_attempt' });
  });

  test('UnlockDoorWorkflow: a send try whose task never ran (lost before it announced its send) is tried again: one unlock at Seam, success', async () => {
    const deviceId = fx.device({ locked: true });
    const activities = createActivities(
      seamWorkspaces(singleWorkspace({ apiKey: fx.apiKey, endpoint: fx.sim.url, requestTimeoutMs: 5_000 })),
    );
    let tries = 0;
    const taskQueue = `lost-try-${randomUUID()}`;
    const worker = await Worker.create({
      connection: fx.env.nativeConnection,
      namespace: fx.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        ...activities,
        ...createDoorActivities(),
        // The first try is started and never runs: a task lost between Temporal and the worker
        // (or a worker gone before its first step) looks the same to the door.
        sendCommandTryAnnounced: async (request: SendTryRequest) => {
          if (++tries === 1) await Context.current().cancelled; // rejects when the worker stops
          return activities.sendCommandTryAnnounced(request);
        },
      },
    });
    const result = await worker.runUntil(
      executeLockAction(fx.env.client, 'UNLOCK_DOOR', { deviceId, watchWindow: 0 }, { taskQueue }),
    );
    expect(expectSuccess(result)).toMatchObject({ action: 'UNLOCK_DOOR', lockedAfter: false });
    expect(tries).toBe(2);
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
    const timedOut = (await historyOf(doorWorkflowId(deviceId))).filter((e) => e.activityTaskTimedOutEventAttributes);
    expect(timedOut).toHaveLength(1);
  });

  test('UnlockDoorWorkflow: a dropped connection on the command fails COMMAND_OUTCOME_UNKNOWN and is never sent again', async () => {
    const deviceId = fx.device({ locked: true, faults: [{ route: '/locks/unlock_door', kind: 'reset', count: 1 }] });
    const report = expectFailure(await run('UNLOCK_DOOR', { deviceId }), 'COMMAND_OUTCOME_UNKNOWN');
    expect(report).toMatchObject({ commandSent: null, actionAttemptId: null });
    expect(report.message).toContain('Check the door');
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(1);
  });

  test('UnlockDoorWorkflow: Seam acted but the response was lost: COMMAND_OUTCOME_UNKNOWN with exactly one command at Seam', async () => {
    const deviceId = fx.device({
      locked: true,
      faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }],
    });
    const report = expectFailure(await run('UNLOCK_DOOR', { deviceId }), 'COMMAND_OUTCOME_UNKNOWN');
    expect(report).toMatchObject({ commandSent: null, actionAttemptId: null });
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
  });

  test('UnlockDoorWorkflow: a device that cannot unlock remotely fails CAPABILITY_MISSING', async () => {
    const deviceId = fx.device({ canRemotelyUnlock: false });
    const report = expectFailure(await run('UNLOCK_DOOR', { deviceId }), 'CAPABILITY_MISSING');
    expect(report.message).toContain('can_remotely_unlock is false');
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('UnlockDoorWorkflow: notAfter already passed fails DEADLINE_PASSED and sends nothing', async () => {
    const deviceId = fx.device({ locked: true });
    // Started by name: the client helpers refuse a passed notAfter before starting anything.
    const handle = await fx.env.client.workflow.start('UnlockDoorWorkflow', {
      args: [{ deviceId, notAfter: '2020-01-01T00:00:00Z' }],
      taskQueue: fx.taskQueue,
      workflowId: `late-${randomUUID()}`,
    });
    const report = expectFailure(await lockActionOutcome(handle), 'DEADLINE_PASSED');
    expect(report.commandSent).toBe(false);
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 0, deviceReads: 0 });
  });

  test('UnlockDoorWorkflow: the client refuses a passed notAfter before starting anything', async () => {
    const deviceId = fx.device({ locked: true });
    await expect(start('UNLOCK_DOOR', { deviceId, notAfter: '2020-01-01T00:00:00Z' })).rejects.toThrow(
      /notAfter: .* has already passed/,
    );
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 0, deviceReads: 0 });
  });

  test('UnlockDoorWorkflow: invalid inputs fail INVALID_INPUT before any Seam call', async () => {
    const deviceId = fx.device();
    const invalidInputs: unknown[] = [
      {},
      { deviceId: '' },
      { deviceId, notAfter: 'tomorrow' },
      { deviceId, timeout: -5 },
      { deviceId, timeout: 'forever' },
      { deviceId, pollInterval: { initial: '10s', max: '1s' } },
      { deviceId, unexpected: true },
      'not an object',
    ];
    const started = invalidInputs.map((input) => [input]);
    started.push([{ deviceId }, { extra: 'argument' }]);
    for (const args of started) {
      const outcome = await lockActionOutcome(
        await fx.env.client.workflow.start('UnlockDoorWorkflow', {
          args,
          taskQueue: fx.taskQueue,
          workflowId: `invalid-${randomUUID()}`,
        }),
      );
      const report = expectFailure(outcome, 'INVALID_INPUT');
      expect(report.issues.length).toBeGreaterThan(0);
    }
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 0, deviceReads: 0 });
  });
});
