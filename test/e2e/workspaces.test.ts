/**
 * Many Seam workspaces on one fleet: a real `lockstep worker` process serving two workspaces
 * (LOCKSTEP_SEAM_WORKSPACES), each a Seam simulator that accepts only its own key, so a request
 * sent with the wrong workspace's key would be refused (401) and fail the lock.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDoorSchedule,
  deleteDoorSchedule,
  describeDoorSchedule,
  triggerDoorSchedule,
  executeLockAction,
  lockActionOutcome,
  queryReservation,
  startLockAction,
  upsertReservation,
} from '../../src/client';
import { assertBuilt, cleanEnv, runLockstep, startLockstep, type Running } from '../helpers/processes';
import { simulatorFixture } from '../helpers/simulator-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const acme = simulatorFixture();
const globex = simulatorFixture();
const globexWebhookSecret = `whsec_${randomUUID().replace(/-/g, '')}`;
const taskQueue = `workspaces-${randomUUID()}`;
let env: TestWorkflowEnvironment;
let dir: string;
let file: string;
let worker: Running;

function writeWorkspaces(path: string, mode: number): void {
  writeFileSync(
    path,
    JSON.stringify({
      default: 'acme',
      workspaces: {
        acme: { apiKey: acme.apiKey, endpoint: acme.sim.url },
        globex: { apiKey: globex.apiKey, endpoint: globex.sim.url, webhookSecret: globexWebhookSecret },
      },
    }),
  );
  chmodSync(path, mode);
}

beforeAll(async () => {
  assertBuilt();
  [env] = await Promise.all([startDevServerEnv(), acme.start(), globex.start()]);
  dir = mkdtempSync(join(tmpdir(), 'lockstep-workspaces-'));
  file = join(dir, 'workspaces.json');
  writeWorkspaces(file, 0o600);
  worker = startLockstep(
    ['worker'],
    cleanEnv({ LOCKSTEP_SEAM_WORKSPACES: file, TEMPORAL_ADDRESS: env.address, LOCKSTEP_TASK_QUEUE: taskQueue }),
  );
  await worker.waitFor(/lockstep worker started/);
}, 60_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await Promise.all([acme.stop(), globex.stop()]);
  await env?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('one worker, two workspaces: a lock in each goes to its own Seam with its own key, its durable polling and read-back too; no workspace means the default', async () => {
  const inAcme = acme.device();
  const inGlobex = globex.device();
  const byDefault = acme.device();
  // Past the watch: read by durable polling (readActionAttempt), in globex.
  const polledInGlobex = globex.device({ attempt: { pendingMs: 1_500 } });
  // Never ends: the door's state read back at the deadline (captureCapabilitySnapshot), in globex.
  const readBackInGlobex = globex.device({ locked: true, attempt: { outcome: 'never' } });
  const results = await Promise.all([
    executeLockAction(env.client, 'LOCK_DOOR', { deviceId: inAcme, workspace: 'acme' }, { taskQueue }),
    executeLockAction(env.client, 'LOCK_DOOR', { deviceId: inGlobex, workspace: 'globex' }, { taskQueue }),
    executeLockAction(env.client, 'LOCK_DOOR', { deviceId: byDefault }, { taskQueue }),
    executeLockAction(
      env.client,
      'LOCK_DOOR',
      { deviceId: polledInGlobex, workspace: 'globex', watchWindow: 0 },
      { taskQueue },
    ),
    executeLockAction(
      env.client,
      'LOCK_DOOR',
      { deviceId: readBackInGlobex, workspace: 'globex', watchWindow: 0, timeout: '4s' },
      { taskQueue },
    ),
  ]);
  expect(results.map((r) => (r.ok ? r.result.confirmation : r.code))).toEqual([
    'action_attempt',
    'action_attempt',
    'action_attempt',
    'action_attempt',
    'device_state',
  ]);
  // Each simulator accepts only its own key: what it answered came with that key.
  expect(acme.sim.countsFor(inAcme)).toMatchObject({ commandsAccepted: 1 });
  expect(globex.sim.countsFor(inGlobex)).toMatchObject({ commandsAccepted: 1 });
  expect(acme.sim.countsFor(byDefault)).toMatchObject({ commandsAccepted: 1 });
  expect(globex.sim.countsFor(polledInGlobex).actionAttemptReads).toBeGreaterThan(0);
  expect(globex.sim.countsFor(readBackInGlobex).deviceReads).toBeGreaterThanOrEqual(2);
  // The worker logs the aliases, never a key or the webhook secret.
  expect(worker.output()).toContain('acme (default)');
  for (const secret of [acme.apiKey, globex.apiKey, globexWebhookSecret]) expect(worker.output()).not.toContain(secret);
}, 60_000);

test("a stay naming a workspace unlocks and locks its door through that workspace's Seam", async () => {
  const door = globex.sim.setDevice({ deviceId: `stay-door-${randomUUID()}`, locked: true }).deviceId;
  const now = Date.now();
  const reservationKey = `ws-stay-${randomUUID()}`;
  await upsertReservation(
    env.client,
    {
      reservationKey,
      deviceIds: [door],
      checkIn: new Date(now + 1_000).toISOString(),
      checkOut: new Date(now + 3_000).toISOString(),
      unlockAtCheckIn: true,
      workspace: 'globex',
    },
    { taskQueue },
  );
  await eventually(async () => {
    const view = await queryReservation(env.client, reservationKey);
    return view.stage === 'checked_out' && view.doors.every((d) => d.lastOutcome === 'success') ? true : undefined;
  }, 30_000);
  expect(
    globex.sim
      .commandLog()
      .filter((c) => c.deviceId === door)
      .map((c) => [c.action, c.accepted]),
  ).toEqual([
    ['UNLOCK_DOOR', true],
    ['LOCK_DOOR', true],
  ]);
}, 60_000);

test('a stay naming a workspace the workers do not serve is refused at once, not at check-in', async () => {
  const now = Date.now();
  const stay = {
    reservationKey: `ws-unserved-${randomUUID()}`,
    deviceIds: [acme.device()],
    checkIn: new Date(now + 60 * 60_000).toISOString(),
    checkOut: new Date(now + 2 * 60 * 60_000).toISOString(),
    workspace: 'initech',
  };
  await expect(upsertReservation(env.client, stay, { taskQueue })).rejects.toMatchObject({
    cause: {
      type: 'INVALID_INPUT',
      message: expect.stringContaining('workspace: initech is not one the workers serve'),
    },
  });
}, 60_000);

test("a schedule naming a workspace locks its doors through that workspace's Seam", async () => {
  const door = globex.device({ locked: false });
  const { scheduleId } = await createDoorSchedule(
    env.client,
    {
      scheduleId: `ws-${randomUUID()}`,
      action: 'lock',
      deviceIds: [door],
      at: '03:00',
      timezone: 'UTC',
      workspace: 'globex',
    },
    { taskQueue },
  );
  try {
    expect((await describeDoorSchedule(env.client, scheduleId)).schedule.workspace).toBe('globex');
    await triggerDoorSchedule(env.client, scheduleId);
    await eventually(() => (globex.sim.countsFor(door).commandsAccepted === 1 ? true : undefined), 30_000);
  } finally {
    await deleteDoorSchedule(env.client, scheduleId);
  }
}, 60_000);

test('an alias the worker does not serve: UNKNOWN_WORKSPACE, and no Seam call in any workspace; no key in the history', async () => {
  const deviceId = acme.device();
  const handle = await startLockAction(env.client, 'LOCK_DOOR', { deviceId, workspace: 'initech' }, { taskQueue });
  const outcome = await lockActionOutcome(handle);
  expect(outcome).toMatchObject({ ok: false, code: 'UNKNOWN_WORKSPACE', report: { commandSent: false } });
  expect(acme.sim.countsFor(deviceId)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
  expect(globex.sim.countsFor(deviceId)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).toContain('initech');
  for (const secret of [acme.apiKey, globex.apiKey]) expect(history).not.toContain(secret);
}, 60_000);

test('a workspaces file that others can read, or one beside SEAM_API_KEY, stops the worker at start (78)', async () => {
  const open = join(dir, 'open.json');
  writeWorkspaces(open, 0o644);
  const readable = await runLockstep(['worker'], cleanEnv({ LOCKSTEP_SEAM_WORKSPACES: open }), 30_000);
  expect(readable.code).toBe(78);
  expect(readable.stderr).toContain('LOCKSTEP_SEAM_WORKSPACES:');
  expect(readable.stderr).toContain('chmod 600');
  const both = await runLockstep(
    ['worker'],
    cleanEnv({ LOCKSTEP_SEAM_WORKSPACES: file, SEAM_API_KEY: acme.apiKey }),
    30_000,
  );
  expect(both.code).toBe(78);
  expect(both.stderr).toContain('SEAM_API_KEY: is set beside LOCKSTEP_SEAM_WORKSPACES');
  for (const run of [readable, both]) expect(run.stdout + run.stderr).not.toContain(globex.apiKey);
}, 60_000);
