/**
 * Where the two Temporal servers live. `make toolchain` (scripts/install-toolchain.sh) puts
 * them under <repo>/.tools; TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH point at your own.
 * Nothing here downloads: a missing server is an error that says how to install it.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

function executable(envVar: string, bundled: string, what: string): string {
  const path = process.env[envVar] || resolve(repoRoot, '.tools', 'bin', bundled);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${what} not found at ${path}: run \`make toolchain\` (or set ${envVar} to your own binary)`);
  }
  return path;
}

/** The Temporal CLI, whose `server start-dev` is the real (dev) Temporal server. */
export function temporalCliPath(): string {
  return executable('TEMPORAL_CLI_PATH', 'temporal', 'Temporal CLI');
}

/** Temporal's Java time-skipping test server launcher (`<exe> <port>`). */
export function temporalTestServerPath(): string {
  return executable('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', 'Temporal time-skipping test server');
}
