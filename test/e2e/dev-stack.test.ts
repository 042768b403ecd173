/**
 * End to end with real processes: `lockstep dev` (Temporal dev server + Seam simulator +
 * worker) driven through src/client.ts, the `lockstep` CLI, and the `temporal` CLI with plain
 * JSON; then Ctrl-C leaves no process behind.
 */
import { Client, Connection } from '@temporalio/client';
import { executeLockAction } from '../../src/client';
import { failureReportSchema, lockActionResultSchema } from '../../src/contract';
import { demoDevices } from '../../src/dev/simulator/demo-devices';
import { temporalCliPath } from '../../src/dev/toolchain';
import { eventually } from '../helpers/temporal';
import {
  assertBuilt,
  childPids,
  cleanEnv,
  freePort,
  runLockstep,
  runProcess,
  startLockstep,
  stillRunning,
  type Running,
} from '../helpers/processes';

let dev: Running;
let env: Record<string, string>;
let address: string;
let simulatorUrl: string;
let metricsUrl: string;
let client: Client;

beforeAll(async () => {
  assertBuilt();
  const [port, simulatorPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  address = `127.0.0.1:${port}`;
  simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  env = cleanEnv({ TEMPORAL_ADDRESS: address, LOCKSTEP_TASK_QUEUE: 'lock-actions' });
  dev = startLockstep(
    ['dev', '--port', String(port), '--headless', '--simulator-port', String(simulatorPort), '--in-memory'],
    { ...env, LOCKSTEP_METRICS_ADDR: `127.0.0.1:${metricsPort}` },
  );
  await dev.waitFor(/^ready$/m, 60_000);
  client = new Client({ connection: await Connection.connect({ address }) });
}, 90_000);

afterAll(async () => {
  await client?.connection.close();
  // Normally the Ctrl-C test has stopped it; when it did not run (jest -t), stop it the same
  // way, so the Temporal server it started goes too. SIGKILL only as a last resort.
  if (dev && dev.child.exitCode === null) {
    dev.child.kill('SIGINT');
    const timer = setTimeout(() => dev.child.kill('SIGKILL'), 20_000);
    await dev.exited;
    clearTimeout(timer);
  }
});

async function simulatorCounts(deviceId: string): Promise<{ deviceReads: number; commandsReceived: number }> {
  const response = await fetch(`${simulatorUrl}/_simulator/devices/list`, { method: 'POST' });
  const { devices } = (await response.json()) as {
    devices: Array<{ deviceId: string; counts: { deviceReads: number; commandsReceived: number } }>;
  };
  return devices.find((d) => d.deviceId === deviceId)!.counts;
}

test('dev stack: src/client.ts executes a lock and gets the typed result', async () => {
  const outcome = await executeLockAction(
    client,
    'LOCK_DOOR',
    { deviceId: demoDevices.instant },
    { taskQueue: 'lock-actions' },
  );
  if (!outcome.ok) throw new Error(outcome.report.message);
  expect(outcome.result).toMatchObject({
    deviceId: demoDevices.instant,
    wasConfirmedByDevice: true,
    lockedAfter: true,
  });
});

test('dev stack: `lockstep lock --json` prints the typed result and exits 0', async () => {
  const run = await runLockstep(['lock', demoDevices.unconfirmed, '--json'], env);
  expect(run.code).toBe(0);
  const result = lockActionResultSchema.strict().parse(JSON.parse(run.stdout));
  expect(result).toMatchObject({ action: 'LOCK_DOOR', wasConfirmedByDevice: false, confirmation: 'action_attempt' });
});

test('dev stack: `lockstep lock --json` on an offline lock prints the failure report and exits 1', async () => {
  const run = await runLockstep(['lock', demoDevices.offline, '--json'], env);
  expect(run.code).toBe(1);
  const report = failureReportSchema.strict().parse(JSON.parse(run.stdout));
  expect(report).toMatchObject({ code: 'DEVICE_OFFLINE', commandSent: false });
});

test('dev stack: `lockstep unlock` prints a readable verdict with the failure code', async () => {
  const run = await runLockstep(['unlock', demoDevices.noRemoteUnlock], env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^FAIL unlock demo-no-remote-unlock: CAPABILITY_MISSING$/m);
  expect(run.stdout).toContain('can_remotely_unlock is false');
});

test.each([
  [['unlock'], 'expected exactly one deviceId'],
  [['unlock', demoDevices.slow, '--not-after', 'tomorrow'], 'notAfter'],
  [['unlock', demoDevices.slow, '--timeout', 'forever'], 'timeout'],
  [['lock', demoDevices.slow, '--not-after', '2030-01-01T00:00:00Z'], 'unlock only'],
  [['unlock', demoDevices.slow, '--colour'], 'Unknown option'],
  [['open', demoDevices.slow], 'unknown command'],
])('dev stack: `lockstep %j` is a usage error and starts nothing', async (args, message) => {
  const run = await runLockstep(args, env);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(message);
  expect(run.stderr).toContain('Usage:');
  expect(await simulatorCounts(demoDevices.slow)).toEqual(
    expect.objectContaining({ deviceReads: 0, commandsReceived: 0 }),
  );
});

test('dev stack: the `temporal` CLI starts LockDoorWorkflow by name with plain JSON and gets the same result shape', async () => {
  const run = await runProcess(
    temporalCliPath(),
    // The README's command, verbatim but for the address and ids.
    [
      'workflow',
      'execute',
      '--address',
      address,
      '--type',
      'LockDoorWorkflow',
      '--task-queue',
      'lock-actions',
      '--workflow-id',
      'plain-json-lock',
      '--id-conflict-policy',
      'UseExisting',
      '--id-reuse-policy',
      'RejectDuplicate',
      '--input',
      `{"deviceId":"${demoDevices.instant}","requestId":"plain-json"}`,
      '-o',
      'json',
    ],
    env,
  );
  expect(run.code).toBe(0);
  const { result } = JSON.parse(run.stdout) as { result: Record<string, unknown> };
  // The Go CLI prints an empty array as null; everything else is the typed result.
  const typed = lockActionResultSchema.strict().parse({ ...result, warnings: result.warnings ?? [] });
  expect(typed).toMatchObject({ deviceId: demoDevices.instant, action: 'LOCK_DOOR', wasConfirmedByDevice: true });
  const viaLockstep = await runLockstep(['status', 'plain-json-lock', '--json'], env);
  expect(viaLockstep.code).toBe(0);
  expect(JSON.parse(viaLockstep.stdout)).toEqual(typed);
});

/** The value of the first sample of `name` whose labels include `labels`; undefined when none. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

test("dev stack: /metrics shows lockstep's own metrics after those locks, beside the Temporal runtime's", async () => {
  // The locks above: successes, DEVICE_OFFLINE, CAPABILITY_MISSING; the gauge is counted at start.
  const metrics = await eventually(async () => {
    const text = await (await fetch(metricsUrl)).text();
    return sample(text, 'lockstep_attention_workflows', { kind: 'failedLockActions' }) !== undefined ? text : undefined;
  }, 40_000);
  const lockActions = (outcome: string, action = 'LOCK_DOOR') =>
    sample(metrics, 'lockstep_lock_actions_total', { action, outcome, workflowType: 'LockDoorWorkflow' });
  expect(lockActions('success')).toBeGreaterThanOrEqual(3);
  expect(lockActions('DEVICE_OFFLINE')).toBe(1);
  expect(sample(metrics, 'lockstep_lock_actions_total', { action: 'UNLOCK_DOOR', outcome: 'CAPABILITY_MISSING' })).toBe(
    1,
  );
  expect(sample(metrics, 'lockstep_lock_action_duration_ms_count', { outcome: 'success' })).toBeGreaterThanOrEqual(3);
  expect(sample(metrics, 'lockstep_seam_requests_total', { route: '/devices/get', status: '200' })).toBeGreaterThan(0);
  expect(sample(metrics, 'lockstep_seam_requests_total', { route: '/locks/lock_door', status: '200' })).toBeGreaterThan(
    0,
  );
  expect(sample(metrics, 'lockstep_commands_sent_total', { action: 'LOCK_DOOR' })).toBeGreaterThanOrEqual(3);
  // The dev stack runs with push: an attempt's webhook wakes the read that records it.
  expect(sample(metrics, 'lockstep_detection_delay_ms_count')).toBeGreaterThan(0);
  // The simulator's webhooks reached the receiver and their doors.
  expect(
    sample(metrics, 'lockstep_webhooks_total', {
      outcome: 'delivered',
      event_type: 'action_attempt.lock_door.succeeded',
    }),
  ).toBeGreaterThan(0);
  for (const kind of ['stays', 'scheduleRuns', 'failedLockActions'])
    expect(sample(metrics, 'lockstep_attention_workflows', { kind })).toBeGreaterThanOrEqual(0);
  expect(sample(metrics, 'temporal_workflow_completed', { workflow_type: 'LockDoorWorkflow' }) ?? 0).toBeGreaterThan(0);
}, 60_000);

test('dev stack: `lockstep status` on a workflow that is not a lock action is a usage error', async () => {
  const other = await client.workflow.start('SomethingElseWorkflow', {
    taskQueue: 'nobody-polls-this',
    workflowId: `other-${Date.now()}`,
  });
  try {
    const run = await runLockstep(['status', other.workflowId], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${other.workflowId} is a SomethingElseWorkflow, not a lock action`);
  } finally {
    await other.terminate('test over');
  }
});

test('dev stack: Ctrl-C stops the worker, the simulator and the Temporal server, leaving no process', async () => {
  const pid = dev.child.pid!;
  const children = await childPids(pid);
  expect(children.length).toBeGreaterThan(0);
  dev.child.kill('SIGINT');
  expect(await dev.exited).toBe(0);
  expect(dev.output()).toContain('dev stack stopped');
  expect(await stillRunning([...children, pid])).toEqual([]);
}, 30_000);

test('dev stack: a second Ctrl-C exits at once and still leaves no process', async () => {
  const [port, simulatorPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const second = startLockstep(
    ['dev', '--port', String(port), '--headless', '--simulator-port', String(simulatorPort), '--in-memory'],
    { ...env, LOCKSTEP_METRICS_ADDR: `127.0.0.1:${metricsPort}` },
  );
  await second.waitFor(/^ready$/m, 60_000);
  const children = await childPids(second.child.pid!);
  // A slow lock keeps an activity in flight, so the first Ctrl-C has something to drain.
  const lock = runLockstep(['unlock', demoDevices.slow], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
  await second.waitFor(/sending command/, 30_000);
  second.child.kill('SIGINT');
  await second.waitFor(/stopping the dev stack/);
  second.child.kill('SIGINT');
  expect(await second.exited).toBe(130);
  expect(await stillRunning(children)).toEqual([]);
  expect((await lock).code).not.toBe(0);
}, 90_000);

test('lockstep CLI: an unreachable Temporal is exit code 3 with the address it tried', async () => {
  const closedPort = await freePort();
  const run = await runLockstep(
    ['lock', demoDevices.instant],
    cleanEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` }),
  );
  expect(run.code).toBe(3);
  expect(run.stderr).toContain(`could not reach Temporal at 127.0.0.1:${closedPort} (TEMPORAL_ADDRESS)`);
}, 60_000);
