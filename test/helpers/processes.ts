/**
 * Real processes for end-to-end tests: the compiled `lockstep` CLI (built by `make build`) and
 * the `temporal` CLI the toolchain installs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cleanEnv, startProcess, type Running } from '../../src/dev/processes';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export { freePort } from '../../src/dev/free-port';
export type { Running } from '../../src/dev/processes';

export const repoRoot = resolve(__dirname, '..', '..');
const lockstepBin = resolve(repoRoot, 'bin', 'lockstep');

export function assertBuilt(): void {
  if (!existsSync(resolve(repoRoot, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `make build` (make test does it) before the end-to-end tests');
  }
}

/** An environment with no SEAM_* / TEMPORAL_* / LOCKSTEP_* / OTEL_* from the developer's shell. */
export { cleanEnv };

export interface Finished {
  code: number | null;
  /** The signal that ended it, when one did (code is then null). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export function runLockstep(args: string[], env: Record<string, string>, timeoutMs?: number): Promise<Finished> {
  return runProcess(process.execPath, [lockstepBin, ...args], env, timeoutMs);
}

/**
 * Processes `startLockstep` started that are still running. A test that fails before it stops
 * its own would leave them holding the test run open: each test file's afterAll kills what is left.
 */
const liveProcesses = new Set<ChildProcess>();
// Under jest only (the fault suite, run by tsx, imports this too and stops its own processes).
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const child of liveProcesses) child.kill('SIGKILL');
  });
}

export function startLockstep(args: string[], env: Record<string, string>): Running {
  const running = startProcess(process.execPath, [lockstepBin, ...args], { env, cwd: repoRoot });
  liveProcesses.add(running.child);
  running.child.once('close', () => liveProcesses.delete(running.child));
  return running;
}

/** True while `pid` runs; a zombie (exited, not yet reaped by init) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits up to `timeoutMs` for every pid to be gone; returns those still running. */
export async function stillRunning(pids: number[], timeoutMs = 5_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > until) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Direct children of `pid` (from /proc). */
export async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await runProcess('pgrep', ['-P', String(pid)], cleanEnv(), 5_000);
  return stdout.split('\n').filter(Boolean).map(Number);
}
