/**
 * The embedded dev stack: a real Temporal dev server (the `temporal` CLI the toolchain
 * installs), the Seam simulator with the demo devices, and a lockstep worker — everything a
 * newcomer needs, with no Seam account and no Temporal cluster. `stop()` tears all of it down
 * and waits for the server process to exit, so nothing is left behind.
 */
import { searchAttributeFlags } from '../contract/search-attributes';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultSeamRequestTimeoutMs } from '../ops/config';
import { defaultTaskQueue } from '../contract';
import { demoDeviceScenarios } from './simulator/demo-devices';
import { startSeamSimulator, type SeamSimulator } from './simulator/seam-simulator';
import { newWebhookSecret } from './simulator/webhook-sender';
import { deliverToTemporal } from '../webhooks/temporal-delivery';
import { countWebhookOutcomes, logWebhookOutcomes, startWebhookReceiver } from '../webhooks/receiver';
import { stopProcess } from './processes';
import { temporalCliPath } from './toolchain';
import type { AlertConfig } from '../activities/alerts';
import { createLockstepWorker, startAttentionGauge } from '../worker';

export const devStackDefaults = {
  temporalPort: 7233,
  simulatorPort: 8787,
  dbFile: '.data/temporal.db',
  /** Where `lockstep dev` serves Prometheus `/metrics` when LOCKSTEP_METRICS_ADDR is unset. */
  metricsAddress: '127.0.0.1:9464',
  /** Where `lockstep dev`'s webhook receiver listens (LOCKSTEP_WEBHOOK_ADDR's default). */
  webhookPort: 8788,
} as const;

export interface DevStackOptions {
  /** The Temporal frontend port (`lockstep dev`: 7233, see {@link devStackDefaults}). */
  temporalPort: number;
  /** Web UI port; null runs the server headless (`lockstep dev`: temporalPort + 1000). */
  uiPort: number | null;
  /** The Seam simulator's port (`lockstep dev`: 8787). */
  simulatorPort: number;
  /** SQLite file that keeps workflows across restarts; null keeps them in memory (`lockstep dev`: `.data/temporal.db`). */
  dbFile: string | null;
  /** @default 'lock-actions' */
  taskQueue?: string;
  /** The key the simulator accepts and the worker sends; see {@link newDevSeamApiKey}. */
  seamApiKey: string;
  /** Where the stack's own lines go (server exits, cleanup errors). */
  log: (line: string) => void;
  /** Where the worker delivers alerts (`make demo`: its own receiver); none: alerts are logged. */
  alerts?: AlertConfig;
  /** Counts what needs a person into the `lockstep_attention_workflows` gauge (`lockstep dev`, which serves metrics). */
  attentionGauge?: boolean;
  /**
   * The webhook receiver's port (`lockstep dev`: 8788): the simulator signs its webhooks with a
   * fresh secret and sends them there, and the worker runs with push (LOCKSTEP_PUSH=on).
   * @default none: no receiver, no webhooks, the worker watches attempts itself
   */
  webhookPort?: number;
}

/** A fresh key per start: the simulator accepts only it, and it never leaves the process. */
export function newDevSeamApiKey(): string {
  return `seam_devsim_${randomBytes(16).toString('hex')}`;
}

export interface DevStack {
  temporalAddress: string;
  namespace: string;
  uiUrl: string | null;
  simulator: SeamSimulator;
  /** The webhook receiver's URL; null without one. */
  webhookUrl: string | null;
  taskQueue: string;
  /** A client connection for the caller's own use; closed by stop(). */
  connection: Connection;
  /** Drains the worker, then stops the simulator and the server; waits for the server to exit. */
  stop(): Promise<void>;
  /** Kills the server at once (a second Ctrl-C); nothing is drained. */
  abort(): void;
}

const serverReadyTimeoutMs = 30_000;

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const namespace = 'default';
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const cleanups: Array<() => Promise<void>> = [];
  let server: TemporalDevServer | undefined;
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((err) => options.log(`cleanup: ${String(err)}`));
  };
  try {
    server = await startTemporalDevServer({
      port: options.temporalPort,
      uiPort: options.uiPort,
      dbFile: options.dbFile,
      namespace,
      log: options.log,
    });
    const { address: temporalAddress, connection } = server;
    cleanups.push(server.stop);

    const apiKey = options.seamApiKey;
    const simulator = await startSeamSimulator({ apiKey, devices: demoDeviceScenarios, port: options.simulatorPort });
    cleanups.push(() => simulator.close());

    let webhookUrl: string | null = null;
    if (options.webhookPort !== undefined) {
      const secret = newWebhookSecret();
      const client = new Client({ connection, namespace });
      const receiver = await startWebhookReceiver({
        secrets: [secret],
        port: options.webhookPort,
        deliver: (route, requestId) => deliverToTemporal(client, route, requestId),
        onOutcome: logWebhookOutcomes(Runtime.instance().logger, countWebhookOutcomes(Runtime.instance().metricMeter)),
      });
      cleanups.push(() => receiver.close());
      simulator.setWebhooks({ url: receiver.url, secret });
      webhookUrl = receiver.url;
    }

    const workerConnection = await NativeConnection.connect({ address: temporalAddress });
    cleanups.push(() => workerConnection.close());
    const worker = await createLockstepWorker({
      connection: workerConnection,
      namespace,
      taskQueue,
      seam: { apiKey, endpoint: simulator.url, requestTimeoutMs: defaultSeamRequestTimeoutMs },
      ...(options.alerts ? { alerts: options.alerts } : {}),
      push: webhookUrl !== null,
    });
    if (options.attentionGauge) {
      const stopGauge = startAttentionGauge(workerConnection, namespace);
      cleanups.push(() => Promise.resolve(stopGauge()));
    }
    const running = runWorker(worker, options.log);
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    return {
      temporalAddress,
      namespace,
      uiUrl: options.uiPort === null ? null : `http://127.0.0.1:${options.uiPort}`,
      simulator,
      webhookUrl,
      taskQueue,
      connection,
      stop,
      abort: () => server?.abort(),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TemporalDevServerOptions {
  /** The frontend port, on 127.0.0.1. */
  port: number;
  /** Web UI port; null runs the server headless. */
  uiPort: number | null;
  /** SQLite file that keeps workflows across restarts; null keeps them in memory. */
  dbFile: string | null;
  /** The namespace the server creates at start. */
  namespace: string;
  /** Eager activity dispatch; off only to measure what it buys. @default true */
  eagerActivities?: boolean;
  /** Port of the server's Prometheus `/metrics`, on 127.0.0.1 (the bench reads it); a random one when absent. */
  metricsPort?: number;
  /** Where the server's exit (with its last stderr) is reported. */
  log: (line: string) => void;
}

export interface TemporalDevServer {
  address: string;
  pid: number;
  /** A client connection, ready (the server answered); closed by stop(). */
  connection: Connection;
  /** Closes the connection, then SIGTERM (SIGKILL after 5 s); waits for the exit. */
  stop: () => Promise<void>;
  /** SIGKILL at once. */
  abort(): void;
}

/** Starts `temporal server start-dev` (the toolchain's CLI) and waits until it answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'error',
  ];
  // lockstep's search attributes (LockstepAttention, ...), as a worker would find them registered.
  args.push(...searchAttributeFlags().flatMap((pair) => ['--search-attribute', pair]));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  args.push(...(options.uiPort === null ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  // Eager activity dispatch: the command activity starts in the same round trip that completes
  // the workflow task, one server hop fewer per lock (an official server setting, off by default).
  args.push('--dynamic-config-value', `system.enableActivityEagerExecution=${options.eagerActivities ?? true}`);
  // Its own process group: a terminal's Ctrl-C reaches only lockstep, which drains the worker
  // before it stops the server. If lockstep exits any other way, the exit hook still kills it.
  const server = spawn(temporalCliPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);
  server.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  server.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) options.log(`temporal dev server exited with ${code}: ${stderr.trim()}`);
  });
  try {
    const connection = await waitForServer(address, server);
    return {
      address,
      pid: server.pid!,
      connection,
      stop: async () => {
        await connection.close();
        await stopProcess(server);
      },
      abort: () => server.kill('SIGKILL'),
    };
  } catch (err) {
    await stopProcess(server);
    throw err;
  }
}

async function waitForServer(address: string, server: ChildProcess): Promise<Connection> {
  const deadline = Date.now() + serverReadyTimeoutMs;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(
        `the Temporal dev server exited (code ${server.exitCode}) before it was ready; is port ${address} in use?`,
      );
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(
          `the Temporal dev server at ${address} was not ready within ${serverReadyTimeoutMs} ms: ${String(err)}`,
          { cause: err },
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function runWorker(worker: Worker, log: (line: string) => void): Promise<void> {
  try {
    await worker.run();
  } catch (err) {
    log(`worker stopped: ${String(err)}`);
  }
}
