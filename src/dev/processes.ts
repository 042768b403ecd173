/**
 * Child processes the development stacks run (the Temporal cluster's services, PostgreSQL,
 * lockstep workers) and tests drive: output kept, waits on a line, stopped with a grace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** `env`'s variables whose names `excluded` does not match (and that are set). */
export function envWithout(excluded: RegExp, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !excluded.test(e[0])),
  );
}

/**
 * `env` (the process's own by default) without the variables that configure lockstep, Seam,
 * Temporal or OpenTelemetry, with `extra` on top: a child that gets only what it is given.
 */
export function cleanEnv(
  extra: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return { ...envWithout(/^(SEAM_|TEMPORAL_|LOCKSTEP_|OTEL_)/, env), ...extra };
}

export interface Running {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves once the combined output matches `pattern`; rejects if it exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Its exit code (null when a signal ended it), once it has exited and closed its output. */
  exited: Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string>;
  cwd: string;
  /** Its own process group: a terminal's Ctrl-C reaches only the parent, which stops it in order. */
  detached?: boolean;
  /** Keep only the last this many characters of output (long-running servers). @default unbounded */
  keepOutputChars?: number;
}

export function startProcess(command: string, args: string[], options: StartOptions): Running {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.keepOutputChars !== undefined && output.length > 2 * options.keepOutputChars)
      output = output.slice(-options.keepOutputChars);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.on('error', (err) => onData(Buffer.from(`\n${command}: ${err.message}\n`)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`no ${pattern} in the output of ${command} within ${timeoutMs} ms:\n${output.slice(-4_000)}`),
          );
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (pattern.test(output)) return;
          clearTimeout(timer);
          reject(new Error(`${command} exited before ${pattern}:\n${output.slice(-4_000)}`));
        });
        check();
      });
    },
  };
}

/** SIGTERM (or `signal`), then SIGKILL if it has not exited within `graceMs`; waits for the exit. */
export async function stopProcess(
  child: ChildProcess,
  graceMs = 5_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface LoggedOptions {
  /** Appended to; the process writes stdout and stderr there. */
  logPath: string;
  env?: Record<string, string>;
  /** Run as this user (PostgreSQL refuses root). */
  uid?: number;
  gid?: number;
  /**
   * What it gets if the parent exits before stopping it. @default 'SIGKILL' (PostgreSQL wants
   * SIGQUIT: a SIGKILL'd postmaster leaves its backends holding the data folder)
   */
  killOnParentExit?: NodeJS.Signals;
}

/**
 * A long-running part (a server, a worker) with its output in a log file, in its own process
 * group: a terminal's Ctrl-C reaches only the parent, which stops its parts in order. Killed
 * if the parent exits any other way.
 */
export function spawnLogged(command: string, args: string[], options: LoggedOptions): ChildProcess {
  const fd = openSync(options.logPath, 'a');
  const { uid, gid, env } = options;
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    detached: true,
    ...(env ? { env } : {}),
    ...(uid !== undefined && gid !== undefined ? { uid, gid } : {}),
  });
  closeSync(fd);
  const killOnExit = () => child.kill(options.killOnParentExit ?? 'SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

/**
 * For a script that runs logged parts and has no shutdown of its own (the fault suite, the
 * bench): SIGINT or SIGTERM exits at once, and the parts get their `killOnParentExit` signal.
 */
export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}
