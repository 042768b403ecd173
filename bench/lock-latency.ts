/**
 * `make bench`: lockstep against the Seam SDK's own in-process wait, on this machine.
 *
 * Both modes lock the same kind of simulated devices (attempts end 1.5-4.5 s after the command,
 * seeded) through the real SDK over real HTTP, N locks at concurrency C:
 * - `sdk`: devices.get, then locks.lock_door with the SDK's waitForActionAttempt (1 s polls);
 * - `lockstep`: LockDoorWorkflow on a real Temporal dev server (in memory, eager activities),
 *   worker in this process, started and awaited through src/client.ts. Each device's door is
 *   opened first by an unlock that is not measured: the figures are a door's steady state (the
 *   first action at a device also starts its door; `door_first_use` says what that costs).
 * - `push`: as `lockstep`, with Seam's webhooks: the simulator signs and sends them to the
 *   receiver (`lockstep webhooks`' code, in this process), which signals the door; the worker
 *   runs with push (LOCKSTEP_PUSH=on): no watch in the send try, one read when the webhook comes.
 * - `contended`: the same N requests, alternating lock and unlock, aimed at N/10 devices at
 *   concurrency C: the door joins and supersedes; figures per request.
 * - `cluster`: the same N locks on a real cluster (PostgreSQL, the server's services as
 *   processes) with 1, 2 and 4 `lockstep worker` processes: throughput, p50 and CPU per part.
 * Detection delay is when the caller holds the outcome minus when the simulator ended the
 * attempt. Prints one JSON object per mode, then one with the targets, on stdout.
 *
 *   BENCH_LOCKS=300 BENCH_CONCURRENCY=100 npx tsx bench/lock-latency.ts
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SeamHttp } from 'seam';
import { z } from 'zod';
import type { temporal } from '@temporalio/proto';
import { executeLockAction } from '../src/client';
import { doorWorkflowId, type LockAction } from '../src/contract';
import { startTemporalDevServer } from '../src/dev/dev-stack';
import { clusterServices, freeClusterPort, TemporalCluster } from '../src/dev/cluster';
import { freePort } from '../src/dev/free-port';
import { exitOnSignals, spawnLogged, stopProcess } from '../src/dev/processes';
import { clusterPostgresMajor, clusterServerVersion } from '../src/dev/toolchain';
import { startSeamSimulator, type SeamSimulator } from '../src/dev/simulator/seam-simulator';
import { deliverToTemporal } from '../src/webhooks/temporal-delivery';
import { startWebhookReceiver } from '../src/webhooks/receiver';
import { newWebhookSecret } from '../src/dev/simulator/webhook-sender';
import { createLockstepWorker } from '../src/worker';

const settings = z
  .object({
    BENCH_LOCKS: z.coerce.number().int().min(1).max(5_000).default(300),
    BENCH_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(100),
    BENCH_MODES: z.string().default('sdk,lockstep,push,contended,cluster'),
    BENCH_SEED: z.coerce.number().int().default(42),
    /** 0 runs the dev server without eager activity dispatch, to measure what it buys. */
    BENCH_EAGER: z.enum(['0', '1']).default('1'),
  })
  .parse(process.env);

const apiKey = 'seam_bench_simulator_key';
const webhookSecret = newWebhookSecret();
const benchTaskQueue = 'bench';
const lockstepBin = resolve(__dirname, '..', 'bin', 'lockstep');

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

interface LockSample {
  deviceId: string;
  actionAttemptId: string;
  outcomeAtMs: number;
  workflowId?: string;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDevices(sim: SeamSimulator, mode: string): string[] {
  const random = seeded(settings.BENCH_SEED);
  return Array.from({ length: settings.BENCH_LOCKS }, (_, i) => {
    const deviceId = `bench-${mode}-${i}`;
    sim.setDevice({ deviceId, locked: false, attempt: { pendingMs: Math.round(1_500 + random() * 3_000) } });
    return deviceId;
  });
}

async function inParallel<T>(items: string[], concurrency: number, work: (item: string) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        results.push(await work(item));
      }
    }),
  );
  return results;
}

/** User+system CPU milliseconds a process has used (Linux /proc). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Waits (up to 30 s) until this process and the server together use under 10% of a core. */
async function untilQuiet(serverPid: number): Promise<void> {
  const windowMs = 500;
  for (const giveUpAt = Date.now() + 30_000; Date.now() < giveUpAt;) {
    const [serverBefore, ownBefore] = [processCpuMs(serverPid), process.cpuUsage()];
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const own = process.cpuUsage(ownBefore);
    const busyMs = processCpuMs(serverPid) - serverBefore + (own.user + own.system) / 1000;
    if (busyMs < 0.1 * windowMs) return;
  }
}

/**
 * Activity heartbeats the dev server's frontend has received (`service_requests`, from
 * `/metrics`), read until two reads a reporting interval apart agree (counters are published
 * periodically). Fails when the endpoint shows no request counter at all: a renamed metric must
 * not read as "no heartbeats".
 */
async function heartbeatsReceived(metricsPort: number): Promise<number> {
  const read = async () => {
    const lines = (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).split('\n');
    const requests = lines.filter((line) => line.startsWith('service_requests{'));
    if (requests.length === 0) throw new Error(`no service_requests counter on the dev server's /metrics`);
    return requests
      .filter((line) => line.includes('operation="RecordActivityTaskHeartbeat"'))
      .filter((line) => line.includes('service_name="frontend"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };
  for (let last = await read(); ;) {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(
  mode: string,
  sim: SeamSimulator,
  devices: string[],
  samples: LockSample[],
  wallMs: number,
  extra: Record<string, unknown> = {},
  /** Seam requests each device had taken before the measured part (a door's opening). */
  before: Map<string, number> = new Map(),
  attemptReadsBefore: Map<string, number> = new Map(),
) {
  const endedAt = new Map(sim.actionAttempts().map((a) => [a.actionAttemptId, a.endedAtMs]));
  const delays = samples.map((s) => s.outcomeAtMs - (endedAt.get(s.actionAttemptId) ?? NaN)).filter(Number.isFinite);
  const seamRequests = devices.reduce((sum, d) => {
    const c = sim.countsFor(d);
    return sum + c.deviceReads + c.actionAttemptReads + c.commandsReceived - (before.get(d) ?? 0);
  }, 0);
  const attemptReads = devices.reduce(
    (sum, d) => sum + sim.countsFor(d).actionAttemptReads - (attemptReadsBefore.get(d) ?? 0),
    0,
  );
  return {
    mode,
    locks: samples.length,
    concurrency: settings.BENCH_CONCURRENCY,
    detection_delay_ms_p50: Math.round(percentile(delays, 50)),
    detection_delay_ms_p95: Math.round(percentile(delays, 95)),
    throughput_locks_per_s: Number((samples.length / (wallMs / 1000)).toFixed(2)),
    wall_s: Number((wallMs / 1000).toFixed(2)),
    seam_requests_per_lock: Number((seamRequests / samples.length).toFixed(2)),
    action_attempt_reads_per_lock: Number((attemptReads / samples.length).toFixed(2)),
    ...extra,
  };
}

async function benchSdk(sim: SeamSimulator) {
  const devices = addDevices(sim, 'sdk');
  const seam = SeamHttp.fromApiKey(apiKey, { endpoint: sim.url, axiosRetryOptions: { retries: 0 } });
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const samples = await inParallel(devices, settings.BENCH_CONCURRENCY, async (deviceId) => {
    await seam.devices.get({ device_id: deviceId });
    const attempt = await seam.locks.lockDoor({ device_id: deviceId });
    return { deviceId, actionAttemptId: attempt.action_attempt_id, outcomeAtMs: Date.now() };
  });
  const cpu = process.cpuUsage(cpuBefore);
  return summarize('sdk', sim, devices, samples, Date.now() - started, {
    cpu_s_bench_process: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
  });
}

interface LockstepRun {
  client: Client;
  /**
   * Runs `work` with a worker on the `bench` task queue; returns its result, the CPU it took and
   * the activity heartbeats the server received meanwhile (billable; in no history).
   */
  measure: <T>(work: () => Promise<T>) => Promise<{ result: T; cpu: Record<string, number>; heartbeats: number }>;
  /** Activity heartbeats the server has received so far (its Prometheus counter). */
  heartbeats: () => Promise<number>;
}

/**
 * A dev server (in memory) and a worker in this process, for one mode; with `push`, a webhook
 * receiver too, and the simulator sending it signed webhooks.
 */
async function withLockstep<T>(
  sim: SeamSimulator,
  run: (stack: LockstepRun) => Promise<T>,
  options: { push?: boolean } = {},
): Promise<T> {
  const port = await freePort();
  const metricsPort = await freePort();
  const server = await startTemporalDevServer({
    port,
    uiPort: null,
    dbFile: null,
    namespace: 'default',
    eagerActivities: settings.BENCH_EAGER === '1',
    metricsPort,
    log: (line) => console.error(line),
  });
  const heartbeats = () => heartbeatsReceived(metricsPort);
  const { address, connection } = server;
  const workerConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const receiver = options.push
    ? await startWebhookReceiver({
        secrets: [webhookSecret],
        deliver: (route, requestId) => deliverToTemporal(client, route, requestId),
      })
    : undefined;
  if (receiver) sim.setWebhooks({ url: receiver.url, secret: webhookSecret });
  try {
    const worker = await createLockstepWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: 'bench',
      seam: { apiKey, endpoint: sim.url, requestTimeoutMs: 10_000 },
      push: options.push ?? false,
    });
    return await worker.runUntil(() =>
      run({
        client,
        heartbeats,
        async measure(work) {
          // What came before (a door's opening) finishes first: its tail is not this part's cost.
          await untilQuiet(server.pid);
          const heartbeatsBefore = await heartbeats();
          const cpuBefore = process.cpuUsage();
          const serverCpuBefore = processCpuMs(server.pid);
          const result = await work();
          const cpu = process.cpuUsage(cpuBefore);
          const serverCpuMs = processCpuMs(server.pid) - serverCpuBefore;
          return {
            result,
            heartbeats: (await heartbeats()) - heartbeatsBefore,
            cpu: {
              cpu_s_bench_process: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
              cpu_s_temporal_server: Number((serverCpuMs / 1000).toFixed(1)),
            },
          };
        },
      }),
    );
  } finally {
    sim.setWebhooks(null);
    await receiver?.close();
    await workerConnection.close();
    await server.stop();
  }
}

/** One lock action through the client; its outcome, when the caller held it. */
async function requestAction(client: Client, action: LockAction, deviceId: string, requestId: string) {
  const requestedAtMs = Date.now();
  const outcome = await executeLockAction(client, action, { deviceId, requestId }, { taskQueue: benchTaskQueue });
  return { outcome, requestedAtMs, outcomeAtMs: Date.now() };
}

async function benchLockstep(sim: SeamSimulator, mode: 'lockstep' | 'push') {
  return withLockstep(
    sim,
    async ({ client, measure, heartbeats }) => {
      const devices = addDevices(sim, mode);
      // Open every device's door (not measured): the measured locks meet a running door.
      const heartbeatsBeforeOpening = await heartbeats();
      await inParallel(devices, settings.BENCH_CONCURRENCY, (deviceId) =>
        requestAction(client, 'UNLOCK_DOOR', deviceId, 'open-door'),
      );
      const openingHeartbeats = (await heartbeats()) - heartbeatsBeforeOpening;
      const firstUse = await historyCosts(
        client,
        devices.slice(0, 20),
        'open-door',
        openingHeartbeats / devices.length,
      );
      const countsBefore = new Map(devices.map((d) => [d, seamRequestsOf(sim, d)]));
      const readsBefore = new Map(devices.map((d) => [d, sim.countsFor(d).actionAttemptReads]));
      const startDelays: number[] = [];
      const commandDelays: number[] = [];
      const {
        result,
        cpu,
        heartbeats: measuredHeartbeats,
      } = await measure(async () => {
        const started = Date.now();
        const samples = await inParallel(devices, settings.BENCH_CONCURRENCY, async (deviceId) => {
          const { outcome, requestedAtMs, outcomeAtMs } = await requestAction(
            client,
            'LOCK_DOOR',
            deviceId,
            'measured',
          );
          if (!outcome.ok) throw new Error(`${deviceId}: ${outcome.code} ${outcome.report.message}`);
          const { actionAttemptId, commandSentAt, startedAt } = outcome.result;
          startDelays.push(Date.parse(startedAt) - requestedAtMs);
          commandDelays.push(Date.parse(commandSentAt) - requestedAtMs);
          return { deviceId, actionAttemptId, outcomeAtMs };
        });
        return { samples, wallMs: Date.now() - started };
      });
      // Every lock's watching send try heartbeats its attempt: none counted means the count is broken.
      if (measuredHeartbeats === 0 && mode === 'lockstep')
        throw new Error('the dev server counted no activity heartbeats');
      const costs = await historyCosts(
        client,
        devices.slice(0, Math.min(50, devices.length)),
        'measured',
        measuredHeartbeats / devices.length,
      );
      return summarize(
        mode,
        sim,
        devices,
        result.samples,
        result.wallMs,
        {
          eager_activities: settings.BENCH_EAGER === '1',
          request_to_workflow_start_ms_p50: percentile(startDelays, 50),
          request_to_command_sent_ms_p50: percentile(commandDelays, 50),
          ...costs,
          door_first_use: {
            billable_actions_per_lock_p50: firstUse.billable_actions_per_lock_p50,
            of_which_ordering: firstUse.ordering_billable_actions_per_lock_p50,
          },
          ...cpu,
        },
        countsBefore,
        readsBefore,
      );
    },
    { push: mode === 'push' },
  );
}

/**
 * Contention: N requests, alternating lock and unlock, on N/10 devices at once. Requests that
 * join share a command; superseded ones end SUPERSEDED with nothing sent. Detection delay is
 * counted for the requests a command served.
 */
async function benchContended(sim: SeamSimulator) {
  return withLockstep(sim, async ({ client, measure }) => {
    const devices = addDevices(sim, 'contended').slice(0, Math.max(1, Math.floor(settings.BENCH_LOCKS / 10)));
    await inParallel(devices, settings.BENCH_CONCURRENCY, (deviceId) =>
      requestAction(client, 'UNLOCK_DOOR', deviceId, 'open-door'),
    );
    const countsBefore = new Map(devices.map((d) => [d, seamRequestsOf(sim, d)]));
    const readsBefore = new Map(devices.map((d) => [d, sim.countsFor(d).actionAttemptReads]));
    const requests = Array.from({ length: settings.BENCH_LOCKS }, (_, i) => String(i));
    const endings: Record<string, number> = {};
    const { result, cpu, heartbeats } = await measure(async () => {
      const started = Date.now();
      const samples = await inParallel(requests, settings.BENCH_CONCURRENCY, async (i) => {
        const deviceId = devices[Number(i) % devices.length];
        const action: LockAction = Math.floor(Number(i) / devices.length) % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
        const { outcome, outcomeAtMs } = await requestAction(client, action, deviceId, `contended-${i}`);
        const ending = outcome.ok ? 'success' : outcome.code;
        endings[ending] = (endings[ending] ?? 0) + 1;
        return outcome.ok ? { deviceId, actionAttemptId: outcome.result.actionAttemptId, outcomeAtMs } : undefined;
      });
      return { samples: samples.filter((x): x is LockSample => x !== undefined), wallMs: Date.now() - started };
    });
    const costs = await historyCosts(client, devices, 'contended-', heartbeats / requests.length);
    return {
      ...summarize(
        'contended',
        sim,
        devices,
        result.samples,
        result.wallMs,
        { ...costs, ...cpu },
        countsBefore,
        readsBefore,
      ),
      requests: requests.length,
      devices: devices.length,
      endings,
    };
  });
}

/** Worker counts the cluster mode measures, one after another. */
const clusterWorkerCounts = [1, 2, 4];

/**
 * Scale-out on a real cluster (src/dev/cluster.ts: PostgreSQL and the server's four services as
 * processes): the same N locks at concurrency C with 1, 2 and 4 `lockstep worker` processes,
 * each on fresh devices whose doors were opened first (not measured). CPU-seconds per lock of
 * every part — the bench process (client and simulator), the workers, each service and
 * PostgreSQL — say what saturates first on this box.
 */
async function benchCluster(sim: SeamSimulator) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-bench-cluster-'));
  chmodSync(dataDir, 0o755);
  const cluster = await TemporalCluster.start({
    dataDir,
    frontendPort: await freeClusterPort(),
    log: (line) => console.error(line),
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const client = new Client({ connection: cluster.connection });
  const byWorkers: Record<string, unknown>[] = [];
  try {
    for (const workers of clusterWorkerCounts) {
      const env = {
        ...(process.env as Record<string, string>),
        SEAM_API_KEY: apiKey,
        SEAM_ENDPOINT: sim.url,
        TEMPORAL_ADDRESS: cluster.address,
        LOCKSTEP_TASK_QUEUE: benchTaskQueue,
      };
      const logs = Array.from({ length: workers }, (_, i) => join(dataDir, 'logs', `bench-${workers}-worker-${i}.log`));
      const processes = logs.map((logPath) => spawnLogged(process.execPath, [lockstepBin, 'worker'], { logPath, env }));
      try {
        await untilLogged(logs, /lockstep worker started/);
        const devices = addDevices(sim, `cluster${workers}`);
        await inParallel(devices, settings.BENCH_CONCURRENCY, (deviceId) =>
          requestAction(client, 'UNLOCK_DOOR', deviceId, 'open-door'),
        );
        const pids = () => ({
          workers: processes.map((p) => p.pid!),
          services: clusterServices.map((s) => cluster.pidOf(s)!),
          postgres: cluster.pidOf('postgres')!,
        });
        await untilQuietPids([...pids().workers, ...pids().services, pids().postgres]);
        const before = cpuOfParts(pids());
        const started = Date.now();
        const samples = await inParallel(devices, settings.BENCH_CONCURRENCY, async (deviceId) => {
          const { outcome, outcomeAtMs } = await requestAction(client, 'LOCK_DOOR', deviceId, 'measured');
          if (!outcome.ok) throw new Error(`${deviceId}: ${outcome.code} ${outcome.report.message}`);
          return { deviceId, actionAttemptId: outcome.result.actionAttemptId, outcomeAtMs };
        });
        const wallMs = Date.now() - started;
        const after = cpuOfParts(pids());
        const perLock = Object.fromEntries(
          Object.keys(after).map((part) => [
            part,
            Number(((after[part] - before[part]) / 1000 / samples.length).toFixed(4)),
          ]),
        );
        const busiest = Object.entries(perLock).sort((a, b) => b[1] - a[1])[0][0];
        const totalCpuS = Object.keys(after).reduce((sum, part) => sum + (after[part] - before[part]) / 1000, 0);
        byWorkers.push({
          ...summarize(`cluster, ${workers} worker${workers > 1 ? 's' : ''}`, sim, devices, samples, wallMs),
          workers,
          cpu_s_per_lock: perLock,
          busiest_part: busiest,
          cores_busy: Number((totalCpuS / (wallMs / 1000)).toFixed(2)),
        });
      } finally {
        await Promise.all(processes.map((p) => stopProcess(p, 15_000)));
      }
    }
  } finally {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    mode: 'cluster',
    server: `Temporal ${clusterServerVersion}, PostgreSQL ${clusterPostgresMajor}`,
    runs: byWorkers,
  };
}

/** Resolves once every log file holds a line matching `pattern` (up to 60 s). */
async function untilLogged(paths: string[], pattern: RegExp): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  const has = (path: string) => existsSync(path) && pattern.test(readFileSync(path, 'utf8'));
  while (!paths.every(has)) {
    if (Date.now() > giveUpAt) throw new Error(`no ${pattern} in ${paths.filter((p) => !has(p)).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** CPU milliseconds so far of each part: this process, the workers, each service, PostgreSQL (with its backends). */
function cpuOfParts(pids: { workers: number[]; services: number[]; postgres: number }): Record<string, number> {
  const own = process.cpuUsage();
  return {
    bench_process: (own.user + own.system) / 1000,
    workers: pids.workers.reduce((sum, pid) => sum + processCpuMs(pid), 0),
    ...Object.fromEntries(clusterServices.map((s, i) => [s, processCpuMs(pids.services[i])])),
    postgres: processTreeCpuMs(pids.postgres),
  };
}

/** A process's CPU with its reaped children's, plus its live children's (PostgreSQL's backends). */
function processTreeCpuMs(pid: number): number {
  const ticks = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = ticks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  let total = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const fields = ticks(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (Number(fields[1]) === pid) total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone between the listing and the read
    }
  }
  return (total * 1000) / 100;
}

/** Waits (up to 30 s) until the given processes and this one together use under 10% of a core. */
async function untilQuietPids(pids: number[]): Promise<void> {
  const windowMs = 500;
  const busy = () => pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  for (const giveUpAt = Date.now() + 30_000; Date.now() < giveUpAt;) {
    const [before, ownBefore] = [busy(), process.cpuUsage()];
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const own = process.cpuUsage(ownBefore);
    if (busy() - before + (own.user + own.system) / 1000 < 0.1 * windowMs) return;
  }
}

function seamRequestsOf(sim: SeamSimulator, deviceId: string): number {
  const c = sim.countsFor(deviceId);
  return c.deviceReads + c.actionAttemptReads + c.commandsReceived;
}

/**
 * History events and billable actions per lock action, from the histories of its requests and
 * its door: the lock action's start (1), activity attempts, timers, signals and search-attribute
 * upserts (counted in case Temporal Cloud bills them), plus the door's share — the activities
 * and timers of the commands it ran for these requests, and its start when the request started
 * it — divided among the requests. Each signal is counted once, where it arrives (the request at
 * the door — sent by the check activity's signal-with-start —, the verdict at the lock action);
 * for lock actions older than `check-at-door`, a signal that found no door and `openDoor` are
 * counted too. Heartbeats (a door's send try heartbeats its attempt once) are in no history: the
 * server's count over the part measured, shared evenly (`heartbeatsPerRequest`).
 */
async function historyCosts(client: Client, deviceIds: string[], requestPrefix: string, heartbeatsPerRequest: number) {
  const events: number[] = [];
  const billable: number[] = [];
  const ordering: number[] = [];
  const countsOf = (all: HistoryEvent[]) => ({
    activities: all
      .filter((e) => e.activityTaskStartedEventAttributes)
      .reduce((n, e) => n + (e.activityTaskStartedEventAttributes?.attempt ?? 1), 0),
    timers: all.filter((e) => e.timerStartedEventAttributes).length,
    signalsIn: all.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    failedSignalsOut: all.filter((e) => e.signalExternalWorkflowExecutionFailedEventAttributes).length,
    upserts: all.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    doorOpenings: all.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'openDoor').length,
  });
  for (const deviceId of deviceIds) {
    const requests: HistoryEvent[][] = [];
    for await (const info of client.workflow.list({
      query: `TaskQueue = 'bench' AND LockstepDeviceIds = '${deviceId}'`,
    })) {
      const [kind, , requestId] = info.workflowId.split('/');
      if (kind === 'door' || !requestId?.startsWith(requestPrefix)) continue;
      requests.push((await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory()).events ?? []);
    }
    if (requests.length === 0) continue;
    // The door's share: the commands it ran during these requests (first to last event of theirs).
    const door = (await client.workflow.getHandle(doorWorkflowId(deviceId)).fetchHistory()).events ?? [];
    const times = requests.flat().map((e) => eventMs(e));
    const [from, to] = [Math.min(...times), Math.max(...times)];
    const doorShare = countsOf(door.filter((e) => eventMs(e) >= from && eventMs(e) <= to));
    const doorStarted = door.length > 0 && eventMs(door[0]) >= from && eventMs(door[0]) <= to ? 1 : 0;
    for (const all of requests) {
      const own = countsOf(all);
      events.push(all.length);
      const perRequestDoor =
        (doorShare.activities + doorShare.timers + doorShare.signalsIn + doorShare.upserts + doorStarted) /
        requests.length;
      billable.push(
        1 +
          own.activities +
          own.timers +
          own.signalsIn +
          own.failedSignalsOut +
          own.upserts +
          perRequestDoor +
          heartbeatsPerRequest,
      );
      // What ordering adds: the signals in and out of the door, its start and its opening.
      ordering.push(
        own.signalsIn + own.failedSignalsOut + own.doorOpenings + (doorShare.signalsIn + doorStarted) / requests.length,
      );
    }
  }
  const round = (n: number) => Number(n.toFixed(2));
  return {
    history_events_per_lock_p50: percentile(events, 50),
    history_events_per_lock_max: Math.max(...events),
    billable_actions_per_lock_p50: round(percentile(billable, 50)),
    billable_actions_per_lock_max: round(Math.max(...billable)),
    ordering_billable_actions_per_lock_p50: round(percentile(ordering, 50)),
    heartbeats_per_lock: round(heartbeatsPerRequest),
    history_sample: events.length,
  };
}

function eventMs(event: HistoryEvent): number {
  const t = event.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  exitOnSignals(); // Ctrl-C: the cluster's parts (their own process groups) are killed with this process
  const modes = settings.BENCH_MODES.split(',');
  const results: Record<string, ReturnType<typeof summarize>> = {};
  for (const mode of modes) {
    const sim = await startSeamSimulator({ apiKey });
    try {
      results[mode] =
        mode === 'sdk'
          ? await benchSdk(sim)
          : mode === 'contended'
            ? await benchContended(sim)
            : mode === 'cluster'
              ? ((await benchCluster(sim)) as unknown as ReturnType<typeof summarize>)
              : await benchLockstep(sim, mode === 'push' ? 'push' : 'lockstep');
    } finally {
      await sim.close();
    }
    console.log(JSON.stringify(results[mode]));
  }
  const { sdk, lockstep, push } = results;
  if (push) {
    const p = push as unknown as Record<string, number>;
    console.log(
      JSON.stringify({
        push_targets: {
          detection_p50_at_most_50_ms: {
            value: p.detection_delay_ms_p50,
            limit: 50,
            met: p.detection_delay_ms_p50 <= 50,
          },
          seam_requests_at_most_3: { value: p.seam_requests_per_lock, limit: 3, met: p.seam_requests_per_lock <= 3 },
          billable_actions_at_most_4: {
            value: p.billable_actions_per_lock_p50,
            limit: 4,
            met: p.billable_actions_per_lock_p50 <= 4,
          },
        },
      }),
    );
  }
  if (sdk && lockstep) {
    const l = lockstep as unknown as Record<string, number>;
    console.log(
      JSON.stringify({
        targets: {
          detection_p50_at_most_half_sdk: {
            value: l.detection_delay_ms_p50,
            limit: sdk.detection_delay_ms_p50 / 2,
            met: l.detection_delay_ms_p50 <= sdk.detection_delay_ms_p50 / 2,
          },
          throughput_at_least_sdk: {
            value: l.throughput_locks_per_s,
            limit: sdk.throughput_locks_per_s,
            met: l.throughput_locks_per_s >= sdk.throughput_locks_per_s,
          },
          history_events_at_most_30: {
            value: l.history_events_per_lock_max,
            limit: 30,
            met: l.history_events_per_lock_max <= 30,
          },
          billable_actions_at_most_5: {
            value: l.billable_actions_per_lock_max,
            limit: 5,
            met: l.billable_actions_per_lock_max <= 5,
          },
        },
      }),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
