/**
 * Where the Temporal servers live (the dev server, the time-skipping server, and the cluster's
 * services with PostgreSQL). `make toolchain` (scripts/install-toolchain.sh) puts
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

/** The Temporal server version `make cluster` runs (scripts/install-cluster.sh installs it). */
export const clusterServerVersion = '1.29.1';
/** The PostgreSQL major version it stores into (Debian 12's). */
export const clusterPostgresMajor = 15;

export interface ClusterTools {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** The module's PostgreSQL schema folder: `temporal/versioned`, `visibility/versioned`. */
  schemaDir: string;
  /** PostgreSQL's programs (initdb, postgres, pg_isready). */
  postgresBin: string;
}

/** Where `make cluster` finds the Temporal server, its SQL tool and PostgreSQL; an error naming the install step when missing. */
export function clusterToolPaths(): ClusterTools {
  const dir = resolve(repoRoot, '.tools', `cluster-v${clusterServerVersion}`);
  const install = 'run `make cluster` (or bash scripts/install-cluster.sh)';
  const tools: ClusterTools = {
    server: resolve(dir, 'bin', 'temporal-server'),
    sqlTool: resolve(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: resolve(dir, 'schema'),
    postgresBin: `/usr/lib/postgresql/${clusterPostgresMajor}/bin`,
  };
  for (const path of [tools.server, tools.sqlTool, `${tools.postgresBin}/postgres`, `${tools.postgresBin}/initdb`]) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(`${path} not found: ${install}`);
    }
  }
  return tools;
}
