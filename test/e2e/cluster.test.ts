/**
 * `lockstep cluster` as a real process: PostgreSQL and the Temporal server's four services as
 * separate processes, the Seam simulator and two `lockstep worker` processes. A lock action
 * runs on it through the CLI; the cluster stops on SIGINT leaving no process behind; started
 * again on the same data, it still knows that lock action (PostgreSQL kept it).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeClusterPort } from '../../src/dev/cluster';
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
import { lockActionWorkflowId } from '../../src/contract';

const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-cluster-'));
chmodSync(dataDir, 0o755);
let port = 0;
let simulatorPort = 0;

beforeAll(async () => {
  assertBuilt();
  [port, simulatorPort] = [await freeClusterPort(), await freePort()];
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function startCluster(): Promise<Running> {
  const cluster = startLockstep(
    [
      'cluster',
      '--port',
      String(port),
      '--simulator-port',
      String(simulatorPort),
      '--workers',
      '2',
      '--data-dir',
      dataDir,
    ],
    cleanEnv(),
  );
  await cluster.waitFor(/^ready$/m, 120_000);
  return cluster;
}

/** The pids of everything the cluster started (found by its data folder, or as the cluster's children). */
async function partsOf(cluster: Running): Promise<number[]> {
  const byFolder = await runProcess('pgrep', ['-f', dataDir], cleanEnv(), 5_000);
  const children = await childPids(cluster.child.pid!);
  return [...byFolder.stdout.split('\n').filter(Boolean).map(Number), ...children];
}

const onCluster = () => cleanEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });

test('lockstep cluster: a lock action runs on PostgreSQL and separate service processes through the CLI; SIGINT stops every part; a second start keeps the history', async () => {
  const cluster = await startCluster();
  expect(cluster.output()).toMatch(/services history, matching, frontend, worker as separate processes/);
  const parts = await partsOf(cluster);
  // PostgreSQL (postmaster and its helpers), four services, two workers.
  expect(parts.length).toBeGreaterThanOrEqual(7);

  const lock = await runLockstep(['lock', 'demo-instant-lock', '--request-id', 'on-the-cluster'], onCluster(), 60_000);
  expect(lock.code).toBe(0);
  expect(lock.stdout).toMatch(/locked after {10}true/);
  const workflowId = lockActionWorkflowId('LOCK_DOOR', 'demo-instant-lock', 'on-the-cluster');

  cluster.child.kill('SIGINT');
  expect(await cluster.exited).toBe(0);
  expect(await stillRunning(parts, 10_000)).toEqual([]);

  const again = await startCluster();
  try {
    const status = await runLockstep(['status', workflowId], onCluster(), 30_000);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/locked after {10}true/);
  } finally {
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }
}, 300_000);
