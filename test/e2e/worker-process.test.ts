/**
 * `lockstep worker` as a real process: configuration errors name the variable and never echo
 * a secret; against a real Temporal dev server it runs lock actions, logs one line per phase
 * with no secret in any line, and shuts down cleanly on SIGTERM.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { executeLockAction, lockActionOutcome, startLockAction } from '../../src/client';
import type { LockAction } from '../../src/contract';
import { assertBuilt, cleanEnv, freePort, runLockstep, startLockstep } from '../helpers/processes';
import { simulatorFixture } from '../helpers/simulator-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const simulator = simulatorFixture();
const { apiKey } = simulator;

beforeAll(() => assertBuilt());

describe('worker configuration', () => {
  /** A valid key plus one bad variable, so that variable is the one the worker must name. */
  const withKey = (variable: string, value: string) => ({ SEAM_API_KEY: apiKey, [variable]: value });
  test.each([
    ['no SEAM_API_KEY', {}, 'SEAM_API_KEY: is required'],
    ['a key without the seam_ prefix', { SEAM_API_KEY: 'not-a-seam-key-123' }, 'SEAM_API_KEY: must be a Seam API key'],
    ['a malformed SEAM_ENDPOINT', withKey('SEAM_ENDPOINT', 'not a url'), 'SEAM_ENDPOINT: must be an http(s) URL'],
    [
      'a malformed SEAM_REQUEST_TIMEOUT_MS',
      withKey('SEAM_REQUEST_TIMEOUT_MS', 'soon'),
      'SEAM_REQUEST_TIMEOUT_MS: must be a number of milliseconds',
    ],
    [
      'a URL as TEMPORAL_ADDRESS',
      withKey('TEMPORAL_ADDRESS', 'http://localhost:7233/'),
      'TEMPORAL_ADDRESS: must be host:port',
    ],
    ['a malformed LOCKSTEP_TASK_QUEUE', withKey('LOCKSTEP_TASK_QUEUE', 'has spaces'), 'LOCKSTEP_TASK_QUEUE: must be'],
    ['an unknown LOCKSTEP_LOG_LEVEL', withKey('LOCKSTEP_LOG_LEVEL', 'loud'), 'LOCKSTEP_LOG_LEVEL: must be one of'],
    [
      'an unknown LOCKSTEP_LOG_FORMAT',
      withKey('LOCKSTEP_LOG_FORMAT', 'xml'),
      'LOCKSTEP_LOG_FORMAT: must be text or json',
    ],
    [
      'a URL as LOCKSTEP_METRICS_ADDR',
      withKey('LOCKSTEP_METRICS_ADDR', 'http://0.0.0.0:9464/metrics'),
      'LOCKSTEP_METRICS_ADDR: must be ip:port',
    ],
  ])('lockstep worker: %s fails at start with exit code 78, naming the variable', async (_case, vars, message) => {
    const run = await runLockstep(['worker'], cleanEnv(vars), 30_000);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(`configuration error: ${message}`);
    expect(run.stdout + run.stderr).not.toContain(apiKey);
  });
});

describe('worker process against the Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  const sim = () => simulator.sim;

  beforeAll(async () => {
    [env] = await Promise.all([startDevServerEnv(), simulator.start()]);
    // One device per test: a device's door runs on the task queue of the action that opened it.
    sim().setDevice({ deviceId: 'front-door', attempt: { pendingMs: 200 } });
    sim().setDevice({ deviceId: 'json-door', attempt: { pendingMs: 200 } });
  }, 60_000);

  afterAll(async () => {
    await simulator.stop();
    await env?.teardown();
  });

  /** The environment of a `lockstep worker` on its own task queue, against this file's server and simulator. */
  const workerEnv = (taskQueue: string, extra: Record<string, string> = {}) =>
    cleanEnv({
      SEAM_API_KEY: apiKey,
      SEAM_ENDPOINT: sim().url,
      TEMPORAL_ADDRESS: env.address,
      LOCKSTEP_TASK_QUEUE: taskQueue,
      ...extra,
    });

  /** A `lockstep worker` process on `taskQueue`, once it has said it started. */
  async function startedWorker(taskQueue: string) {
    const worker = startLockstep(['worker'], workerEnv(taskQueue));
    await worker.waitFor(/lockstep worker started/);
    return worker;
  }

  /** A lock action whose watch lasts 20 s: an activity in flight for that long. */
  const startWatching20s = (action: LockAction, deviceId: string, taskQueue: string) =>
    startLockAction(env.client, action, { deviceId, watchWindow: '20s' }, { taskQueue });

  test('lockstep worker: runs lock actions, logs each phase on one line, never logs the API key, serves its metrics, drains on SIGTERM', async () => {
    const taskQueue = `worker-process-${randomUUID()}`;
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const worker = startLockstep(
      ['worker'],
      workerEnv(taskQueue, { LOCKSTEP_LOG_LEVEL: 'DEBUG', LOCKSTEP_METRICS_ADDR: metricsAddress }),
    );
    try {
      await worker.waitFor(/lockstep worker started/);
      const ok = await executeLockAction(env.client, 'LOCK_DOOR', { deviceId: 'front-door' }, { taskQueue });
      expect(ok.ok).toBe(true);
      const notFound = await executeLockAction(env.client, 'UNLOCK_DOOR', { deviceId: 'back-door' }, { taskQueue });
      expect(notFound).toMatchObject({ ok: false, code: 'DEVICE_NOT_FOUND' });
      const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      expect(metrics).toMatch(/^lockstep_lock_actions_total\{action="LOCK_DOOR",.*outcome="success".*\} 1$/m);
      expect(metrics).toMatch(
        /^lockstep_lock_actions_total\{action="UNLOCK_DOOR",.*outcome="DEVICE_NOT_FOUND".*\} 1$/m,
      );
      expect(metrics).toMatch(/^lockstep_seam_requests_total\{route="\/devices\/get",status="404"\} 1$/m);
      expect(metrics).not.toContain(apiKey);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
    const logs = worker.output();
    for (const phase of [
      'checking device capability',
      'sending command',
      'lock action succeeded',
      'lock action failed',
    ]) {
      expect(logs).toMatch(new RegExp(`^\\S+ (INFO|WARN) +${phase} .*deviceId=`, 'm'));
    }
    expect(logs).toContain('SIGTERM: shutting down');
    expect(logs).not.toContain(apiKey);
    expect(logs).not.toContain(apiKey.slice('seam_'.length));
  }, 60_000);

  test('lockstep worker: LOCKSTEP_LOG_FORMAT=json prints one JSON object per line, phases included, no secret', async () => {
    const taskQueue = `json-logs-${randomUUID()}`;
    const worker = startLockstep(['worker'], workerEnv(taskQueue, { LOCKSTEP_LOG_FORMAT: 'json' }));
    try {
      await worker.waitFor(/lockstep worker started/);
      expect((await executeLockAction(env.client, 'LOCK_DOOR', { deviceId: 'json-door' }, { taskQueue })).ok).toBe(
        true,
      );
      await worker.waitFor(/lock action succeeded/);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
    const records = worker
      .output()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { time: string; level: string; message: string; deviceId?: string });
    for (const record of records)
      expect(record).toEqual(
        expect.objectContaining({ time: expect.any(String), level: expect.any(String), message: expect.any(String) }),
      );
    expect(records.map((r) => r.message)).toEqual(
      expect.arrayContaining(['checking device capability', 'sending command', 'lock action succeeded']),
    );
    expect(records.find((r) => r.message === 'sending command')?.deviceId).toBe('json-door');
    expect(worker.output()).not.toContain(apiKey);
  }, 60_000);

  test('lockstep worker: killed after sending an unlock, its replacement finishes that attempt without a second command', async () => {
    sim().setDevice({ deviceId: 'crash-door', locked: true, attempt: { outcome: 'never' } });
    const taskQueue = `crash-${randomUUID()}`;
    const doomed = await startedWorker(taskQueue);
    const handle = await startWatching20s('UNLOCK_DOOR', 'crash-door', taskQueue);
    // Watching: the door's send try has heartbeated its attempt to Temporal, right after the
    // send and before its first read (killed mid-send, the unlock would rightly end
    // COMMAND_OUTCOME_UNKNOWN instead). Two reads leave the heartbeat time to arrive.
    await eventually(() => (sim().countsFor('crash-door').actionAttemptReads >= 2 ? true : undefined), 30_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const [attempt] = sim()
      .actionAttempts()
      .filter((a) => a.deviceId === 'crash-door');
    sim().resolveActionAttempt(attempt.actionAttemptId, 'success');

    // The try's start-to-close timeout (send try 23 s + window 20 s + 35 s = 78 s) passes; its
    // heartbeat names the attempt, which the door polls with the replacement worker.
    const replacement = startLockstep(['worker'], workerEnv(taskQueue));
    try {
      const outcome = await lockActionOutcome(handle);
      expect(outcome).toMatchObject({
        ok: true,
        result: { actionAttemptId: attempt.actionAttemptId, lockedAfter: false },
      });
    } finally {
      replacement.child.kill('SIGTERM');
      await replacement.exited;
    }
    expect(sim().countsFor('crash-door').commandsReceived).toBe(1);
  }, 120_000);

  test('lockstep worker: a second SIGTERM while draining exits at once', async () => {
    sim().setDevice({ deviceId: 'drain-door', attempt: { outcome: 'never' } });
    const taskQueue = `drain-${randomUUID()}`;
    const worker = await startedWorker(taskQueue);
    // A watch activity of 20 s keeps the first SIGTERM's drain waiting.
    const handle = await startWatching20s('LOCK_DOOR', 'drain-door', taskQueue);
    await eventually(() => (sim().countsFor('drain-door').commandsAccepted === 1 ? true : undefined));
    worker.child.kill('SIGTERM');
    await worker.waitFor(/SIGTERM: shutting down/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(130);
    expect(worker.output()).toContain('SIGTERM again: exiting now');
    await handle.terminate('test over');
  }, 60_000);
});
