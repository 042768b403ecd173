/**
 * `make bench`: lockstep against the Seam SDK's own in-process wait, on this machine.
 *
 * Both modes lock the same kind of simulated devices (attempts end 1.5-4.5 s after the command,
 * seeded) through the real SDK over real HTTP, N locks at concurrency C:
 * - `sdk`: devices.get, then locks.lock_door with the SDK's waitForActionAttempt (1 s polls);
 * - `lockstep`: LockDoorWorkflow on a real Temporal dev server (in memory, eager activities),
 *   worker in this process, started and awaited through src/client.ts.
 * Detection delay is when the caller holds the outcome minus when the simulator ended the
 * attempt. Prints one JSON object per mode, then one with the targets, on stdout.
 *
 *   BENCH_LOCKS=300 BENCH_CONCURRENCY=100 npx tsx bench/lock-latency.ts
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { SeamHttp } from 'seam';
import { z } from 'zod';
import { executeLockAction } from '../src/client';
import { startTemporalDevServer } from '../src/dev/dev-stack';
import { freePort } from '../src/dev/free-port';
import { startSeamSimulator, type SeamSimulator } from '../src/dev/simulator/seam-simulator';
import { createLockstepWorker } from '../src/worker';

const settings = z
  .object({
    BENCH_LOCKS: z.coerce.number().int().min(1).max(5_000).default(300),
    BENCH_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(100),
    BENCH_MODES: z.string().default('sdk,lockstep'),
    BENCH_SEED: z.coerce.number().int().default(42),
    /** 0 runs the dev server without eager activity dispatch, to measure what it buys. */
    BENCH_EAGER: z.enum(['0', '1']).default('1'),
  })
  .parse(process.env);

const apiKey = 'seam_bench_simulator_key';

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
) {
  const endedAt = new Map(sim.actionAttempts().map((a) => [a.actionAttemptId, a.endedAtMs]));
  const delays = samples.map((s) => s.outcomeAtMs - (endedAt.get(s.actionAttemptId) ?? NaN)).filter(Number.isFinite);
  const seamRequests = devices.reduce((sum, d) => {
    const c = sim.countsFor(d);
    return sum + c.deviceReads + c.actionAttemptReads + c.commandsReceived;
  }, 0);
  const attemptReads = devices.reduce((sum, d) => sum + sim.countsFor(d).actionAttemptReads, 0);
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

async function benchLockstep(sim: SeamSimulator) {
  const port = await freePort();
  const server = await startTemporalDevServer({
    port,
    uiPort: null,
    dbFile: null,
    namespace: 'default',
    eagerActivities: settings.BENCH_EAGER === '1',
    log: (line) => console.error(line),
  });
  const { address, connection } = server;
  try {
    const client = new Client({ connection });
    const workerConnection = await NativeConnection.connect({ address });
    const worker = await createLockstepWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: 'bench',
      seam: { apiKey, endpoint: sim.url, requestTimeoutMs: 10_000 },
    });
    const devices = addDevices(sim, 'lockstep');
    const startDelays: number[] = [];
    const commandDelays: number[] = [];
    const cpuBefore = process.cpuUsage();
    const serverCpuBefore = processCpuMs(server.pid);
    const { samples, wallMs } = await worker.runUntil(async () => {
      const started = Date.now();
      const samples = await inParallel(devices, settings.BENCH_CONCURRENCY, async (deviceId) => {
        const requestedAtMs = Date.now();
        const outcome = await executeLockAction(client, 'LOCK_DOOR', { deviceId }, { taskQueue: 'bench' });
        if (!outcome.ok) throw new Error(`${deviceId}: ${outcome.code} ${outcome.report.message}`);
        const { actionAttemptId, commandSentAt, startedAt } = outcome.result;
        startDelays.push(Date.parse(startedAt) - requestedAtMs);
        commandDelays.push(Date.parse(commandSentAt) - requestedAtMs);
        return { deviceId, actionAttemptId, outcomeAtMs: Date.now() };
      });
      return { samples, wallMs: Date.now() - started };
    });
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = {
      cpu_s_bench_process: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      cpu_s_temporal_server: Number(((processCpuMs(server.pid) - serverCpuBefore) / 1000).toFixed(1)),
    };
    const costs = await historyCosts(client, devices.slice(0, Math.min(50, devices.length)));
    await workerConnection.close();
    const phases = {
      request_to_workflow_start_ms_p50: percentile(startDelays, 50),
      request_to_command_sent_ms_p50: percentile(commandDelays, 50),
    };
    return summarize('lockstep', sim, devices, samples, wallMs, {
      eager_activities: settings.BENCH_EAGER === '1',
      ...phases,
      ...costs,
      ...cpuSeconds,
    });
  } finally {
    await server.stop();
  }
}

/**
 * History events and billable actions per lock, from the histories of a sample of workflows:
 * start (1) + activity attempts + timers + signals + search-attribute upserts (the `patched()`
 * marker's, counted in case Temporal Cloud bills it). Heartbeats are billed too but are not in
 * the history: only the legacy command activity (`sendCommand`) sends them, one at the defaults;
 * today's activities send none.
 */
async function historyCosts(client: Client, deviceIds: string[]) {
  const events: number[] = [];
  const billable: number[] = [];
  const workflows = client.workflow.list({ query: `TaskQueue = 'bench'` });
  const wanted = new Set(deviceIds);
  for await (const info of workflows) {
    const deviceId = info.workflowId.split('/')[1];
    if (!wanted.has(deviceId)) continue;
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const all = history.events ?? [];
    const activityAttempts = all
      .filter((e) => e.activityTaskStartedEventAttributes)
      .reduce((n, e) => n + (e.activityTaskStartedEventAttributes?.attempt ?? 1), 0);
    const commandAttempts = all.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendCommand',
    ).length;
    const timers = all.filter((e) => e.timerStartedEventAttributes).length;
    const signals = all.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const upserts = all.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    events.push(all.length);
    billable.push(1 + activityAttempts + timers + signals + upserts + commandAttempts);
  }
  return {
    history_events_per_lock_p50: percentile(events, 50),
    history_events_per_lock_max: Math.max(...events),
    billable_actions_per_lock_p50: percentile(billable, 50),
    billable_actions_per_lock_max: Math.max(...billable),
    history_sample: events.length,
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const modes = settings.BENCH_MODES.split(',');
  const results: Record<string, ReturnType<typeof summarize>> = {};
  for (const mode of modes) {
    const sim = await startSeamSimulator({ apiKey });
    try {
      results[mode] = mode === 'sdk' ? await benchSdk(sim) : await benchLockstep(sim);
    } finally {
      await sim.close();
    }
    console.log(JSON.stringify(results[mode]));
  }
  const { sdk, lockstep } = results;
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
