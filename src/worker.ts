/**
 * The lockstep worker: runs the lock actions (LockDoorWorkflow / UnlockDoorWorkflow), the doors
 * that order them (DoorWorkflow), stays (ReservationWorkflow), door schedules' runs
 * (ScheduledDoorActionWorkflow), their Seam activities and the alert delivery activity, on one
 * task queue. Scale out by running more of these against the same cluster.
 *
 * Configuration is read from the environment and checked before anything connects:
 * SEAM_API_KEY, SEAM_ENDPOINT, SEAM_REQUEST_TIMEOUT_MS, LOCKSTEP_TASK_QUEUE, LOCKSTEP_LOG_LEVEL,
 * LOCKSTEP_LOG_FORMAT, LOCKSTEP_ALERT_URL, LOCKSTEP_ALERT_SECRET, LOCKSTEP_METRICS_ADDR,
 * Temporal's own TEMPORAL_* variables (see ops/temporal-config.ts), and OpenTelemetry's
 * OTEL_* (traces, when an OTLP endpoint is set: see ops/tracing.ts).
 */
import { NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createActivities } from './activities';
import { createAlertActivities, type AlertConfig } from './activities/alerts';
import { createDoorActivities } from './activities/door';
import { createReservationActivities } from './activities/reservation';
import type { SeamConfig } from './activities/seam/client';
import { seamWorkspaces, singleWorkspace, type SeamWorkspacesConfig } from './activities/seam/workspaces';
import { metricBuckets } from './contract/metrics';
import {
  alertConfigFromEnv,
  ConfigError,
  isConfigError,
  logFormatFromEnv,
  logLevelFromEnv,
  metricsAddressFromEnv,
  pushFromEnv,
  seamWorkspacesFromEnv,
  taskQueueFromEnv,
  workspaceSecrets,
  type Env,
  type LogFormat,
} from './ops/config';
import { createOperatorLogger } from './ops/logging';
import { lockstepMetrics } from './activities/metrics';
import { watchAttention } from './ops/metrics';
import type { Tracing } from './ops/tracing';
import {
  startTracingIfConfigured,
  tracingFromEnv,
  workflowTracingModule,
  type TracingConfig,
} from './ops/tracing-config';
import { ensureSearchAttributes } from './ops/search-attributes';
import { onShutdownSignals } from './ops/shutdown-signals';
import { temporalConnectConfig, type TemporalConnectConfig } from './ops/temporal-config';

/** In-flight activities get this long to finish on shutdown before they are cancelled. */
export const shutdownGraceTime = '10s';

/**
 * Activity slots. A command activity holds one for its whole watch window (6 s by default)
 * while mostly sleeping between reads; with the SDK's default of 100, a burst of locks would
 * queue its capability checks behind watching commands. Memory, not CPU, bounds this.
 */
export const maxConcurrentActivities = 1000;

/** Everything `lockstep worker` reads from its environment, checked before anything connects. */
export interface WorkerConfig {
  /** LOCKSTEP_SEAM_WORKSPACES, or SEAM_API_KEY alone; SEAM_ENDPOINT, SEAM_REQUEST_TIMEOUT_MS. */
  seam: SeamWorkspacesConfig;
  /** TEMPORAL_* and the Temporal config profile. */
  temporal: TemporalConnectConfig;
  /** LOCKSTEP_TASK_QUEUE. @default 'lock-actions' */
  taskQueue: string;
  /** LOCKSTEP_LOG_LEVEL. @default 'INFO' */
  logLevel: LogLevel;
  /** LOCKSTEP_LOG_FORMAT. @default 'text' */
  logFormat: LogFormat;
  /** LOCKSTEP_ALERT_URL, LOCKSTEP_ALERT_SECRET; undefined when LOCKSTEP_ALERT_URL is unset. */
  alerts: AlertConfig | undefined;
  /** LOCKSTEP_METRICS_ADDR: Prometheus `/metrics` on host:port; undefined (off) when unset. */
  metricsAddress: string | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and the rest: undefined (off) when no endpoint is set. */
  tracing: TracingConfig | undefined;
  /** LOCKSTEP_PUSH: Seam's webhooks reach `lockstep webhooks` (see {@link LockstepWorkerOptions.push}). @default false */
  push: boolean;
}

/** @throws {ConfigError} naming the first bad variable. */
export function workerConfigFromEnv(env: Env = process.env): WorkerConfig {
  return {
    seam: seamWorkspacesFromEnv(env),
    temporal: temporalConnectConfig(env),
    taskQueue: taskQueueFromEnv(env),
    logLevel: logLevelFromEnv(env),
    logFormat: logFormatFromEnv(env),
    alerts: alertConfigFromEnv(env),
    metricsAddress: metricsAddressFromEnv(env),
    tracing: tracingFromEnv(env),
    push: pushFromEnv(env),
  };
}

/** Secrets the logs must never show. */
export function secretsOf(config: WorkerConfig): string[] {
  return [
    ...workspaceSecrets(config.seam),
    config.temporal.connectionOptions.apiKey,
    config.alerts?.secret,
    ...(config.tracing?.headerValues ?? []),
  ].filter((s): s is string => typeof s === 'string');
}

let runtimeInstalled = false;

/**
 * Installs the process's Temporal runtime (once): all Temporal and workflow logs through the
 * redacting one-line logger and, with `metricsAddress`, Prometheus `/metrics` there — the
 * runtime's metrics (`temporal_*`) and lockstep's own (`lockstep_*`, contract/metrics.ts).
 */
export function installOperatorRuntime(options: {
  level: LogLevel;
  secrets: readonly string[];
  format?: LogFormat;
  metricsAddress?: string;
}): void {
  if (runtimeInstalled) return;
  try {
    installRuntime(options);
  } catch (err) {
    // The exporter could not bind (the address is in use, or not this machine's): a configuration error.
    if (options.metricsAddress && /metrics|address|socket/i.test(String(err)))
      throw new ConfigError(
        'LOCKSTEP_METRICS_ADDR',
        `cannot serve metrics on ${options.metricsAddress}: ${String(err)}`,
      );
    throw err;
  }
  runtimeInstalled = true;
}

function installRuntime(options: Parameters<typeof installOperatorRuntime>[0]): void {
  Runtime.install({
    logger: createOperatorLogger(options.level, options.secrets, options.format ?? 'text'),
    shutdownSignals: [],
    ...(options.metricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress: options.metricsAddress, histogramBucketOverrides: metricBuckets },
            },
          },
        }
      : {}),
  });
}

/**
 * The workflow code: the bundle `make build` writes next to the compiled worker (webpack costs
 * seconds at every start otherwise) — with the OpenTelemetry workflow interceptors when traced —
 * or the workflow sources bundled now when there is none.
 */
export function workflowCode(
  traced: boolean,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  const prebuilt = join(__dirname, traced ? 'workflow-bundle-traced.js' : 'workflow-bundle.js');
  if (existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return {
    workflowsPath: require.resolve('./workflows'),
    ...(traced ? { interceptors: { workflowModules: [require.resolve(workflowTracingModule)] } } : {}),
  };
}

export interface LockstepWorkerOptions {
  /** A connection to the Temporal frontend; the caller closes it after the worker stops. */
  connection: NativeConnection;
  /** The namespace to poll; `lockstep worker` reads TEMPORAL_NAMESPACE (`default` when unset). */
  namespace: string;
  /** The task queue to poll; `lockstep worker` reads LOCKSTEP_TASK_QUEUE (`lock-actions` when unset). */
  taskQueue: string;
  /** How the activities reach Seam: one workspace (the default), or several by alias; keys stay in this process. */
  seam: SeamConfig | SeamWorkspacesConfig;
  /**
   * Where the alert activity POSTs alerts, signed with the secret (which stays in this process);
   * `lockstep worker` reads LOCKSTEP_ALERT_URL and LOCKSTEP_ALERT_SECRET.
   * @default none: alerts are logged at WARN, not sent, and stay readable in the workflows' histories
   */
  alerts?: AlertConfig;
  /**
   * Workflow code built elsewhere (tests bundle once per run); with `tracing`, it must hold the
   * OpenTelemetry workflow interceptors.
   * @default the bundle `make build` writes beside the compiled worker, else the sources bundled at start
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Traces (ops/tracing.ts): the activity interceptors and the workflow span sink. @default none */
  tracing?: Tracing;
  /**
   * Seam's webhooks reach a `lockstep webhooks` receiver for every workspace served: doors do
   * not watch attempts in process, they wait for the push and read only as a safety net
   * (`lockstep worker` reads LOCKSTEP_PUSH). Off while webhooks are not set up: every lost
   * webhook would cost seconds.
   * @default false
   */
  push?: boolean;
}

function workspacesOf(seam: SeamConfig | SeamWorkspacesConfig): SeamWorkspacesConfig {
  return 'workspaces' in seam ? seam : singleWorkspace(seam);
}

/**
 * Creates a worker for a connection; the caller runs and shuts it down. Its activity slots
 * ({@link maxConcurrentActivities}) and shutdown grace ({@link shutdownGraceTime}) are fixed.
 */
export async function createLockstepWorker(options: LockstepWorkerOptions): Promise<Worker> {
  // The runtime's meter: a no-op unless the runtime exports metrics (LOCKSTEP_METRICS_ADDR).
  const metrics = lockstepMetrics(Runtime.instance().metricMeter);
  const workspaces = seamWorkspaces(workspacesOf(options.seam), metrics.seamRequest);
  const code: ReturnType<typeof workflowCode> = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : workflowCode(options.tracing !== undefined);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...code,
    ...(options.tracing
      ? {
          interceptors: { ...code.interceptors, ...options.tracing.worker.interceptors },
          sinks: options.tracing.worker.sinks,
        }
      : {}),
    activities: {
      ...createActivities(workspaces, metrics, { push: options.push ?? false }),
      ...createDoorActivities(),
      ...createReservationActivities(workspaces.serves),
      ...createAlertActivities(options.alerts, { metrics }),
    },
    shutdownGraceTime,
    maxConcurrentActivityTaskExecutions: maxConcurrentActivities,
  });
}

/**
 * Runs `worker` until SIGINT / SIGTERM. The first signal drains it: no new tasks, in-flight
 * activities get the grace time (a watching command hands its attempt back to the workflow's
 * durable polling). A second signal exits at once.
 */
export async function runUntilSignal(worker: Worker, log: (line: string) => void): Promise<void> {
  const removeHandlers = onShutdownSignals({
    first: (signal) => {
      log(
        `${signal}: shutting down; in-flight activities have ${shutdownGraceTime} to finish (signal again to exit now)`,
      );
      worker.shutdown();
    },
    again: (signal) => log(`${signal} again: exiting now`),
  });
  try {
    await worker.run();
  } finally {
    removeHandlers();
  }
}

/** The `lockstep_attention_workflows` gauge, counted on `namespace` through `connection`; returns stop. */
export function startAttentionGauge(connection: NativeConnection, namespace: string): () => void {
  return watchAttention(
    Runtime.instance().metricMeter,
    async (query) => {
      const { count } = await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return Number(count?.toString() ?? 0);
    },
    (message) => {
      Runtime.instance().logger.warn(message);
    },
  );
}

/**
 * `lockstep worker`: a worker from `env` until SIGINT / SIGTERM. `workflowBundle` replaces
 * lockstep's workflow code (make bench's baseline worker); not for production.
 */
export async function run(env: Env = process.env, workflowBundle?: WorkerOptions['workflowBundle']): Promise<void> {
  const config = workerConfigFromEnv(env);
  installOperatorRuntime({
    level: config.logLevel,
    secrets: secretsOf(config),
    format: config.logFormat,
    metricsAddress: config.metricsAddress,
  });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  let stopAttentionGauge = () => undefined as void;
  let tracing: Tracing | undefined;
  try {
    const added = await ensureSearchAttributes(connection.operatorService, config.temporal.namespace);
    if (added.length > 0) Runtime.instance().logger.info('registered lockstep search attributes', { added });
    // Counted once the search attributes exist (a fresh namespace would warn otherwise).
    if (config.metricsAddress) stopAttentionGauge = startAttentionGauge(connection, config.temporal.namespace);
    tracing = await startTracingIfConfigured(config.tracing);
    const worker = await createLockstepWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      seam: config.seam,
      alerts: config.alerts,
      push: config.push,
      ...(tracing ? { tracing } : {}),
      ...(workflowBundle ? { workflowBundle } : {}),
    });
    Runtime.instance().logger.info('lockstep worker started', {
      address: config.temporal.connectionOptions.address,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      // Aliases and hosts only: never a key.
      seamWorkspaces: Object.entries(config.seam.workspaces)
        .map(
          ([alias, w]) =>
            `${alias}${alias === config.seam.defaultAlias ? ' (default)' : ''} at ${new URL(w.endpoint).host}`,
        )
        .join(', '),
      // The host only: the URL's path or query may carry a token.
      alertReceiver: config.alerts ? new URL(config.alerts.url).host : 'none (LOCKSTEP_ALERT_URL is not set)',
      metrics: config.metricsAddress
        ? `http://${config.metricsAddress}/metrics`
        : 'off (LOCKSTEP_METRICS_ADDR is not set)',
      push: config.push
        ? "on (doors wait for Seam's webhooks; reads are a safety net)"
        : 'off (LOCKSTEP_PUSH is not on: doors watch their attempts)',
      traces: config.tracing
        ? `OTLP to ${new URL(config.tracing.endpoint).host}`
        : 'off (no OTEL_EXPORTER_OTLP_ENDPOINT)',
    });
    await runUntilSignal(worker, (line) => {
      Runtime.instance().logger.info(line);
    });
  } finally {
    stopAttentionGauge();
    // Spans still buffered go out before the process ends (the exporter's own timeout bounds it).
    await tracing?.shutdown();
    await connection.close();
  }
}

if (require.main === module) {
  run().catch((err) => {
    console.error(isConfigError(err) ? `lockstep worker: configuration error: ${err.message}` : err);
    // The CLI's codes: 78 configuration error, 3 anything else (1 means a lock action failed).
    process.exit(isConfigError(err) ? 78 : 3);
  });
}
