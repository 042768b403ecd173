/**
 * `lockstep`: lock and unlock doors, follow a lock action, run a worker, run the embedded dev
 * stack. Arguments are checked (zod, the workflow's own input schema) before anything connects,
 * so a bad argument starts nothing.
 *
 * Exit codes: 0 success · 1 the lock action failed (its code is printed) · 2 usage error ·
 * 3 could not reach Temporal or another runtime error · 78 configuration error.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectClient, isLockActionInputError, startLockAction, type LockActionOutcome } from '../client';
import { isConfigError, seamConfigFromEnv, taskQueueFromEnv } from '../config';
import { checkLockActionInput, type LockAction, type LockActionInput } from '../contract';
import { devStackDefaults, newDevSeamApiKey, startDevStack } from '../dev-stack';
import { onShutdownSignals } from '../shutdown-signals';
import { demoDeviceScenarios } from '../simulator/demo-devices';
import { startSeamSimulator } from '../simulator/seam-simulator';
import { installOperatorLogging, logLevelFromEnv, run as runWorkerProcess } from '../worker';
import { runDemo } from './demo';
import { followLockAction } from './follow';
import { progressLine, renderOutcome } from './render';

export const exitCodes = { ok: 0, actionFailed: 1, usage: 2, runtime: 3, config: 78 } as const;

const usage = `lockstep — durable lock and unlock actions on Seam, run by Temporal

Usage:
  lockstep lock <deviceId>   [--request-id ID] [--timeout DURATION] [--json]
  lockstep unlock <deviceId> [--not-after ISO-8601] [--request-id ID] [--timeout DURATION] [--json]
  lockstep status <workflowId> [--json]
  lockstep worker            run a worker (SEAM_API_KEY, SEAM_ENDPOINT, TEMPORAL_* from the environment)
  lockstep dev               [--port 7233] [--ui-port 8233 | --headless] [--simulator-port 8787] [--db-file PATH | --in-memory]
  lockstep demo              bring up the dev stack on free ports, run the demo lock actions, tear down
  lockstep simulator         [--port 8787] [--demo-devices]   the Seam simulator alone (SEAM_API_KEY: the key it accepts)

Durations: milliseconds, ISO-8601 (PT2M) or words (90s, 2 minutes).
Exit codes: 0 success, 1 lock action failed, 2 usage error, 3 runtime error, 78 configuration error.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

type Env = Record<string, string | undefined>;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  env: Env;
}

const portSchema = z.coerce.number().int().min(1).max(65535);

function parse(argv: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function portOption(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const parsed = portSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--${name} must be a port number (1-65535)`);
  return parsed.data;
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0];
}

/** Builds and checks the workflow input from CLI arguments; nothing connects before this passes. */
export function lockInputFromArgs(action: LockAction, argv: string[]): { input: LockActionInput; json: boolean } {
  const { values, positionals } = parse(argv, {
    'request-id': { type: 'string' },
    'not-after': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const deviceId = onePositional(positionals, 'deviceId');
  const timeout = values.timeout as string | undefined;
  const input: LockActionInput = {
    deviceId,
    ...(values['request-id'] !== undefined ? { requestId: values['request-id'] as string } : {}),
    ...(values['not-after'] !== undefined ? { notAfter: values['not-after'] as string } : {}),
    ...(timeout ? { timeout: /^\d+$/.test(timeout) ? Number(timeout) : timeout } : {}),
  };
  if (action === 'LOCK_DOOR' && input.notAfter) throw new UsageError('--not-after applies to unlock only');
  const checked = checkLockActionInput(input, { nowMs: Date.now() });
  if (!checked.ok) throw new UsageError(checked.issues.join('; '));
  return { input, json: values.json === true };
}

function report(io: Io, action: LockAction, deviceId: string, outcome: LockActionOutcome, json: boolean): number {
  if (json) io.out(JSON.stringify(outcome.ok ? outcome.result : outcome.report, null, 2));
  else io.out(renderOutcome(action, deviceId, outcome));
  return outcome.ok ? exitCodes.ok : exitCodes.actionFailed;
}

async function withClient<T>(io: Io, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(io.env);
  try {
    return await use(client);
  } finally {
    await client.connection.close();
  }
}

async function lockCommand(io: Io, action: LockAction, argv: string[]): Promise<number> {
  const { input, json } = lockInputFromArgs(action, argv);
  const taskQueue = taskQueueFromEnv(io.env);
  return withClient(io, async (client) => {
    const handle = await startLockAction(client, action, input, { taskQueue });
    if (!json && io.isTTY) io.err(`started ${handle.workflowId}`);
    const outcome = await followLockAction(
      handle,
      !json && io.isTTY ? (p) => io.err(progressLine(action, input.deviceId, p)) : undefined,
    );
    return report(io, action, input.deviceId, outcome, json);
  });
}

async function statusCommand(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
  const workflowId = onePositional(positionals, 'workflowId');
  return withClient(io, async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError)
        throw new UsageError(`no workflow ${workflowId} in namespace ${client.options.namespace}`);
      throw err;
    });
    const action: LockAction = description.type === 'UnlockDoorWorkflow' ? 'UNLOCK_DOOR' : 'LOCK_DOOR';
    const deviceId = workflowId.split('/')[1] ?? workflowId;
    if (description.status.name === 'RUNNING') {
      const progress = await handle.query('progress');
      io.out(
        values.json
          ? JSON.stringify({ status: 'RUNNING', progress }, null, 2)
          : progressLine(action, deviceId, progress as never),
      );
      return exitCodes.ok;
    }
    return report(io, action, deviceId, await followLockAction(handle), values.json === true);
  });
}

async function devCommand(io: Io, argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    headless: { type: 'boolean', default: false },
    'simulator-port': { type: 'string' },
    'db-file': { type: 'string' },
    'in-memory': { type: 'boolean', default: false },
  });
  const port = (name: string, fallback: number) => portOption(values[name], name, fallback);
  const temporalPort = port('port', devStackDefaults.temporalPort);
  const seamApiKey = newDevSeamApiKey();
  installOperatorLogging(logLevelFromEnv(io.env), [seamApiKey]);
  const options = {
    seamApiKey,
    temporalPort,
    // Temporal's convention: the Web UI listens 1000 above the frontend port (7233 -> 8233).
    uiPort: values.headless ? null : port('ui-port', temporalPort + 1000),
    simulatorPort: port('simulator-port', devStackDefaults.simulatorPort),
    dbFile: values['in-memory'] ? null : ((values['db-file'] as string | undefined) ?? devStackDefaults.dbFile),
    taskQueue: taskQueueFromEnv(io.env),
    log: io.err,
  };
  const stack = await startDevStack(options);
  io.out(
    [
      'lockstep dev stack is up',
      `  Temporal        ${stack.temporalAddress} (namespace ${stack.namespace})`,
      `  Web UI          ${stack.uiUrl ?? 'off (--headless)'}`,
      `  Seam simulator  ${stack.simulator.url} (devices: ${[...stack.simulator.deviceIds()].join(', ')})`,
      `  task queue      ${stack.taskQueue}`,
      `  state           ${options.dbFile ?? 'in memory'}`,
      'Try: lockstep lock demo-instant-lock    (Ctrl-C stops everything)',
      'ready',
    ].join('\n'),
  );
  await new Promise<void>((resolve) =>
    onShutdownSignals({
      first: () => {
        io.err('stopping the dev stack (signal again to exit now)');
        resolve();
      },
      again: () => {
        io.err('stopping now');
        stack.abort();
      },
    }),
  );
  await stack.stop();
  io.err('dev stack stopped');
  return exitCodes.ok;
}

/** The Seam simulator as a process of its own (fault suites kill and restart it like a Seam outage). */
async function simulatorCommand(io: Io, argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, 'demo-devices': { type: 'boolean', default: false } });
  const port = portOption(values.port, 'port', devStackDefaults.simulatorPort);
  const apiKey = seamConfigFromEnv({ SEAM_API_KEY: io.env.SEAM_API_KEY }).apiKey;
  const simulator = await startSeamSimulator({
    apiKey,
    port,
    devices: values['demo-devices'] ? demoDeviceScenarios : [],
  });
  io.out(`ready ${simulator.url}`);
  await new Promise<void>((resolve) => onShutdownSignals({ first: () => resolve(), again: () => undefined }));
  await simulator.close();
  return exitCodes.ok;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'lock':
        return await lockCommand(io, 'LOCK_DOOR', rest);
      case 'unlock':
        return await lockCommand(io, 'UNLOCK_DOOR', rest);
      case 'status':
        return await statusCommand(io, rest);
      case 'worker':
        if (rest.length > 0) throw new UsageError('worker takes no arguments; configure it with environment variables');
        await runWorkerProcess(io.env);
        return exitCodes.ok;
      case 'dev':
        return await devCommand(io, rest);
      case 'simulator':
        return await simulatorCommand(io, rest);
      case 'demo':
        if (rest.length > 0) throw new UsageError('demo takes no arguments');
        return await runDemo(io);
      case 'help':
      case '--help':
      case '-h':
        io.out(usage);
        return exitCodes.ok;
      default:
        throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
    }
  } catch (err) {
    if (err instanceof UsageError || isLockActionInputError(err)) {
      io.err(`lockstep: ${err.message}\n\n${usage}`);
      return exitCodes.usage;
    }
    if (isConfigError(err)) {
      io.err(`lockstep: configuration error: ${err.message}`);
      return exitCodes.config;
    }
    io.err(`lockstep: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodes.runtime;
  }
}

/** Runs the CLI on this process's arguments and exits with its code. */
export function cli(): void {
  const io: Io = {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(exitCodes.runtime);
    },
  );
}

if (require.main === module) cli();
