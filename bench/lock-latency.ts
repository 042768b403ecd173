/**
 * `make bench`: lockstep against the Seam SDK's own in-process wait, on this machine.
 *
 * Every mode locks the same kind of simulated devices (attempts end 1.5-4.5 s after the command,
 * seeded) through the real SDK over real HTTP. `sdk`, `polling` and `push` run at each level of
 * BENCH_LEVELS (concurrency 1, 20, 100 and 500; {@link locksAt} locks each), on fresh devices
 * and a fresh dev server each time:
 * - `sdk`: devices.get, then locks.lock_door with the SDK's waitForActionAttempt (1 s polls);
 * - `polling`: LockDoorWorkflow on a real Temporal dev server (in memory, eager activities), run
 *   by a `lockstep worker` process, started and awaited through src/client.ts. Each device's
 *   door is opened first by an unlock that is not measured: the figures are a door's steady
 *   state (the first action at a device also starts its door; `door_first_use` says what that
 *   costs).
 * - `unordered`: as `polling`, with lock actions that send and follow their command themselves,
 *   no door (src/dev/bench-baseline/): the baseline that says what door ordering costs — p50
 *   and billable actions, polling's less unordered's. The levels run one after another; at
 *   each, its modes one after another, unordered and polling in turn first.
 * - `update`: as `polling`, each lock asked as its door's `lockAction` update (update-with-start,
 *   `executeDoorLockAction`): one workflow per lock; its costs are the door's history's share.
 * - `push`: as `polling`, with Seam's webhooks: the simulator signs and sends them to the
 *   receiver (`lockstep webhooks`' code, in this process), which signals the door; the worker
 *   runs with push (LOCKSTEP_PUSH=on): no watch in the send try, one read when the webhook comes.
 * - `contended` (300 requests at concurrency 100): alternating lock and unlock, aimed at 30
 *   devices: the door joins and supersedes. Billable actions and CPU are per request; detection
 *   delay, throughput and Seam requests per request a command served. `contended-unordered`:
 *   the same without doors (every request sends its command), door ordering's baseline there.
 * - `cluster` (300 locks at concurrency 100): a real cluster (PostgreSQL, the server's services
 *   as processes) with 1, 2 and 4 `lockstep worker` processes: throughput, p50 and CPU per part.
 * Detection delay is when the caller holds the outcome minus when the simulator ended the
 * attempt ("after read": minus when a read first saw it end instead — what follows Seam's
 * answer, without the wait for the read that gets it); door ordering's added p50s are judged by
 * their 95% bootstrap interval (met, NOT MET, or inconclusive when the limit is inside it); a percentile p is the delay at index floor(p/100 × n) of the n sorted (at 20 locks,
 * p95 and p99 are the largest). CPU counts from the first request to the last outcome. Prints
 * a table and the performance issue's targets; writes every figure (and every lock's detection
 * delay) to bench/results/latest.json and draws bench/results/latest.svg (bench/chart.ts).
 *
 *   BENCH_MODES=polling,push BENCH_LEVELS=1,100 npx tsx bench/lock-latency.ts
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { SeamHttp } from 'seam';
import { z } from 'zod';
import { temporal } from '@temporalio/proto';
import { executeDoorLockAction, executeLockAction } from '../src/client';
import { doorWorkflowId, lockActionWorkflowId, type LockAction } from '../src/contract';
import { isGrpcNotFound } from '../src/contract/core';
import { startTemporalDevServer } from '../src/dev/dev-stack';
import { clusterServices, freeClusterPort, TemporalCluster } from '../src/dev/cluster';
import { freePort } from '../src/dev/free-port';
import { cleanEnv, exitOnSignals, spawnLogged, stopProcess } from '../src/dev/processes';
import { clusterPostgresMajor, clusterServerVersion } from '../src/dev/toolchain';
import { startSeamSimulator, type SeamSimulator } from '../src/dev/simulator/seam-simulator';
import { deliverToTemporal } from '../src/webhooks/temporal-delivery';
import { startWebhookReceiver, type WebhookReceiver } from '../src/webhooks/receiver';
import { newWebhookSecret } from '../src/dev/simulator/webhook-sender';
import { drawChart } from './chart';

const benchModes = [
  'sdk',
  'unordered',
  'polling',
  'update',
  'push',
  'contended-unordered',
  'contended',
  'cluster',
] as const;
/** The modes that run at every level of BENCH_LEVELS; the others at {@link burstLevel}. */
const levelModes: readonly BenchMode[] = ['sdk', 'unordered', 'polling', 'update', 'push'];
type BenchMode = (typeof benchModes)[number];
const commaList = <T extends z.ZodType>(item: T) =>
  z.string().transform((text, ctx) => {
    const parsed = z.array(item).min(1).safeParse(text.split(','));
    if (!parsed.success) ctx.addIssue({ code: 'custom', message: `not a list of ${item.description}: ${text}` });
    return parsed.success ? parsed.data : z.NEVER;
  });

const settings = z
  .object({
    /** The modes to run (each level's in this order; contended and cluster after every level). */
    BENCH_MODES: commaList(z.enum(benchModes).describe('modes')).default([...benchModes]),
    /** The concurrency levels the sdk, unordered, polling and push modes run at, each on fresh devices. */
    BENCH_LEVELS: commaList(z.coerce.number().int().min(1).max(1_000).describe('concurrencies')).default([
      1, 20, 100, 500,
    ]),
    /** Locks at every level (default: {@link locksAt}). */
    BENCH_LOCKS: z.coerce.number().int().min(1).max(5_000).optional(),
    BENCH_SEED: z.coerce.number().int().default(42),
    /** 0 runs the dev server without eager activity dispatch, to measure what it buys. */
    BENCH_EAGER: z.enum(['0', '1']).default('1'),
    /** Where latest.json and latest.svg go. */
    BENCH_RESULTS: z.string().default(resolve(__dirname, 'results')),
  })
  .parse(process.env);

/** How many locks a level runs, N at concurrency C. */
interface Level {
  concurrency: number;
  locks: number;
}

/**
 * Enough locks for a level's percentiles and about a minute at most: 20 one at a time, 100 at
 * 20, 300 at 100, twice the concurrency above (1,000 at 500).
 */
function locksAt(concurrency: number): number {
  if (settings.BENCH_LOCKS) return settings.BENCH_LOCKS;
  return concurrency <= 1 ? 20 : concurrency <= 20 ? 100 : concurrency <= 100 ? 300 : 2 * concurrency;
}

const levelAt = (concurrency: number): Level => ({ concurrency, locks: locksAt(concurrency) });
/** Where the contended and cluster modes run. */
const burstLevel = levelAt(100);

const apiKey = 'seam_bench_simulator_key';
const webhookSecret = newWebhookSecret();
const benchTaskQueue = 'bench';
const lockstepBin = resolve(__dirname, '..', 'bin', 'lockstep');
/** The baseline worker and its workflows, as `make build` compiles them (src/dev/bench-baseline/). */
const baselineDist = resolve(__dirname, '..', 'dist', 'dev', 'bench-baseline');
let baselineBundle: string | undefined;

/**
 * The baseline's workflow bundle, made once per bench from dist (as scripts/bundle-workflows.js
 * makes lockstep's) by a process of its own (webpack's memory stays out of the bench's), into a
 * directory removed when the bench exits: the baseline worker then starts as lockstep's does.
 */
function baselineBundlePath(): string {
  if (baselineBundle) return baselineBundle;
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-baseline-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'workflows-bundle.js');
  execFileSync(process.execPath, [join(baselineDist, 'bundle.js'), path], { stdio: 'inherit' });
  baselineBundle = path;
  return path;
}

/** Which worker a lockstep mode runs: lockstep's (polling or push) or the baseline without doors. */
type WorkerKind = 'polling' | 'push' | 'unordered';
/** The lockstep modes at each level: a worker, and `update` (polling's worker, asked by update). */
type LockstepMode = WorkerKind | 'update';

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

function addDevices(sim: SeamSimulator, name: string, locks: number): string[] {
  const random = seeded(settings.BENCH_SEED);
  return Array.from({ length: locks }, (_, i) => {
    const deviceId = `bench-${name}-${i}`;
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

/** A process's /proc stat fields after its name (field 3, the state, is [0]); ticks are 1/100 s. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User+system CPU milliseconds a process has used (Linux /proc). */
function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
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

/**
 * What door ordering adds to p50 detection delay (polling's p50 less unordered's), with a 95%
 * bootstrap interval (2,000 resamples of each side, seeded): at 20 locks a p50 moves by tens of
 * ms with where each attempt's end falls between two reads, and the interval says how far.
 */
function addedP50(ordered: number[], unordered: number[]): { ms: number; interval95: [number, number] } | undefined {
  if (ordered.length === 0 || unordered.length === 0) return undefined;
  const random = seeded(settings.BENCH_SEED);
  const resample = (values: number[]) => values.map(() => values[Math.floor(random() * values.length)]);
  const differences = Array.from(
    { length: 2_000 },
    () => percentile(resample(ordered), 50) - percentile(resample(unordered), 50),
  );
  return {
    ms: percentile(ordered, 50) - percentile(unordered, 50),
    interval95: [percentile(differences, 2.5), percentile(differences, 97.5)],
  };
}

/** Seam requests one device has taken, by route. */
interface RouteCounts {
  'devices/get': number;
  'locks/lock_door|unlock_door': number;
  'action_attempts/get': number;
}

function routeCounts(sim: SeamSimulator, deviceId: string): RouteCounts {
  const c = sim.countsFor(deviceId);
  return {
    'devices/get': c.deviceReads,
    'locks/lock_door|unlock_door': c.commandsReceived,
    'action_attempts/get': c.actionAttemptReads,
  };
}

/** Each device's Seam requests so far: what a measured part subtracts (a door's opening). */
const countsNow = (sim: SeamSimulator, devices: string[]) => new Map(devices.map((d) => [d, routeCounts(sim, d)]));

/** One mode at one level: the figures `make bench` prints, writes and draws. */
function summarize(
  mode: string,
  level: Level,
  sim: SeamSimulator,
  devices: string[],
  samples: LockSample[],
  wallMs: number,
  extra: Record<string, unknown> = {},
  /** Seam requests each device had taken before the measured part. */
  before: Map<string, RouteCounts> = new Map(),
) {
  const attempts = new Map(sim.actionAttempts().map((a) => [a.actionAttemptId, a]));
  const delaysAfter = (at: (a: { endedAtMs: number | null; endReadAtMs: number | null }) => number | null) =>
    samples
      .map((s) => {
        const attempt = attempts.get(s.actionAttemptId);
        return s.outcomeAtMs - ((attempt && at(attempt)) ?? NaN);
      })
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  const delays = delaysAfter((a) => a.endedAtMs);
  // Detection less the wait for a read to see the end: what the reader does with the answer.
  const afterRead = delaysAfter((a) => a.endReadAtMs);
  const byRoute = devices.reduce<Record<string, number>>((sum, d) => {
    const [now, then] = [routeCounts(sim, d), before.get(d)];
    for (const route of Object.keys(now) as (keyof RouteCounts)[])
      sum[route] = (sum[route] ?? 0) + now[route] - (then?.[route] ?? 0);
    return sum;
  }, {});
  const perLock = (n: number) => Number((n / samples.length).toFixed(2));
  const seamRequests = Object.values(byRoute).reduce((a, b) => a + b, 0);
  return {
    mode,
    locks: samples.length,
    concurrency: level.concurrency,
    detection_delay_ms_p50: Math.round(percentile(delays, 50)),
    detection_delay_ms_p95: Math.round(percentile(delays, 95)),
    detection_delay_ms_p99: Math.round(percentile(delays, 99)),
    after_end_read_ms_p50: Math.round(percentile(afterRead, 50)),
    /** Locks with a detection delay, and with a read that saw the end (the simulator knows both). */
    detection_sample: delays.length,
    after_end_read_sample: afterRead.length,
    throughput_locks_per_s: Number((samples.length / (wallMs / 1000)).toFixed(2)),
    wall_s: Number((wallMs / 1000).toFixed(2)),
    seam_requests_per_lock: perLock(seamRequests),
    seam_requests_per_lock_by_route: Object.fromEntries(Object.entries(byRoute).map(([r, n]) => [r, perLock(n)])),
    action_attempt_reads_per_lock: perLock(byRoute['action_attempts/get']),
    ...extra,
    /** Every lock's detection delay, ascending (the chart draws their distribution). */
    detection_delays_ms: delays.map(Math.round),
    /** Every lock's delay from the first read that saw its attempt's end, ascending. */
    after_end_read_delays_ms: afterRead.map(Math.round),
  };
}

/** The figures of one mode at one level. */
type RunSummary = ReturnType<typeof summarize>;

/**
 * Runs `work` and says what it cost this process: CPU-seconds, and its peak resident memory
 * (sampled every 100 ms) — the worker, the client and the simulator together.
 */
async function measureOwn<T>(work: () => Promise<T>): Promise<{ result: T; cpuS: number; rssPeakMb: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const cpuBefore = process.cpuUsage();
  try {
    const result = await work();
    const cpu = process.cpuUsage(cpuBefore);
    return { result, cpuS: (cpu.user + cpu.system) / 1e6, rssPeakMb: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(sampler);
  }
}

async function benchSdk(sim: SeamSimulator, level: Level) {
  const devices = addDevices(sim, `sdk-${level.concurrency}`, level.locks);
  const seam = SeamHttp.fromApiKey(apiKey, { endpoint: sim.url, axiosRetryOptions: { retries: 0 } });
  const started = Date.now();
  const { result: samples, ...own } = await measureOwn(() =>
    inParallel(devices, level.concurrency, async (deviceId) => {
      await seam.devices.get({ device_id: deviceId });
      const attempt = await seam.locks.lockDoor({ device_id: deviceId });
      return { deviceId, actionAttemptId: attempt.action_attempt_id, outcomeAtMs: Date.now() };
    }),
  );
  return summarize('sdk', level, sim, devices, samples, Date.now() - started, {
    ...cpuPerLock({ benchProcess: own.cpuS }, samples.length),
    bench_process_rss_peak_mb: own.rssPeakMb,
  });
}

/**
 * CPU-seconds in all and per lock of each part that ran: this process (the client and the
 * simulator, the SDK in `sdk` mode, the webhook receiver in `push`), the worker process and the
 * Temporal server.
 */
function cpuPerLock(parts: { benchProcess: number; worker?: number; temporalServer?: number }, locks: number) {
  const figures: Record<string, number> = {};
  for (const [part, seconds] of Object.entries(parts)) {
    if (seconds === undefined) continue;
    const name = part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    figures[`cpu_s_${name}`] = Number(seconds.toFixed(1));
    figures[`cpu_s_per_lock_${name}`] = Number((seconds / locks).toFixed(4));
  }
  return figures;
}

/** CPU per lock of the bench process, the worker and the server, and the worker's peak memory. */
function lockstepCosts(
  own: { cpuS: number; workerCpuS: number; serverCpuS: number; workerRssPeakMb: number },
  locks: number,
) {
  return {
    ...cpuPerLock({ benchProcess: own.cpuS, worker: own.workerCpuS, temporalServer: own.serverCpuS }, locks),
    worker_rss_peak_mb: own.workerRssPeakMb,
  };
}

interface LockstepRun {
  client: Client;
  /**
   * Runs `work` with a worker on the `bench` task queue; returns its result, the CPU-seconds
   * this process, the server and the worker took, the worker's peak memory and the activity
   * heartbeats the server received meanwhile (billable; in no history).
   */
  measure: <T>(work: () => Promise<T>) => Promise<{
    result: T;
    cpuS: number;
    serverCpuS: number;
    workerCpuS: number;
    workerRssPeakMb: number;
    heartbeats: number;
  }>;
  /** Activity heartbeats the server has received so far (its Prometheus counter). */
  heartbeats: () => Promise<number>;
}

/**
 * A dev server (in memory) and a `lockstep worker` process on it, for one mode and level; with
 * `push`, a webhook receiver in this process too, and the simulator sending it signed webhooks.
 * The worker is the production binary as deployed (its own process, logging at INFO to a file):
 * its CPU and peak memory are its own.
 */
async function withLockstep<T>(
  sim: SeamSimulator,
  run: (stack: LockstepRun) => Promise<T>,
  kind: WorkerKind = 'polling',
): Promise<T> {
  const metricsPort = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
  const server = await startTemporalDevServer({
    port: await freePort(),
    uiPort: null,
    dbFile: null,
    namespace: 'default',
    eagerActivities: settings.BENCH_EAGER === '1',
    metricsPort,
    log: (line) => console.error(line),
  }).catch((err: unknown) => {
    rmSync(logDir, { recursive: true, force: true });
    throw err;
  });
  let receiver: WebhookReceiver | undefined;
  let workers: ChildProcess[] = [];
  try {
    const heartbeats = () => heartbeatsReceived(metricsPort);
    const client = new Client({ connection: server.connection });
    if (kind === 'push') {
      receiver = await startWebhookReceiver({
        secrets: [webhookSecret],
        deliver: (route, requestId) => deliverToTemporal(client, route, requestId),
      });
      sim.setWebhooks({ url: receiver.url, secret: webhookSecret });
    }
    workers = await startWorkers(1, logDir, { sim, temporalAddress: server.address, kind });
    const worker = workers[0].pid!;
    return await run({
      client,
      heartbeats,
      async measure(work) {
        // What came before (a door's opening) finishes first: its tail is not this part's cost.
        await untilQuietPids([server.pid, worker]);
        const heartbeatsBefore = await heartbeats();
        const [serverBefore, workerBefore] = [processCpuMs(server.pid), processCpuMs(worker)];
        const own = await measureOwn(work);
        return {
          result: own.result,
          cpuS: own.cpuS,
          serverCpuS: (processCpuMs(server.pid) - serverBefore) / 1000,
          workerCpuS: (processCpuMs(worker) - workerBefore) / 1000,
          workerRssPeakMb: peakRssMb(worker),
          heartbeats: (await heartbeats()) - heartbeatsBefore,
        };
      },
    });
  } finally {
    sim.setWebhooks(null);
    // Each part stops even when one before it fails to.
    await Promise.allSettled([receiver?.close(), ...workers.map((w) => stopProcess(w, 15_000))]);
    await server.stop().finally(() => rmSync(logDir, { recursive: true, force: true }));
  }
}

/**
 * `count` `lockstep worker` processes (for `unordered`, the baseline's: the same worker with
 * the baseline's workflow bundle) on the bench's task queue, logging to `logDir`, once each
 * has said it started. They get only the bench's settings: nothing from the shell's SEAM_*,
 * TEMPORAL_*, LOCKSTEP_* or OTEL_* (no tracing, no metrics port shared between workers).
 */
async function startWorkers(
  count: number,
  logDir: string,
  { sim, temporalAddress, kind }: { sim: SeamSimulator; temporalAddress: string; kind: WorkerKind },
): Promise<ChildProcess[]> {
  const env = cleanEnv({
    SEAM_API_KEY: apiKey,
    SEAM_ENDPOINT: sim.url,
    TEMPORAL_ADDRESS: temporalAddress,
    LOCKSTEP_TASK_QUEUE: benchTaskQueue,
    LOCKSTEP_PUSH: kind === 'push' ? 'on' : 'off',
    ...(kind === 'unordered' ? { LOCKSTEP_BENCH_BASELINE: '1' } : {}),
  });
  const args = kind === 'unordered' ? [join(baselineDist, 'worker.js'), baselineBundlePath()] : [lockstepBin, 'worker'];
  mkdirSync(logDir, { recursive: true });
  const logs = Array.from({ length: count }, (_, i) => join(logDir, `worker-${count}-${i}.log`));
  const workers: ChildProcess[] = [];
  try {
    for (const logPath of logs) workers.push(spawnLogged(process.execPath, args, { logPath, env }));
    await untilLogged(logs, /lockstep worker started/, workers);
    return workers;
  } catch (err) {
    await Promise.all(workers.map((w) => stopProcess(w, 5_000)));
    throw err;
  }
}

/** A process's peak resident memory so far (Linux /proc: VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmHWM for process ${pid}`);
  return Math.round(Number(kb[1]) / 1024);
}

/** Opens each device's door with an unlock (not measured): the measured locks meet a running door. */
async function openDoors(client: Client, devices: string[], concurrency: number, viaUpdate = false): Promise<void> {
  await inParallel(devices, concurrency, (deviceId) =>
    requestAction(client, 'UNLOCK_DOOR', deviceId, 'open-door', viaUpdate),
  );
}

/** Locks each device once, `concurrency` at a time; a lock that does not succeed stops the bench. */
function lockEach(client: Client, devices: string[], concurrency: number, viaUpdate = false) {
  return inParallel(devices, concurrency, async (deviceId) => {
    const { outcome, requestedAtMs, outcomeAtMs } = await requestAction(
      client,
      'LOCK_DOOR',
      deviceId,
      'measured',
      viaUpdate,
    );
    if (!outcome.ok) throw new Error(`${deviceId}: ${outcome.code} ${outcome.report.message}`);
    const { actionAttemptId, commandSentAt, startedAt } = outcome.result;
    return {
      deviceId,
      actionAttemptId,
      outcomeAtMs,
      startDelayMs: Date.parse(startedAt) - requestedAtMs,
      requestedAtMs,
      commandDelayMs: Date.parse(commandSentAt) - requestedAtMs,
      outcomeDelayMs: outcomeAtMs - requestedAtMs,
    };
  });
}

/**
 * One lock action through the client — a `LockDoorWorkflow` / `UnlockDoorWorkflow`, or
 * (`viaUpdate`) the door's `lockAction` update —; its outcome, when the caller held it.
 */
async function requestAction(
  client: Client,
  action: LockAction,
  deviceId: string,
  requestId: string,
  viaUpdate = false,
) {
  const requestedAtMs = Date.now();
  const execute = viaUpdate ? executeDoorLockAction : executeLockAction;
  const outcome = await execute(client, action, { deviceId, requestId }, { taskQueue: benchTaskQueue });
  return { outcome, requestedAtMs, outcomeAtMs: Date.now() };
}

async function benchLockstep(sim: SeamSimulator, mode: LockstepMode, level: Level) {
  const viaUpdate = mode === 'update';
  const costsOf = viaUpdate ? updateCosts : historyCosts;
  return withLockstep(
    sim,
    async ({ client, measure, heartbeats }) => {
      const devices = addDevices(sim, `${mode}-${level.concurrency}`, level.locks);
      const heartbeatsBeforeOpening = await heartbeats();
      await openDoors(client, devices, level.concurrency, viaUpdate);
      const openingHeartbeats = (await heartbeats()) - heartbeatsBeforeOpening;
      const withDoors = mode !== 'unordered';
      // What the first action at a device costs: its door's start too.
      const firstUse = withDoors
        ? await costsOf(client, devices.slice(0, 20), 'open-door', openingHeartbeats / devices.length, true)
        : undefined;
      const countsBefore = countsNow(sim, devices);
      const {
        result,
        heartbeats: measuredHeartbeats,
        ...own
      } = await measure(async () => {
        const started = Date.now();
        const samples = await lockEach(client, devices, level.concurrency, viaUpdate);
        return { samples, wallMs: Date.now() - started };
      });
      // Every lock's watching send try heartbeats its attempt: none counted means the count is broken.
      if (measuredHeartbeats === 0 && (mode === 'polling' || viaUpdate))
        throw new Error('the dev server counted no activity heartbeats');
      const costs = await costsOf(
        client,
        devices.slice(0, Math.min(50, devices.length)),
        'measured',
        measuredHeartbeats / devices.length,
        withDoors,
      );
      const detectionPathOfLocks = await detectionPath(client, sim, result.samples, viaUpdate);
      return summarize(
        mode,
        level,
        sim,
        devices,
        result.samples,
        result.wallMs,
        {
          detection_path: detectionPathOfLocks,
          eager_activities: settings.BENCH_EAGER === '1',
          request_to_workflow_start_ms_p50: percentile(
            result.samples.map((l) => l.startDelayMs),
            50,
          ),
          request_to_command_sent_ms_p50: percentile(
            result.samples.map((l) => l.commandDelayMs),
            50,
          ),
          request_to_outcome_ms_p50: percentile(
            result.samples.map((l) => l.outcomeDelayMs),
            50,
          ),
          ...costs,
          ...(firstUse
            ? {
                door_first_use: {
                  billable_actions_per_lock_p50: firstUse.billable_actions_per_lock_p50,
                  of_which_ordering: firstUse.ordering_billable_actions_per_lock_p50,
                },
              }
            : {}),
          ...lockstepCosts(own, result.samples.length),
        },
        countsBefore,
      );
    },
    viaUpdate ? 'polling' : mode,
  );
}

/**
 * Contention: N requests, alternating lock and unlock, on N/10 devices at once. Requests that
 * join share a command; superseded ones end SUPERSEDED with nothing sent. Detection delay is
 * counted for the requests a command served.
 */
async function benchContended(sim: SeamSimulator, level: Level, kind: 'polling' | 'unordered') {
  const mode = kind === 'polling' ? 'contended' : 'contended-unordered';
  return withLockstep(
    sim,
    async ({ client, measure }) => {
      const devices = addDevices(sim, 'contended', Math.max(1, Math.floor(level.locks / 10)));
      await openDoors(client, devices, level.concurrency);
      const countsBefore = countsNow(sim, devices);
      const requests = Array.from({ length: level.locks }, (_, i) => String(i));
      const endings: Record<string, number> = {};
      const { result, heartbeats, ...own } = await measure(async () => {
        const started = Date.now();
        const samples = await inParallel(requests, level.concurrency, async (i) => {
          const deviceId = devices[Number(i) % devices.length];
          const action: LockAction = Math.floor(Number(i) / devices.length) % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
          const { outcome, outcomeAtMs } = await requestAction(client, action, deviceId, `contended-${i}`);
          const ending = outcome.ok ? 'success' : outcome.code;
          endings[ending] = (endings[ending] ?? 0) + 1;
          return outcome.ok ? { deviceId, actionAttemptId: outcome.result.actionAttemptId, outcomeAtMs } : undefined;
        });
        return { samples: samples.filter((x): x is LockSample => x !== undefined), wallMs: Date.now() - started };
      });
      const costs = await historyCosts(client, devices, 'contended-', heartbeats / requests.length, kind === 'polling');
      return {
        ...summarize(
          mode,
          level,
          sim,
          devices,
          result.samples,
          result.wallMs,
          {
            ...costs,
            ...lockstepCosts(own, requests.length),
          },
          countsBefore,
        ),
        requests: requests.length,
        devices: devices.length,
        endings,
      };
    },
    kind,
  );
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
async function benchCluster(sim: SeamSimulator, level: Level) {
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
      const processes = await startWorkers(workers, join(dataDir, 'logs'), {
        sim,
        temporalAddress: cluster.address,
        kind: 'polling',
      });
      try {
        const devices = addDevices(sim, `cluster${workers}`, level.locks);
        await openDoors(client, devices, level.concurrency);
        const pids = () => ({
          workers: processes.map((p) => p.pid!),
          services: clusterServices.map((s) => cluster.pidOf(s)!),
          postgres: cluster.pidOf('postgres')!,
        });
        await untilQuietPids([...pids().workers, ...pids().services, pids().postgres]);
        const countsBefore = countsNow(sim, devices);
        const before = cpuOfParts(pids());
        const started = Date.now();
        const samples = await lockEach(client, devices, level.concurrency);
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
          ...summarize(
            `cluster, ${workers} worker${workers > 1 ? 's' : ''}`,
            level,
            sim,
            devices,
            samples,
            wallMs,
            {},
            countsBefore,
          ),
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

/**
 * Resolves once every log file holds a line matching `pattern` (up to 60 s); rejects at once,
 * with the end of its log, when one of `processes` exits first.
 */
async function untilLogged(paths: string[], pattern: RegExp, processes: ChildProcess[]): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  const has = (path: string) => existsSync(path) && pattern.test(readFileSync(path, 'utf8'));
  while (!paths.every(has)) {
    const exited = processes.findIndex((p) => p.exitCode !== null || p.signalCode !== null);
    if (exited >= 0) {
      const log = existsSync(paths[exited]) ? readFileSync(paths[exited], 'utf8').slice(-2_000) : '';
      throw new Error(`${paths[exited]}: the process exited before ${pattern}\n${log}`);
    }
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
  const own = statFields(pid);
  let total = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const fields = statFields(entry);
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
/** What a history holds that Temporal Cloud bills (and the door openings ordering adds). */
function countsOf(all: HistoryEvent[]) {
  return {
    activities: all
      .filter((e) => e.activityTaskStartedEventAttributes)
      .reduce((n, e) => n + (e.activityTaskStartedEventAttributes?.attempt ?? 1), 0),
    timers: all.filter((e) => e.timerStartedEventAttributes).length,
    signalsIn: all.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    failedSignalsOut: all.filter((e) => e.signalExternalWorkflowExecutionFailedEventAttributes).length,
    upserts: all.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    doorOpenings: all.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'openDoor').length,
  };
}

async function historyCosts(
  client: Client,
  deviceIds: string[],
  requestPrefix: string,
  heartbeatsPerRequest: number,
  withDoors: boolean,
) {
  const events: number[] = [];
  const billable: number[] = [];
  const ordering: number[] = [];
  for (const deviceId of deviceIds) {
    const requests: HistoryEvent[][] = [];
    for await (const info of client.workflow.list({
      query: `TaskQueue = '${benchTaskQueue}' AND LockstepDeviceIds = '${deviceId}'`,
    })) {
      const [kind, , requestId] = info.workflowId.split('/');
      if (kind === 'door' || !requestId?.startsWith(requestPrefix)) continue;
      requests.push((await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory()).events ?? []);
    }
    if (requests.length === 0) continue;
    // The door's share: the commands it ran during these requests (first to last event of theirs).
    const door = await doorHistory(client, deviceId, withDoors);
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
  if (events.length === 0) throw new Error(`no ${requestPrefix} lock actions found in visibility: nothing to count`);
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

/**
 * {@link historyCosts} for the `update` mode, where every request is a `lockAction` update on its
 * door and the door's history is the whole cost: per update, 1 billable action (the update)
 * plus its share of what the door did while they ran (activity attempts, timers, signals,
 * search-attribute upserts, its start) and of the heartbeats; history events the same way.
 * Ordering's own share is the door's start: the update is the request, and no signal answers it.
 */
async function updateCosts(client: Client, deviceIds: string[], requestPrefix: string, heartbeatsPerRequest: number) {
  const events: number[] = [];
  const billable: number[] = [];
  const ordering: number[] = [];
  for (const deviceId of deviceIds) {
    const door = await doorHistory(client, deviceId, true);
    const ids = new Map<string, { from: number; to?: number }>();
    const ours = (id: string) =>
      id.startsWith(`lock/${deviceId}/${requestPrefix}`) || id.startsWith(`unlock/${deviceId}/${requestPrefix}`);
    for (const e of door) {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId;
      const completed = e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
      if (accepted && ours(accepted)) ids.set(accepted, { from: eventMs(e) });
      const span = completed ? ids.get(completed) : undefined;
      if (span) span.to = eventMs(e);
    }
    const spans = [...ids.values()];
    if (spans.length === 0) continue;
    const [from, to] = [Math.min(...spans.map((r) => r.from)), Math.max(...spans.map((r) => r.to ?? r.from))];
    const during = door.filter((e) => eventMs(e) >= from && eventMs(e) <= to);
    // The door's own start (update-with-start: just before its first update), not a continue-as-new's.
    const first = door[0]?.workflowExecutionStartedEventAttributes;
    const started = first && !first.continuedExecutionRunId && eventMs(door[0]) >= from - 1_000 ? 1 : 0;
    const counts = countsOf(during);
    const share = counts.activities + counts.timers + counts.signalsIn + counts.upserts + started;
    for (let i = 0; i < spans.length; i++) {
      events.push(during.length / spans.length);
      billable.push(1 + share / spans.length + heartbeatsPerRequest);
      ordering.push(started / spans.length);
    }
  }
  if (events.length === 0) throw new Error(`no ${requestPrefix} lockAction updates found in door histories`);
  const round = (n: number) => Number(n.toFixed(2));
  return {
    history_events_per_lock_p50: round(percentile(events, 50)),
    history_events_per_lock_max: round(Math.max(...events)),
    billable_actions_per_lock_p50: round(percentile(billable, 50)),
    billable_actions_per_lock_max: round(Math.max(...billable)),
    ordering_billable_actions_per_lock_p50: round(percentile(ordering, 50)),
    heartbeats_per_lock: round(heartbeatsPerRequest),
    history_sample: events.length,
  };
}

/** The kind of a history event, as its attributes' name says (`activityTaskCompleted`...). */
const kindOf = (e: HistoryEvent) =>
  Object.keys(e)
    .find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k])
    ?.replace(/EventAttributes$/, '') ?? 'unknown';
const isWorkflowTaskEvent = (e: HistoryEvent) => kindOf(e).startsWith('workflowTask');
/** The kind of queue a workflow task was scheduled on (normal: the task queue; sticky: the worker's). */
const queueKind = (scheduled: HistoryEvent | undefined) => {
  const kind = scheduled?.workflowTaskScheduledEventAttributes?.taskQueue?.kind;
  const { TASK_QUEUE_KIND_NORMAL, TASK_QUEUE_KIND_STICKY } = temporal.api.enums.v1.TaskQueueKind;
  return kind === TASK_QUEUE_KIND_STICKY ? 'sticky' : kind === TASK_QUEUE_KIND_NORMAL ? 'normal' : 'unknown';
};

/**
 * Where a lock's time goes, p50 and p95 over up to `sampleSize` of the measured locks spread
 * evenly over the order they ended in, read from the history of the workflow that answers its
 * caller (the door for a `lockAction` update, the lock action otherwise): the request to its
 * first workflow task starting (a lock action's first task; the door's task that took the
 * update); then, from the first read that saw the attempt end, to the event that woke that
 * workflow for its answer (`woken_by` counts their kinds), that task's wait from its first
 * scheduling after that event — or from the event, when the task was already scheduled — to its
 * start (a task that timed out on the sticky queue and was scheduled again counts whole), the
 * task itself, and from the task's completion to the caller holding the outcome;
 * and which queue the server put the first and the answering task on (`task_queues`).
 */
async function detectionPath(
  client: Client,
  sim: SeamSimulator,
  samples: (LockSample & { requestedAtMs: number })[],
  viaUpdate: boolean,
  sampleSize = 100,
) {
  const attempts = new Map(sim.actionAttempts().map((a) => [a.actionAttemptId, a]));
  const segments = {
    to_first_task: [] as number[],
    to_wake: [] as number[],
    wft_queue: [] as number[],
    wft_run: [] as number[],
    to_caller: [] as number[],
  };
  const wokenBy: Record<string, number> = {};
  // Which queue the server put each task on: the task queue itself, or the worker's sticky queue.
  const queues = { first_task: {} as Record<string, number>, answering_task: {} as Record<string, number> };
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  const spread =
    samples.length <= sampleSize
      ? samples
      : Array.from({ length: sampleSize }, (_, i) => samples[Math.floor((i * samples.length) / sampleSize)]);
  for (const sample of spread) {
    const readAt = attempts.get(sample.actionAttemptId)?.endReadAtMs;
    if (readAt == null) continue;
    const id = lockActionWorkflowId('LOCK_DOOR', sample.deviceId, 'measured');
    const events = viaUpdate
      ? await doorHistory(client, sample.deviceId, true)
      : ((await client.workflow.getHandle(id).fetchHistory()).events ?? []);
    const before = (from: number, has: (e: HistoryEvent) => unknown) => {
      for (let i = from - 1; i >= 0; i--) if (has(events[i])) return i;
      return -1;
    };
    const answer = events.findIndex((e) =>
      viaUpdate
        ? e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === id
        : e.workflowExecutionCompletedEventAttributes,
    );
    const completed = before(answer, (e) => e.workflowTaskCompletedEventAttributes);
    const started = before(completed, (e) => e.workflowTaskStartedEventAttributes);
    const woke = before(started, (e) => !isWorkflowTaskEvent(e));
    // The task's first scheduling after the waking event; none: it was already scheduled when
    // that event came (the server writes such an event between the two), so it waited from then.
    const scheduledAfter = events.findIndex(
      (e, i) => i > woke && i < started && e.workflowTaskScheduledEventAttributes,
    );
    const queuedFrom = scheduledAfter >= 0 ? scheduledAfter : woke;
    // The task that took the request: a lock action's first; the one the door accepted the update in.
    const accepted = viaUpdate
      ? events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId === id)
      : events.findIndex((e) => e.workflowTaskCompletedEventAttributes) + 1;
    const firstStarted = before(accepted, (e) => e.workflowTaskStartedEventAttributes);
    if (answer < 0 || woke < 0 || firstStarted < 0) continue;
    const at = (i: number) => eventMs(events[i]);
    segments.to_first_task.push(at(firstStarted) - sample.requestedAtMs);
    segments.to_wake.push(at(woke) - readAt);
    segments.wft_queue.push(at(started) - at(queuedFrom));
    segments.wft_run.push(at(completed) - at(started));
    segments.to_caller.push(sample.outcomeAtMs - at(completed));
    count(wokenBy, kindOf(events[woke]));
    const queueOf = (startedAt: number) =>
      queueKind(events[before(startedAt, (e) => e.workflowTaskScheduledEventAttributes)]);
    count(queues.first_task, queueOf(firstStarted));
    count(queues.answering_task, queueOf(started));
  }
  const each = (p: number) =>
    Object.fromEntries(Object.entries(segments).map(([k, v]) => [`${k}_ms_p${p}`, Math.round(percentile(v, p))]));
  return { ...each(50), ...each(95), woken_by: wokenBy, task_queues: queues, sample: segments.to_wake.length };
}

/**
 * The door's history. Without doors (the baseline) there must be none: a door there would mean
 * the baseline's lock actions went through it, and it would measure nothing.
 */
async function doorHistory(client: Client, deviceId: string, withDoors: boolean): Promise<HistoryEvent[]> {
  const door = client.workflow.getHandle(doorWorkflowId(deviceId));
  if (withDoors) return (await door.fetchHistory()).events ?? [];
  try {
    await door.describe();
  } catch (err) {
    if (isGrpcNotFound(err) || err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
  throw new Error(`the baseline (no doors) started ${doorWorkflowId(deviceId)}: it measures nothing`);
}

function eventMs(event: HistoryEvent): number {
  const t = event.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

/** One of the performance issue's targets, as this run measured it. */
interface Target {
  target: string;
  value: number | null;
  limit: number | null;
  /**
   * null: this run did not measure it (a mode or level left out); 'inconclusive': an estimate
   * whose 95% interval has the limit inside it — this run cannot tell.
   */
  met: boolean | null | 'inconclusive';
  interval95?: [number, number];
}

const runOf = (runs: RunSummary[], mode: string, concurrency: number) =>
  runs.find((r) => r.mode === mode && r.concurrency === concurrency);

/** A target `value` ≤ `limit` (`atMost`) or ≥ it; unknown (not run, or no sample) is null. */
function judge(
  bound: 'atMost' | 'atLeast',
  target: string,
  value: number | undefined,
  limit: number | undefined,
): Target {
  const known = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);
  if (!known(value) || !known(limit))
    return { target, value: known(value) ? value : null, limit: known(limit) ? limit : null, met: null };
  return { target, value, limit, met: bound === 'atMost' ? value <= limit : value >= limit };
}
const atMost = (target: string, value: number | undefined, limit: number | undefined) =>
  judge('atMost', target, value, limit);
/**
 * An estimate ≤ `limit`, judged by its 95% interval: met when all of it is, NOT MET when none
 * of it is, inconclusive otherwise (the estimate alone would be a coin toss near the limit).
 */
function atMostWithin(
  target: string,
  estimate: { value: number; interval95: [number, number] } | undefined,
  limit: number,
): Target {
  if (!estimate || ![estimate.value, ...estimate.interval95].every(Number.isFinite))
    return { target, value: null, limit, met: null };
  const [low, high] = estimate.interval95;
  const met = high <= limit ? true : low > limit ? false : 'inconclusive';
  return { target, value: estimate.value, limit, met, interval95: estimate.interval95 };
}
const atLeast = (target: string, value: number | undefined, limit: number | undefined) =>
  judge('atLeast', target, value, limit);

/** The performance issue's targets, each against this run's figures. */
function targetsOf(runs: RunSummary[], ordering: OrderingCost[]): Target[] {
  const figure = (mode: string, c: number, key: string) =>
    (runOf(runs, mode, c) as Record<string, unknown> | undefined)?.[key] as number | undefined;
  const half = (n: number | undefined) => (n === undefined ? undefined : n / 2);
  const share = (n: number | undefined, f: number) => (n === undefined ? undefined : Number((n * f).toFixed(2)));
  // Every level asked for: a level push did not run at shows as not measured.
  const pushLevels = settings.BENCH_LEVELS;
  return [
    atMost(
      'polling, concurrency 100: p50 detection ≤ 0.5× the SDK',
      figure('polling', 100, 'detection_delay_ms_p50'),
      half(figure('sdk', 100, 'detection_delay_ms_p50')),
    ),
    atMost(
      'polling, concurrency 100: Seam requests per lock ≤ the SDK',
      figure('polling', 100, 'seam_requests_per_lock'),
      figure('sdk', 100, 'seam_requests_per_lock'),
    ),
    atLeast(
      'polling, concurrency 100: throughput ≥ 1.0× the SDK',
      figure('polling', 100, 'throughput_locks_per_s'),
      figure('sdk', 100, 'throughput_locks_per_s'),
    ),
    ...pushLevels.flatMap((c) => [
      atMost(`push, concurrency ${c}: p50 detection ≤ 50 ms`, figure('push', c, 'detection_delay_ms_p50'), 50),
      atMost(`push, concurrency ${c}: Seam requests per lock ≤ 3`, figure('push', c, 'seam_requests_per_lock'), 3),
      atMost(
        `push, concurrency ${c}: billable actions per lock ≤ 4`,
        figure('push', c, 'billable_actions_per_lock_p50'),
        4,
      ),
    ]),
    atLeast(
      'polling, concurrency 500: throughput ≥ 0.75× the SDK',
      figure('polling', 500, 'throughput_locks_per_s'),
      share(figure('sdk', 500, 'throughput_locks_per_s'), 0.75),
    ),
    atMost(
      'polling, concurrency 500: p50 detection ≤ 0.5× the SDK',
      figure('polling', 500, 'detection_delay_ms_p50'),
      half(figure('sdk', 500, 'detection_delay_ms_p50')),
    ),
    atMost('polling, concurrency 500: worker RSS peak ≤ 300 MB', figure('polling', 500, 'worker_rss_peak_mb'), 300),
    // Every level asked for, and contention: where a side did not run, not measured.
    ...[
      ...settings.BENCH_LEVELS.map((c) => `concurrency ${c}`),
      ...settings.BENCH_LEVELS.map((c) => `concurrency ${c}, ${byUpdate}`),
      'contended',
    ].flatMap((where) => {
      const cost = ordering.find((o) => o.where === where);
      return [
        atMostWithin(
          `door ordering, ${where}: adds ≤ 50 ms of p50 detection delay`,
          cost && { value: cost.added_p50_ms, interval95: cost.added_p50_ms_interval95 },
          50,
        ),
        atMostWithin(
          `door ordering, ${where}: adds ≤ 50 ms of p50 delay after the read that saw the end`,
          cost && { value: cost.added_after_end_read_p50_ms, interval95: cost.added_after_end_read_p50_ms_interval95 },
          50,
        ),
        atMost(`door ordering, ${where}: adds ≤ 2 billable actions per lock`, cost?.added_billable_actions_per_lock, 2),
      ];
    }),
  ];
}

/** What door ordering adds, where it and its baseline both ran: at each level, and contended. */
interface OrderingCost {
  /** `concurrency N`, or `contended` (per request; p50 of the requests a command served). */
  where: string;
  added_p50_ms: number;
  /** Within this run only (resampling its locks): not the box's run-to-run spread. */
  added_p50_ms_interval95: [number, number];
  /**
   * The same for the delay after the first read that saw the end: without the wait for that
   * read, whose phase moves a p50 of few locks by tens of ms either way.
   */
  added_after_end_read_p50_ms: number;
  added_after_end_read_p50_ms_interval95: [number, number];
  added_billable_actions_per_lock: number;
}

/** How `where` names the `update` mode's ordering cost (lock actions as the door's update). */
const byUpdate = 'lockAction update';

function orderingCosts(runs: RunSummary[], others: Record<string, unknown>): OrderingCost[] {
  const pairs: [string, RunSummary | undefined, RunSummary | undefined][] = [
    ...settings.BENCH_LEVELS.flatMap((c): [string, RunSummary | undefined, RunSummary | undefined][] => [
      [`concurrency ${c}`, runOf(runs, 'polling', c), runOf(runs, 'unordered', c)],
      [`concurrency ${c}, ${byUpdate}`, runOf(runs, 'update', c), runOf(runs, 'unordered', c)],
    ]),
    ['contended', others.contended as RunSummary | undefined, others['contended-unordered'] as RunSummary | undefined],
  ];
  const billable = (r: RunSummary) => (r as Record<string, unknown>).billable_actions_per_lock_p50 as number;
  return pairs.flatMap(([where, ordered, unordered]) => {
    if (!ordered || !unordered) return [];
    const p50 = addedP50(ordered.detection_delays_ms, unordered.detection_delays_ms);
    const afterRead = addedP50(ordered.after_end_read_delays_ms, unordered.after_end_read_delays_ms);
    if (!p50 || !afterRead) return [];
    return [
      {
        where,
        added_p50_ms: p50.ms,
        added_p50_ms_interval95: p50.interval95,
        added_after_end_read_p50_ms: afterRead.ms,
        added_after_end_read_p50_ms_interval95: afterRead.interval95,
        added_billable_actions_per_lock: Number((billable(ordered) - billable(unordered)).toFixed(2)),
      },
    ];
  });
}

type Figures = Record<string, string | number | undefined>;
type Column = [string, (r: Figures) => string | number | undefined];
const modeColumns: Column[] = [
  ['mode', (r) => r.mode],
  ['C', (r) => r.concurrency],
];

/** The figures of each run: one line per mode and level. */
const figureColumns: Column[] = [
  ...modeColumns,
  ['locks', (r) => r.locks],
  ['p50 ms', (r) => r.detection_delay_ms_p50],
  ['p95 ms', (r) => r.detection_delay_ms_p95],
  ['p99 ms', (r) => r.detection_delay_ms_p99],
  ['after read p50', (r) => r.after_end_read_ms_p50],
  ['locks/s', (r) => r.throughput_locks_per_s],
  ['Seam req/lock', (r) => r.seam_requests_per_lock],
  ['billable/lock', (r) => r.billable_actions_per_lock_p50],
  ['events/lock', (r) => r.history_events_per_lock_p50],
  ['CPU ms/lock: worker', (r) => msOf(r.cpu_s_per_lock_worker)],
  ['server', (r) => msOf(r.cpu_s_per_lock_temporal_server)],
  ['bench', (r) => msOf(r.cpu_s_per_lock_bench_process)],
  ['RSS peak MB: worker', (r) => r.worker_rss_peak_mb],
  ['bench', (r) => r.bench_process_rss_peak_mb],
];

/** Where a lockstep lock's time goes, p50 ms ({@link detectionPath}); runs without it print none. */
const pathColumns: Column[] = [
  ...modeColumns,
  ['request to command sent', (r) => r.request_to_command_sent_ms_p50],
  ['request to outcome', (r) => r.request_to_outcome_ms_p50],
  ['request to first task', (r) => pathOf(r)?.to_first_task_ms_p50],
  ['after the end: to wake', (r) => pathOf(r)?.to_wake_ms_p50],
  ['task queued', (r) => pathOf(r)?.wft_queue_ms_p50],
  ['task ran', (r) => pathOf(r)?.wft_run_ms_p50],
  ['to caller', (r) => pathOf(r)?.to_caller_ms_p50],
  ['first task on', (r) => queuesOf(r, 'first_task')],
  ['answering task on', (r) => queuesOf(r, 'answering_task')],
];
const queuesOf = (r: Figures, task: 'first_task' | 'answering_task') => {
  const counts = (pathOf(r) as { task_queues?: Record<string, Record<string, number>> } | undefined)?.task_queues?.[
    task
  ];
  return (
    counts &&
    Object.entries(counts)
      .map(([queue, n]) => `${n} ${queue}`)
      .join(', ')
  );
};
const pathOf = (r: Figures) => (r as { detection_path?: Record<string, number> }).detection_path;

/** The runs as a plain-text table, one line per run. */
function table(runs: RunSummary[], columns = figureColumns): string {
  const rows = runs.map((r) => columns.map(([, get]) => String(get(r as unknown as Figures) ?? '—')));
  const widths = columns.map(([title], i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(columns.map(([title]) => title)), ...rows.map(line)].join('\n');
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const msOf = (seconds: unknown) => (typeof seconds === 'number' ? Math.round(seconds * 1000) : undefined);

async function runMode(mode: BenchMode, level: Level): Promise<RunSummary> {
  const sim = await startSeamSimulator({ apiKey });
  try {
    switch (mode) {
      case 'sdk':
        return await benchSdk(sim, level);
      case 'unordered':
      case 'polling':
      case 'update':
      case 'push':
        return await benchLockstep(sim, mode, level);
      case 'contended':
        return await benchContended(sim, level, 'polling');
      case 'contended-unordered':
        return await benchContended(sim, level, 'unordered');
      case 'cluster':
        return (await benchCluster(sim, level)) as unknown as RunSummary;
    }
  } finally {
    await sim.close();
  }
}

/**
 * What runs, in order: level by level, each level's modes one after another (the box drifts over
 * an hour: what is compared is measured close together), unordered and polling taking turns to
 * go first from one level to the next (each level runs each once: an order bias at one level is
 * spread across levels, not cancelled); then the others at {@link burstLevel}, in BENCH_MODES'
 * order (by default contended's baseline, contended, cluster).
 */
function benchPlan(modes: readonly BenchMode[], levels: number[]): [BenchMode, Level][] {
  const atLevels = modes.filter((m) => levelModes.includes(m));
  const bothOrderings = atLevels.includes('unordered') && atLevels.includes('polling');
  const turned = atLevels.map((m) =>
    bothOrderings && m === 'unordered' ? 'polling' : bothOrderings && m === 'polling' ? 'unordered' : m,
  );
  return [
    ...levels.flatMap((c, i) => (i % 2 === 0 ? atLevels : turned).map((m): [BenchMode, Level] => [m, levelAt(c)])),
    ...modes.filter((m) => !levelModes.includes(m)).map((m): [BenchMode, Level] => [m, burstLevel]),
  ];
}

async function main(): Promise<void> {
  exitOnSignals(); // Ctrl-C: the cluster's parts (their own process groups) are killed with this process
  const runs: RunSummary[] = [];
  const others: Record<string, unknown> = {};
  for (const [mode, level] of benchPlan(settings.BENCH_MODES, settings.BENCH_LEVELS)) {
    console.error(`bench: ${mode} at concurrency ${level.concurrency} (${level.locks} locks)`);
    const run = await runMode(mode, level);
    if (levelModes.includes(mode)) runs.push(run);
    else others[mode] = run;
  }
  const ordering = orderingCosts(runs, others);
  const targets = targetsOf(runs, ordering);
  const results = {
    generated_at: new Date().toISOString(),
    command: 'make bench',
    machine: {
      cores: cpus().length,
      memory_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${platform()} ${release()}`,
    },
    settings: {
      modes: settings.BENCH_MODES,
      levels: settings.BENCH_LEVELS,
      locks: settings.BENCH_LOCKS ?? 'default',
      seed: settings.BENCH_SEED,
      eager_activities: settings.BENCH_EAGER === '1',
    },
    runs,
    ...others,
    door_ordering: ordering,
    targets,
  };
  mkdirSync(settings.BENCH_RESULTS, { recursive: true });
  const resultsPath = join(settings.BENCH_RESULTS, 'latest.json');
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  const chartPath = await drawChart(resultsPath);
  console.log(table(runs));
  const traced = runs.filter((r) => pathOf(r as unknown as Figures));
  if (traced.length > 0) console.log(`where a lock's time goes, p50 ms:\n${table(traced, pathColumns)}`);
  const contended = ['contended-unordered', 'contended'].flatMap((m) => (others[m] ? [others[m] as RunSummary] : []));
  if (contended.length > 0) console.log(table(contended));
  for (const o of ordering)
    console.log(
      `door ordering, ${o.where}: p50 ${signed(o.added_p50_ms)} ms (95% interval within this run ${o.added_p50_ms_interval95.map(signed).join(' to ')}; after the read that saw the end ${signed(o.added_after_end_read_p50_ms)} ms, ${o.added_after_end_read_p50_ms_interval95.map(signed).join(' to ')}), billable actions ${signed(o.added_billable_actions_per_lock)} per lock`,
    );
  console.log('');
  const verdict = (met: Target['met']) =>
    met === null ? 'not measured' : met === 'inconclusive' ? met : met ? 'met' : 'NOT MET';
  const interval = (t: Target) => (t.interval95 ? `, 95% interval ${t.interval95.map(signed).join(' to ')}` : '');
  for (const t of targets)
    console.log(`${verdict(t.met).padEnd(12)}  ${t.target}: ${t.value ?? '—'} (limit ${t.limit ?? '—'}${interval(t)})`);
  console.log(`\nwrote ${resultsPath} and ${chartPath}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
