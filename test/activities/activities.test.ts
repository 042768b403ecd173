/**
 * The activities against the Seam simulator over real HTTP with the real `seam` SDK: response
 * parsing, error translation (503 / 429 / reset / 4xx), the deadline guard and the command
 * count, and resuming from a heartbeat without sending again.
 */
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import {
  legacyCommandSendTries as commandSendTries,
  createActivities,
  type CommandOutcome,
  type LockstepActivities,
  type SendCommandRequest,
  type SendTryOutcome,
  type SendTryRequest,
} from '../../src/activities';
import { seamWorkspaces, singleWorkspace } from '../../src/activities/seam/workspaces';
import { startStalledListener } from '../../src/dev/simulator/stalled-listener';
import { requesterCheckMaxMs, sendAnnounceTimeoutMs, sendSlackMs } from '../../src/contract/timing-budget';
import { freePort } from '../../src/dev/free-port';
import { useSimulator } from '../helpers/simulator-fixture';
import { startTimeSkippingEnv } from '../helpers/temporal';

const fx = useSimulator();
const { device } = fx;
let activities: LockstepActivities;

beforeAll(() => {
  activities = createActivities(
    seamWorkspaces(singleWorkspace({ apiKey: fx.apiKey, endpoint: fx.sim.url, requestTimeoutMs: 2_000 })),
  );
});

function sendCommand(
  request: Partial<SendCommandRequest> & { deviceId: string },
  env = new MockActivityEnvironment(),
): Promise<CommandOutcome> {
  const full: SendCommandRequest = { action: 'LOCK_DOOR', watchWindowMs: 3_000, readBackLockedState: true, ...request };
  return env.run(activities.sendCommand, full);
}

/** An ISO-8601 time `ms` from now (negative: in the past). */
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Runs one activity in a fresh mock activity environment, typed by the activity. */
function runActivity<P, R>(activity: (request: P) => Promise<R>, request: P): Promise<R> {
  return new MockActivityEnvironment().run<[P], R, (request: P) => Promise<R>>(activity, request);
}

/** A send try with a deadline an hour away unless the request names one. */
function sendTry(request: Partial<SendTryRequest> & { deviceId: string }): Promise<SendTryOutcome> {
  const full: SendTryRequest = {
    action: 'LOCK_DOOR',
    sendBy: isoIn(3_600_000),
    ...request,
  };
  return runActivity(activities.sendCommandTry, full);
}

/** A door's lock try that watches too (3 s), with the heartbeats it sent. */
async function sendTryThatWatches(deviceId: string): Promise<{ outcome: SendTryOutcome; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const request: SendTryRequest = {
    deviceId,
    action: 'LOCK_DOOR',
    sendBy: isoIn(3_600_000),
    thenWatch: { windowMs: 3_000, readBackLockedState: true },
  };
  const outcome = await env.run<[SendTryRequest], SendTryOutcome, typeof activities.sendCommandTry>(
    activities.sendCommandTry,
    request,
  );
  return { outcome, heartbeats };
}

/** A non-retryable DEADLINE_PASSED, and no command reached the simulator for the device. */
function expectRefusedUnsent(failure: ApplicationFailure, deviceId: string): void {
  expect(failure).toMatchObject({ type: 'DEADLINE_PASSED', nonRetryable: true });
  expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('captureCapabilitySnapshot', () => {
  test('captureCapabilitySnapshot: reduces the device to flags, online, locked, errors and warnings', async () => {
    const deviceId = device({
      canRemotelyLock: true,
      canRemotelyUnlock: null,
      locked: true,
      warnings: [{ warning_code: 'device_communication_degraded', message: 'weak signal' }],
    });
    const snapshot = await new MockActivityEnvironment().run(activities.captureCapabilitySnapshot, deviceId);
    expect(snapshot).toEqual({
      deviceId,
      canRemotelyLock: true,
      canRemotelyUnlock: null,
      online: true,
      locked: true,
      errors: [],
      warnings: [{ code: 'device_communication_degraded', message: 'weak signal' }],
    });
  });

  test('captureCapabilitySnapshot: an offline lock has no known locked state', async () => {
    const deviceId = device({
      online: false,
      locked: true,
      errors: [{ error_code: 'hub_disconnected', message: 'hub gone' }],
    });
    const snapshot = await new MockActivityEnvironment().run(activities.captureCapabilitySnapshot, deviceId);
    expect(snapshot).toMatchObject({
      online: false,
      locked: null,
      errors: [{ code: 'hub_disconnected', message: 'hub gone' }],
    });
  });

  test('captureCapabilitySnapshot: an unknown device is a non-retryable DEVICE_NOT_FOUND with the request id', async () => {
    const failure = await failureOf(new MockActivityEnvironment().run(activities.captureCapabilitySnapshot, 'nope'));
    expect(failure).toMatchObject({ type: 'DEVICE_NOT_FOUND', nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({
      statusCode: 404,
      seamErrorType: 'device_not_found',
      seamRequestId: expect.any(String),
    });
  });

  test('captureCapabilitySnapshot: a wrong API key is a non-retryable UNAUTHORIZED that does not echo the key', async () => {
    const wrongKey = 'seam_wrongkey_0000';
    const stranger = createActivities(
      seamWorkspaces(singleWorkspace({ apiKey: wrongKey, endpoint: fx.sim.url, requestTimeoutMs: 2_000 })),
    );
    const failure = await failureOf(new MockActivityEnvironment().run(stranger.captureCapabilitySnapshot, device()));
    expect(failure).toMatchObject({ type: 'UNAUTHORIZED', nonRetryable: true });
    expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain(wrongKey);
  });

  test.each([
    ['503 without a JSON body', 'SEAM_SERVER_ERROR', '503'],
    ['429', 'SEAM_RATE_LIMITED', '429'],
    ['a connection reset', 'SEAM_NETWORK_ERROR', 'reset'],
  ] as const)('captureCapabilitySnapshot: %s is a retryable %s', async (_name, type, kind) => {
    const deviceId = device({ faults: [{ route: '/devices/get', kind, count: 1 }] });
    const failure = await failureOf(new MockActivityEnvironment().run(activities.captureCapabilitySnapshot, deviceId));
    expect(failure).toMatchObject({ type, nonRetryable: false });
    // The fault was one request: the next call (Temporal's retry) succeeds.
    await expect(
      new MockActivityEnvironment().run(activities.captureCapabilitySnapshot, deviceId),
    ).resolves.toMatchObject({ deviceId });
  });
});

describe('checkDeviceAtDoor', () => {
  const atDoor = (deviceId: string, attempt: number) =>
    new MockActivityEnvironment({ attempt }).run(activities.checkDeviceAtDoor, {
      input: { deviceId },
      action: 'LOCK_DOOR' as const,
      workflowStartedAt: new Date().toISOString(),
      door: { requester: { workflowId: 'lock/x/y', runId: 'r' }, taskQueue: 'q' },
    });

  test('checkDeviceAtDoor: a first try that fails or cannot act says the door holds nothing; a retry says it may', async () => {
    const first = await failureOf(atDoor('nope', 1));
    expect(first).toMatchObject({ type: 'DEVICE_NOT_FOUND', nonRetryable: true });
    expect(first.details?.[0]).not.toHaveProperty('doorMayHoldRequest');
    const retried = await failureOf(atDoor('nope', 2));
    expect(retried).toMatchObject({ type: 'DEVICE_NOT_FOUND', nonRetryable: true });
    expect(retried.details?.[0]).toMatchObject({ doorMayHoldRequest: true, seamErrorType: 'device_not_found' });

    const offline = device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] });
    expect(await atDoor(offline, 1)).toMatchObject({ knocked: false, doorMayHoldRequest: false });
    expect(await atDoor(offline, 2)).toMatchObject({ knocked: false, doorMayHoldRequest: true });
    expect(fx.sim.countsFor(offline).commandsReceived).toBe(0);
  });
});

describe('sendCommand', () => {
  test('sendCommand: sends once, heartbeats the attempt id, watches it to success and reads the state back', async () => {
    const deviceId = device({ locked: false, attempt: { pendingMs: 500, wasConfirmedByDevice: false } });
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const outcome = await sendCommand({ deviceId }, env);
    expect(outcome).toMatchObject({
      actionAttempt: { status: 'success', wasConfirmedByDevice: false },
      lockedAfter: true,
    });
    expect(outcome.reads).toBeGreaterThanOrEqual(1);
    expect(heartbeats[0]).toEqual({
      actionAttemptId: outcome.actionAttempt.actionAttemptId,
      commandSentAt: outcome.commandSentAt,
    });
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
  });

  test('sendCommand: returns the pending attempt when the watch window ends first', async () => {
    const deviceId = device({ attempt: { outcome: 'never' } });
    const outcome = await sendCommand({ deviceId, watchWindowMs: 400 });
    expect(outcome.actionAttempt.status).toBe('pending');
    expect(outcome.lockedAfter).toBeUndefined();
  });

  test('sendCommand: refuses with DEADLINE_PASSED once notAfter has passed, and sends nothing', async () => {
    const deviceId = device();
    const failure = await failureOf(sendCommand({ deviceId, action: 'UNLOCK_DOOR', notAfter: isoIn(-1) }));
    expectRefusedUnsent(failure, deviceId);
  });

  test('sendCommand: refuses to start an unlock closer to notAfter than the request timeout', async () => {
    const deviceId = device();
    const failure = await failureOf(sendCommand({ deviceId, action: 'UNLOCK_DOOR', notAfter: isoIn(1_000) }));
    expectRefusedUnsent(failure, deviceId);
  });

  test('sendCommand: a 429 or 503 on the command cannot have reached Seam, so it is sent again in the activity', async () => {
    const deviceId = device({
      faults: [
        { route: '/locks/unlock_door', kind: '429', count: 1 },
        { route: '/locks/unlock_door', kind: '503', count: 1 },
      ],
    });
    const outcome = await sendCommand({ deviceId, action: 'UNLOCK_DOOR' });
    expect(outcome.actionAttempt.status).toBe('success');
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 3, commandsAccepted: 1 });
  });

  test('sendCommand: an unlock whose connection dropped may have reached Seam: COMMAND_OUTCOME_UNKNOWN, never sent again', async () => {
    const deviceId = device({ faults: [{ route: '/locks/unlock_door', kind: 'reset', count: 1 }] });
    const failure = await failureOf(sendCommand({ deviceId, action: 'UNLOCK_DOOR' }));
    expect(failure).toMatchObject({ type: 'COMMAND_OUTCOME_UNKNOWN', nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({ commandMayHaveReachedSeam: true });
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(1);
  });

  test('sendCommand: a lock whose connection dropped is sent again (locking twice is harmless)', async () => {
    const deviceId = device({ faults: [{ route: '/locks/lock_door', kind: 'reset', count: 1 }] });
    const outcome = await sendCommand({ deviceId, action: 'LOCK_DOOR' });
    expect(outcome.actionAttempt.status).toBe('success');
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 2, commandsAccepted: 1 });
  });

  test('sendCommand: sends that keep failing end non-retryable after the last try, saying whether they may have landed', async () => {
    const deviceId = device({ faults: [{ route: '/locks/lock_door', kind: '503', count: 10 }] });
    const failure = await failureOf(sendCommand({ deviceId }));
    expect(failure).toMatchObject({ type: 'SEAM_SERVER_ERROR', nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({ commandMayHaveReachedSeam: false });
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(commandSendTries);
  }, 20_000);

  test('sendCommand: once the command is accepted, failing reads end the watch instead of failing the activity', async () => {
    const deviceId = device({
      attempt: { pendingMs: 200 },
      faults: [{ route: '/action_attempts/get', kind: '503', count: 100 }],
    });
    const outcome = await sendCommand({ deviceId });
    expect(outcome.actionAttempt.status).toBe('pending');
    expect(outcome.actionAttempt.actionAttemptId).toEqual(expect.any(String));
  });

  test('sendCommand: a failed read-back after success is unknown (null), not a failure', async () => {
    const deviceId = device({
      attempt: { pendingMs: 0, wasConfirmedByDevice: null },
      faults: [{ route: '/devices/get', kind: '503', count: 1 }],
    });
    const outcome = await sendCommand({ deviceId });
    expect(outcome).toMatchObject({ actionAttempt: { status: 'success' }, lockedAfter: null });
  });

  test('sendCommand: an attempt that errors comes back with Seam error type and message', async () => {
    const deviceId = device({ attempt: { outcome: 'error', errorType: 'lock_jammed', errorMessage: 'jammed' } });
    const outcome = await sendCommand({ deviceId });
    expect(outcome.actionAttempt).toMatchObject({
      status: 'error',
      error: { type: 'lock_jammed', message: 'jammed' },
      wasConfirmedByDevice: null,
    });
    expect(outcome.lockedAfter).toBeUndefined();
  });
});

describe('readActionAttempt', () => {
  /** An unlock of a locked device whose attempt has ended, read once with the read-back asked for. */
  async function readEndedUnlock(wasConfirmedByDevice: boolean) {
    const deviceId = device({ locked: true, attempt: { wasConfirmedByDevice } });
    const { actionAttempt } = await sendCommand({ deviceId, action: 'UNLOCK_DOOR', watchWindowMs: 0 });
    const readsBefore = fx.sim.countsFor(deviceId).deviceReads;
    const observation = await new MockActivityEnvironment().run(activities.readActionAttempt, {
      actionAttemptId: actionAttempt.actionAttemptId,
      deviceId,
      readBackLockedState: true,
    });
    return { actionAttempt, observation, deviceReads: fx.sim.countsFor(deviceId).deviceReads - readsBefore };
  }

  test('readActionAttempt: one read, and the state read back on a success the device did not confirm', async () => {
    const { actionAttempt, observation } = await readEndedUnlock(false);
    expect(observation).toEqual({
      actionAttempt: { ...actionAttempt, status: 'success', wasConfirmedByDevice: false },
      reads: 1,
      lockedAfter: false,
    });
  });

  test('readActionAttempt: a success the device confirmed is not read back (one Seam request)', async () => {
    const { actionAttempt, observation, deviceReads } = await readEndedUnlock(true);
    expect(observation).toEqual({
      actionAttempt: { ...actionAttempt, status: 'success', wasConfirmedByDevice: true },
      reads: 1,
    });
    expect(deviceReads).toBe(0);
  });
});

describe('checkDevice', () => {
  test('checkDevice: refuses DEADLINE_PASSED before any Seam call when start + timeout has passed', async () => {
    const deviceId = device();
    const workflowStartedAt = isoIn(-8_000);
    const failure = await failureOf(
      runActivity(activities.checkDevice, {
        input: { deviceId, timeout: '5s' },
        action: 'UNLOCK_DOOR' as const,
        workflowStartedAt,
      }),
    );
    expect(failure).toMatchObject({ type: 'DEADLINE_PASSED', nonRetryable: true });
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
  });

  test('checkDevice: within the deadline it returns the plan and the capability snapshot', async () => {
    const deviceId = device();
    const check = await runActivity(activities.checkDevice, {
      input: { deviceId, timeout: '5s' },
      action: 'LOCK_DOOR' as const,
      workflowStartedAt: new Date().toISOString(),
    });
    expect(check.plan).toMatchObject({ deviceId, timeoutMs: 5_000 });
    expect(check.capability.deviceId).toBe(deviceId);
  });
});

/**
 * An unlock try against a Temporal frontend that is not there (`extra` adds to its request):
 * it sends nothing, saying `failureType`, and the device sees no command.
 */
async function expectUnsentWithoutTemporal(
  sendTry: LockstepActivities['sendCommandTry'],
  failureType: string,
  extra: (deviceId: string) => Partial<SendTryRequest> = () => ({}),
): Promise<void> {
  const deviceId = device({ locked: true });
  const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
  const outcome = await new MockActivityEnvironment(undefined, { client }).run(sendTry, {
    deviceId,
    action: 'UNLOCK_DOOR' as const,
    sendBy: isoIn(3_600_000),
    ...extra(deviceId),
  });
  expect(outcome).toMatchObject({ sent: false, mayHaveReachedSeam: false, failureType });
  expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
}

describe('sendCommandTry', () => {
  test('sendCommandTry: for a door, when Temporal cannot say whether a lock action still wants the command, nothing is sent (fail closed)', async () => {
    // Every describe of the requester fails.
    await expectUnsentWithoutTemporal(activities.sendCommandTry, 'REQUESTERS_UNCONFIRMED', (deviceId) => ({
      requesters: [{ workflowId: `unlock/${deviceId}/r1`, runId: 'run-1' }],
    }));
  });

  test("sendCommandTryAnnounced: when Temporal does not record that the try is about to send, nothing is sent, within the announcement's bound: the requester check, beside it, adds no wait of its own", async () => {
    // The announcement, a heartbeat Temporal must answer, fails: within its bound, the client's
    // own retries of an unreachable frontend included. The requester check fails too (3.2 s),
    // beside it, without adding to the wait; the announcement's failure is the one told (checking
    // first, the try would have said REQUESTERS_UNCONFIRMED).
    const startedAt = Date.now();
    await expectUnsentWithoutTemporal(activities.sendCommandTryAnnounced, 'SEND_NOT_ANNOUNCED', (deviceId) => ({
      requesters: [{ workflowId: `unlock/${deviceId}/r1`, runId: 'run-1' }],
    }));
    const sideBySideMs = Math.max(sendAnnounceTimeoutMs, requesterCheckMaxMs);
    expect(Date.now() - startedAt).toBeLessThan(sideBySideMs + 1_500);
  });

  test('sendCommandTryAnnounced: a lock action found gone ends the try CANCELLED, nothing sent, even when its announcement failed beside the check', async () => {
    // A real Temporal (the Java test server): the requester does not exist there (NotFound: no
    // longer wants the command), and the announcement of a try that is not one of its tasks fails.
    // The check does not wait behind the announcement: announcing first, the try would have
    // stopped at SEND_NOT_ANNOUNCED and the door would try again for an action that is gone.
    const env = await startTimeSkippingEnv();
    try {
      const deviceId = device({ locked: true });
      const tried = new MockActivityEnvironment(undefined, { client: env.client }).run(
        activities.sendCommandTryAnnounced,
        {
          deviceId,
          action: 'UNLOCK_DOOR' as const,
          sendBy: isoIn(3_600_000),
          requesters: [{ workflowId: `unlock/${deviceId}/gone`, runId: randomUUID() }],
        },
      );
      await expect(tried).rejects.toMatchObject({ type: 'CANCELLED', nonRetryable: true });
      expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
    } finally {
      await env.teardown();
    }
  });

  test('sendCommandTry: a try Temporal runs again (a second attempt, or reset with its heartbeat kept) sends nothing: an unlock is COMMAND_OUTCOME_UNKNOWN, a lock may have landed', async () => {
    const deviceId = device({ locked: true });
    const announced = { aboutToSend: true, at: isoIn(-1_000) };
    const again = (info: { attempt: number; heartbeatDetails?: unknown }, action: 'LOCK_DOOR' | 'UNLOCK_DOOR') =>
      new MockActivityEnvironment(info).run(
        action === 'UNLOCK_DOOR' ? activities.sendCommandTryAnnounced : activities.sendCommandTry,
        { deviceId, action, sendBy: isoIn(3_600_000) },
      );
    for (const info of [{ attempt: 2 }, { attempt: 1, heartbeatDetails: announced }]) {
      expect(await failureOf(again(info, 'UNLOCK_DOOR'))).toMatchObject({
        type: 'COMMAND_OUTCOME_UNKNOWN',
        nonRetryable: true,
      });
      expect(await again(info, 'LOCK_DOOR')).toMatchObject({ sent: false, mayHaveReachedSeam: true });
    }
    expect(fx.sim.countsFor(deviceId).commandsReceived).toBe(0);
  });

  test('sendCommandTry: sends once and returns the pending attempt Seam accepted', async () => {
    const deviceId = device();
    const outcome = await sendTry({ deviceId });
    if (!outcome.sent) throw new Error(outcome.message);
    expect(outcome.actionAttempt).toMatchObject({ status: 'pending', actionAttemptId: expect.any(String) });
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(1);
  });

  test("sendCommandTry: a door's try that watches too heartbeats the attempt once, right after the send, then returns what its watch saw", async () => {
    const deviceId = device({ locked: false, attempt: { pendingMs: 500, wasConfirmedByDevice: false } });
    const { outcome, heartbeats } = await sendTryThatWatches(deviceId);
    if (!outcome.sent) throw new Error(outcome.message);
    expect(heartbeats).toEqual([
      { actionAttemptId: outcome.actionAttempt.actionAttemptId, commandSentAt: outcome.commandSentAt },
    ]);
    expect(outcome.actionAttempt.status).toBe('pending');
    expect(outcome.watched).toMatchObject({
      actionAttempt: { actionAttemptId: outcome.actionAttempt.actionAttemptId, status: 'success' },
      lockedAfter: true,
    });
    expect(outcome.watched!.reads).toBeGreaterThanOrEqual(1);
    expect(fx.sim.countsFor(deviceId)).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
  });

  test('sendCommandTry: a try that watches too, refused by Seam, heartbeats nothing and watches nothing', async () => {
    const deviceId = device({ faults: [{ route: '/locks/lock_door', kind: '503', count: 1 }] });
    const { outcome, heartbeats } = await sendTryThatWatches(deviceId);
    expect(outcome).toMatchObject({ sent: false, mayHaveReachedSeam: false });
    expect(heartbeats).toEqual([]);
    expect(fx.sim.countsFor(deviceId).actionAttemptReads).toBe(0);
  });

  test('sendCommandTry: refuses DEADLINE_PASSED when less than the send window remains, and sends nothing', async () => {
    const deviceId = device();
    const failure = await failureOf(sendTry({ deviceId, action: 'UNLOCK_DOOR', sendBy: isoIn(1_500) }));
    expectRefusedUnsent(failure, deviceId);
  });

  test('sendCommandTry: a 429 or 503 cannot have reached Seam: not sent, safe to try again', async () => {
    const deviceId = device({ faults: [{ route: '/locks/unlock_door', kind: '503', count: 1 }] });
    expect(await sendTry({ deviceId, action: 'UNLOCK_DOOR' })).toMatchObject({
      sent: false,
      mayHaveReachedSeam: false,
      failureType: 'SEAM_SERVER_ERROR',
    });
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(0);
  });

  test('sendCommandTry: an unlock whose connection dropped fails COMMAND_OUTCOME_UNKNOWN', async () => {
    const deviceId = device({ faults: [{ route: '/locks/unlock_door', kind: 'reset', count: 1 }] });
    const failure = await failureOf(sendTry({ deviceId, action: 'UNLOCK_DOOR' }));
    expect(failure).toMatchObject({ type: 'COMMAND_OUTCOME_UNKNOWN', nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({ commandMayHaveReachedSeam: true });
  });

  test('sendCommandTry: a lock whose connection dropped may have landed: not sent, may be tried again', async () => {
    const deviceId = device({ faults: [{ route: '/locks/lock_door', kind: 'reset', count: 1 }] });
    expect(await sendTry({ deviceId, action: 'LOCK_DOOR' })).toMatchObject({ sent: false, mayHaveReachedSeam: true });
  });

  test('sendCommandTry: a 4xx is a typed non-retryable failure', async () => {
    const failure = await failureOf(sendTry({ deviceId: `missing-${randomUUID()}` }));
    expect(failure).toMatchObject({ type: 'DEVICE_NOT_FOUND', nonRetryable: true });
  });
});

describe('watchActionAttempt', () => {
  /** Sends a lock to the device, then watches its attempt for `windowMs`. */
  async function sendAndWatch(deviceId: string, windowMs: number) {
    const sent = await sendTry({ deviceId });
    if (!sent.sent) throw new Error(sent.message);
    const { actionAttemptId } = sent.actionAttempt;
    return runActivity(activities.watchActionAttempt, {
      actionAttemptId,
      deviceId,
      windowMs,
      readBackLockedState: true,
    });
  }

  test('watchActionAttempt: reads the attempt to success and reads the state back', async () => {
    const deviceId = device({ locked: false, attempt: { pendingMs: 400, wasConfirmedByDevice: false } });
    const observation = await sendAndWatch(deviceId, 3_000);
    expect(observation).toMatchObject({ actionAttempt: { status: 'success' }, lockedAfter: true });
    expect(observation.reads).toBeGreaterThanOrEqual(1);
  });

  test('watchActionAttempt: returns the attempt still pending when the window ends first', async () => {
    const deviceId = device({ attempt: { outcome: 'never' } });
    const observation = await sendAndWatch(deviceId, 400);
    expect(observation.actionAttempt.status).toBe('pending');
  });
});

describe('end-to-end request bound', () => {
  /** A send try with a 10 s request timeout and a deadline `deadlineInMs` away, timed. */
  async function boundedSend(endpoint: string, deviceId: string, deadlineInMs: number) {
    const slowClientActivities = createActivities(
      seamWorkspaces(singleWorkspace({ apiKey: fx.apiKey, endpoint, requestTimeoutMs: 10_000 })),
    );
    const startedMs = Date.now();
    const sendBy = startedMs + deadlineInMs;
    const outcome = await runActivity(slowClientActivities.sendCommandTry, {
      deviceId,
      action: 'LOCK_DOOR',
      sendBy: new Date(sendBy).toISOString(),
    });
    return { outcome, endedMs: Date.now(), sendBy };
  }

  test('sendCommandTry: a connect that never completes is aborted before the send-by deadline', async () => {
    const stalled = await startStalledListener();
    try {
      const { outcome, endedMs, sendBy } = await boundedSend(stalled.url, 'front-door', 3_500);
      expect(outcome).toMatchObject({
        sent: false,
        mayHaveReachedSeam: true,
        message: expect.stringContaining('aborted at its end-to-end time bound'),
      });
      expect(endedMs).toBeLessThanOrEqual(sendBy - sendSlackMs + 200);
    } finally {
      await stalled.close();
    }
  });

  test('sendCommandTry: a response that trickles past the idle timeout is aborted before the send-by deadline', async () => {
    const deviceId = device({
      faults: [{ route: '/locks/lock_door', kind: 'stall-response', count: 1, stallMs: 20_000, trickleMs: 200 }],
    });
    const { outcome, endedMs, sendBy } = await boundedSend(fx.sim.url, deviceId, 3_500);
    expect(outcome).toMatchObject({ sent: false, mayHaveReachedSeam: true });
    expect(endedMs).toBeLessThanOrEqual(sendBy - sendSlackMs + 200);
    expect(fx.sim.countsFor(deviceId).commandsAccepted).toBe(1);
  });
});
