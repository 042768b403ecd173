/**
 * `lockstep`: lock and unlock doors, follow a lock action, manage door schedules, run a worker,
 * run the embedded dev stack or the simulator alone. One file per command; this one dispatches and maps errors to
 * exit codes. Arguments are checked (zod, the workflow's own input schema) before anything
 * connects, so a bad argument starts nothing.
 *
 * Exit codes: 0 success · 1 the lock action failed (its code is printed) · 2 usage error ·
 * 3 could not reach Temporal or another runtime error · 78 configuration error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLockActionInputError } from '../client';
import { isConfigError } from '../ops/config';
import { run as runWorkerProcess } from '../worker';
import { exitCodes, UsageError, type Io } from './args';
import { attentionCommand } from './attention';
import { runDemo } from './demo';
import { clusterCommand } from './cluster';
import { devCommand } from './dev';
import { doorCommand } from './door';
import { lockCommand } from './lock';
import { scheduleCommand } from './schedule';
import { reservationCommand } from './reservation';
import { simulatorCommand } from './simulator';
import { statusCommand } from './status';
import { webhooksCommand } from './webhooks';

export { exitCodes, UsageError } from './args';
export { lockInputFromArgs } from './lock';

const usage = `lockstep — durable lock and unlock actions on Seam, run by Temporal

Usage:
  lockstep --version         (or: lockstep version)
  lockstep <command> --help  the usage of one command
  lockstep lock <deviceId>   [--request-id ID] [--timeout DURATION] [--json]
  lockstep unlock <deviceId> [--not-after ISO-8601] [--request-id ID] [--timeout DURATION] [--json]
  lockstep status <workflowId> [--json]
  lockstep schedule create   --id ID --lock|--unlock --device ID... --at HH:MM... --tz ZONE [--days mon-fri]
                             [--skip MM-DD[..MM-DD]]... [--unlock-window DURATION] [--note TEXT] [--json]
  lockstep schedule create   --file DEFINITION.json [--json]
  lockstep schedule list     [--json]
  lockstep schedule describe <scheduleId> [--json]
  lockstep schedule pause|unpause <scheduleId> [--note TEXT]
  lockstep schedule trigger|delete <scheduleId>
  lockstep reservation upsert --file FILE|- [--json]   the reservation JSON (- reads it from stdin)
  lockstep reservation upsert --key KEY --door ID [--door ID ...] --check-in ISO-8601 --check-out ISO-8601
                             [--unlock-at-check-in] [--unlock-window 15m] [--no-lock-at-check-out]
                             [--lock-retry-horizon 24h] [--attention-after 10m] [--watch-after-check-out 1h] [--json]
  lockstep reservation show <reservationKey> [--json]
  lockstep reservation check-out-now <reservationKey> [--json]
  lockstep reservation cancel <reservationKey> [--json]
  lockstep door <deviceId>   [--json]   what the door knows, runs and holds
  lockstep attention         [--json]   everything that needs a person (exit 1 when anything does)
  lockstep worker            run a worker (SEAM_API_KEY, SEAM_ENDPOINT, TEMPORAL_* from the environment)
  lockstep webhooks          the Seam webhook receiver (LOCKSTEP_WEBHOOK_ADDR, SEAM_WEBHOOK_SECRET, TEMPORAL_*)
  lockstep dev               [--port 7233] [--ui-port 8233 | --headless] [--simulator-port 8787] [--webhook-port 8788]
                             [--db-file PATH | --in-memory]
  lockstep demo              bring up the dev stack on free ports, run the demo lock actions, tear down
  lockstep cluster           [--port 7233] [--workers 2] [--simulator-port 8787] [--data-dir .data/cluster]
                             a real Temporal cluster (PostgreSQL, services as processes), the simulator, N workers
  lockstep simulator         [--port 8787] [--demo-devices]   the Seam simulator alone (SEAM_API_KEY: the key it accepts)

Durations: milliseconds, ISO-8601 (PT2M) or words (90s, 2 minutes).
Exit codes: 0 success, 1 lock action failed, change refused, no such stay or door, or attention needed,
            2 usage error (nothing sent), 3 runtime error, 78 configuration error.`;

/** The version in package.json (one place for it), as `lockstep --version` prints it. */
export function lockstepVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The usage lines of one command (`lockstep <command> --help`): its lines of the usage text,
 * with their continuation lines, and the closing notes; undefined for a command it does not name.
 */
export function commandUsage(command: string): string | undefined {
  const lines = usage.split('\n');
  const mine: string[] = [];
  let inCommand = false;
  for (const line of lines) {
    if (line.startsWith('  lockstep '))
      inCommand = line.startsWith(`  lockstep ${command} `) || line === `  lockstep ${command}`;
    else if (!line.startsWith('    ')) inCommand = false;
    if (inCommand) mine.push(line);
  }
  if (mine.length === 0) return undefined;
  return ['Usage:', ...mine, '', ...lines.slice(lines.findIndex((l) => l.startsWith('Durations:')))].join('\n');
}

const helpFlags = ['--help', '-h'];

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === '-v' || command === 'version') {
      io.out(`lockstep ${lockstepVersion()}`);
      return exitCodes.ok;
    }
    // Help is asked as `lockstep <command> --help` or `lockstep <command> <sub> --help`; a
    // `--help` further on may be another flag's value (`--note -h`), not a question.
    const asksHelp = helpFlags.includes(rest[0] ?? '') || (rest.length === 2 && helpFlags.includes(rest[1]));
    const help = command !== undefined && asksHelp ? commandUsage(command) : undefined;
    if (help !== undefined) {
      io.out(help);
      return exitCodes.ok;
    }
    switch (command) {
      case 'lock':
        return await lockCommand(io, 'LOCK_DOOR', rest);
      case 'unlock':
        return await lockCommand(io, 'UNLOCK_DOOR', rest);
      case 'status':
        return await statusCommand(io, rest);
      case 'schedule':
        return await scheduleCommand(io, rest);
      case 'reservation':
        return await reservationCommand(io, rest);
      case 'door':
        return await doorCommand(io, rest);
      case 'attention':
        return await attentionCommand(io, rest);
      case 'worker':
        if (rest.length > 0) throw new UsageError('worker takes no arguments; configure it with environment variables');
        await runWorkerProcess(io.env);
        return exitCodes.ok;
      case 'webhooks':
        return await webhooksCommand(io, rest);
      case 'dev':
        return await devCommand(io, rest);
      case 'simulator':
        return await simulatorCommand(io, rest);
      case 'cluster':
        return await clusterCommand(io, rest);
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
