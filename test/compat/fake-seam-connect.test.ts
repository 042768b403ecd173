/**
 * Compatibility with Seam's official fake (@seamapi/fake-seam-connect): the workflows run
 * against it through the real SDK, and report its error and offline states when they change.
 */
import { createFake, type Fake } from '@seamapi/fake-seam-connect';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import * as lockstep from '../../src/client';
import type { FailureCode, LockAction, LockActionInput } from '../../src/contract';
import { eventually, runLockstepWorker, startTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let fake: Fake;
let seed: Awaited<ReturnType<Fake['seed']>>;
let taskQueue: string;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  fake = await createFake();
  seed = await fake.seed();
  await fake.startServer();
  ({ taskQueue, stop: stopWorker } = await runLockstepWorker(env, {
    apiKey: seed.seam_apikey1_token,
    endpoint: fake.serverUrl!,
  }));
});

afterAll(async () => {
  await stopWorker?.();
  await fake?.stopServer();
  await env?.teardown();
});

function failureCode(outcome: lockstep.LockActionOutcome): FailureCode | 'success' {
  return outcome.ok ? 'success' : outcome.code;
}

/** Runs a lock action through the client helpers against Seam's fake. */
function run(action: LockAction, input: LockActionInput) {
  return lockstep.executeLockAction(env.client, action, input, { taskQueue });
}

test('fake-seam-connect: LockDoorWorkflow succeeds; its result-less success is unconfirmed (null)', async () => {
  const outcome = await run('LOCK_DOOR', { deviceId: seed.august_device_1 });
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.report.message}`);
  expect(outcome.result).toMatchObject({
    deviceId: seed.august_device_1,
    action: 'LOCK_DOOR',
    confirmation: 'action_attempt',
    wasConfirmedByDevice: null,
  });
  expect(typeof outcome.result.lockedAfter === 'boolean' || outcome.result.lockedAfter === null).toBe(true);
});

test('fake-seam-connect: UnlockDoorWorkflow succeeds on another seeded lock', async () => {
  const outcome = await run('UNLOCK_DOOR', { deviceId: seed.schlage_device_1 });
  expect(failureCode(outcome)).toBe('success');
});

test('fake-seam-connect: an offline device with device errors fails DEVICE_OFFLINE with its error codes', async () => {
  fake.database.updateDevice({
    device_id: seed.august_device_2,
    properties: { online: false },
    errors: [
      {
        error_code: 'device_offline',
        message: 'Device is offline',
        is_device_error: true,
        created_at: new Date().toISOString(),
      },
    ],
  } as Parameters<Fake['database']['updateDevice']>[0]);
  const outcome = await run('LOCK_DOOR', { deviceId: seed.august_device_2 });
  expect(failureCode(outcome)).toBe('DEVICE_OFFLINE');
  if (!outcome.ok) expect(outcome.report.capability?.errors.map((e) => e.code)).toContain('device_offline');
});

test('fake-seam-connect: a lock without remote unlock fails CAPABILITY_MISSING', async () => {
  fake.database.updateDevice({ device_id: seed.august_device_1, can_remotely_unlock: false } as Parameters<
    Fake['database']['updateDevice']
  >[0]);
  const outcome = await run('UNLOCK_DOOR', { deviceId: seed.august_device_1 });
  expect(failureCode(outcome)).toBe('CAPABILITY_MISSING');
  fake.database.updateDevice({ device_id: seed.august_device_1, can_remotely_unlock: true } as Parameters<
    Fake['database']['updateDevice']
  >[0]);
});

test('fake-seam-connect: an attempt the fake turns to error fails ACTION_ATTEMPT_FAILED', async () => {
  const handle = await lockstep.startLockAction(
    env.client,
    'LOCK_DOOR',
    { deviceId: seed.august_device_1, watchWindow: 0 },
    { taskQueue },
  );
  // The device's door sends and follows the command: its query shows the attempt it polls.
  const actionAttemptId = await eventually(async () => {
    const door = await lockstep.queryDoor(env.client, seed.august_device_1).catch(() => undefined);
    return door?.current?.phase === 'polling' ? door.current.actionAttemptId! : undefined;
  });
  fake.database.updateActionAttempt({
    action_attempt_id: actionAttemptId,
    status: 'error',
    result: null,
    error: { type: 'lock_jammed', message: 'The bolt is jammed' },
  } as Parameters<Fake['database']['updateActionAttempt']>[0]);
  await lockstep.signalActionAttemptEnded(handle, { actionAttemptId, status: 'error' });
  const outcome = await lockstep.lockActionOutcome(handle);
  expect(failureCode(outcome)).toBe('ACTION_ATTEMPT_FAILED');
  if (!outcome.ok) expect(outcome.report.seamError).toEqual({ type: 'lock_jammed', message: 'The bolt is jammed' });
});

test('fake-seam-connect: an unknown device fails DEVICE_NOT_FOUND', async () => {
  const outcome = await run('LOCK_DOOR', { deviceId: 'no-such-device' });
  expect(failureCode(outcome)).toBe('DEVICE_NOT_FOUND');
});
