/**
 * A real Temporal cluster on this machine: PostgreSQL holding both databases (created and
 * migrated by the server's own SQL tool), and the server's four services — history, matching,
 * frontend, the internal worker — each its own process on loopback, as a self-hosted
 * deployment runs them; the namespace and lockstep's search attributes registered. `make cluster` runs it with the Seam simulator and lockstep workers
 * (src/cli/cluster.ts); the cluster fault suite kills and restarts its parts.
 *
 * Data lives in `dataDir` (PostgreSQL's files, the generated configs, one log per part); a
 * second start reuses it. Ports are picked afresh at every start (the frontend's is given).
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { connect } from 'node:net';
import { isFree } from './free-port';
import { ensureSearchAttributes } from '../ops/search-attributes';
import { spawnLogged, stopProcess } from './processes';
import { clusterToolPaths, type ClusterTools } from './toolchain';

export const clusterServices = ['history', 'matching', 'frontend', 'worker'] as const;
export type ClusterService = (typeof clusterServices)[number];
/** What the cluster fault suite may kill: a service, or the database. */
export type ClusterPart = ClusterService | 'postgres';

export interface ClusterOptions {
  /** PostgreSQL's data, the configs and the logs (`make cluster`: `.data/cluster`). */
  dataDir: string;
  /** The frontend's gRPC port, on 127.0.0.1. */
  frontendPort: number;
  /** @default 'default' */
  namespace?: string;
  /** Where the cluster's own lines go (a part that exits, cleanup errors). */
  log: (line: string) => void;
}

/** Bounds of the start: a cold cluster (initdb, schema, four services, namespace) takes ~3 s on 2 cores, 1 s warm. */
const readyTimeoutMs = 90_000;

/** The database user and its password (loopback only, `trust` authentication: a development cluster). */
const dbUser = 'temporal';

interface Ports {
  postgres: number;
  grpc: Record<ClusterService, number>;
  membership: Record<ClusterService, number>;
  metrics: Record<ClusterService, number>;
  frontendHttp: number;
}

export class TemporalCluster {
  readonly address: string;
  readonly namespace: string;
  /** A client connection, ready; closed by stop(). */
  connection!: Connection;
  private readonly tools: ClusterTools;
  private readonly running = new Map<ClusterPart, ChildProcess>();
  private ports!: Ports;
  private stopping = false;
  /** Parts that exited without being crashed or stopped: `<part> (<signal or code>)`. */
  readonly unplannedExits: string[] = [];

  private constructor(private readonly options: ClusterOptions) {
    this.tools = clusterToolPaths();
    this.namespace = options.namespace ?? 'default';
    this.address = `127.0.0.1:${options.frontendPort}`;
  }

  /** Brings the cluster up: database, schema, services, namespace; resolves once it accepts workflow starts. */
  static async start(options: ClusterOptions): Promise<TemporalCluster> {
    if (options.frontendPort > maxClusterPort)
      throw new Error(`the frontend port must be at most ${maxClusterPort} (the server keeps it in a smallint column)`);
    const cluster = new TemporalCluster(options);
    try {
      await cluster.bringUp();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** The Prometheus `/metrics` address of each service (CPU, persistence latency, ...). */
  metricsAddresses(): Record<ClusterService, string> {
    const entries = clusterServices.map((s) => [s, `127.0.0.1:${this.ports.metrics[s]}`] as const);
    return Object.fromEntries(entries) as Record<ClusterService, string>;
  }

  /** The pid of a running part (for CPU accounting); undefined when it is down. */
  pidOf(part: ClusterPart): number | undefined {
    return this.running.get(part)?.pid;
  }

  /**
   * Crashes a part: SIGKILL for a service; for PostgreSQL an immediate shutdown (SIGQUIT to the
   * postmaster: no checkpoint, crash recovery at the next start, as after a power cut) — a
   * SIGKILL'd postmaster leaves its backends holding the data directory.
   */
  async crash(part: ClusterPart): Promise<void> {
    const child = this.running.get(part);
    if (!child) return;
    this.running.delete(part);
    await stopProcess(child, 10_000, part === 'postgres' ? 'SIGQUIT' : 'SIGKILL');
  }

  /** Starts a part that is down (after {@link crash}), on the same ports and data; resolves once it listens. */
  async restart(part: ClusterPart): Promise<void> {
    if (this.running.has(part)) return;
    if (part === 'postgres') return this.startPostgres();
    this.startService(part);
    // The internal worker serves nothing before the frontend is healthy: the namespace probe
    // (ensureNamespace) is what says the cluster is up.
    if (part !== 'worker')
      await waitForPort(this.ports.grpc[part], `the ${part} service`, () => this.running.has(part), this.logPath(part));
  }

  /** Stops the services, then PostgreSQL (a clean shutdown), and waits for every exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.connection?.close().catch(() => undefined);
    await Promise.all(clusterServices.map((s) => this.stopPart(s)));
    await this.stopPart('postgres');
  }

  private async stopPart(part: ClusterPart): Promise<void> {
    const child = this.running.get(part);
    this.running.delete(part);
    // PostgreSQL's SIGINT is its fast shutdown: clients disconnected, a checkpoint, then exit.
    if (child)
      await stopProcess(child, part === 'postgres' ? 15_000 : 5_000, part === 'postgres' ? 'SIGINT' : 'SIGTERM');
  }

  private async bringUp(): Promise<void> {
    const dir = resolve(this.options.dataDir);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    chmodSync(dir, 0o755); // PostgreSQL's user must reach its folder inside it
    mkdirSync(join(dir, 'config'), { recursive: true });
    this.ports = await pickPorts(this.options.frontendPort);
    await this.startPostgres();
    await this.migrate();
    this.writeConfigs();
    // One after another, each once it listens: services that start together race to write the
    // cluster's metadata on a new database, and the loser exits.
    for (const service of clusterServices) await this.restart(service);
    this.connection = await this.waitForFrontend();
    await this.ensureNamespace();
    // lockstep's search attributes, as the dev server registers them (a worker would add them too).
    await ensureSearchAttributes(this.connection.operatorService, this.namespace);
  }

  // -------------------------------------------------------------------------------------------
  // PostgreSQL

  private get pgData(): string {
    return join(resolve(this.options.dataDir), 'postgres');
  }

  private async startPostgres(): Promise<void> {
    const owner = postgresOwner();
    const socketDir = join(resolve(this.options.dataDir), 'postgres-socket');
    for (const path of [this.pgData, socketDir]) {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      if (owner) chownSync(path, owner.uid, owner.gid);
    }
    // No PG_VERSION: no database here yet (an initdb cut short before writing it leaves only
    // files it would write again): the folder is emptied and initialized. A folder with one is
    // never removed; if initdb was cut short after writing it, PostgreSQL says so in its log.
    if (!existsSync(join(this.pgData, 'PG_VERSION'))) {
      if (owner) assertReachable(this.pgData, owner);
      rmSync(this.pgData, { recursive: true, force: true });
      mkdirSync(this.pgData, { mode: 0o700 });
      if (owner) chownSync(this.pgData, owner.uid, owner.gid);
      const initdb = ['-D', this.pgData, '-U', dbUser, '-A', 'trust', '-E', 'UTF8'];
      await this.run(`${this.tools.postgresBin}/initdb`, initdb, owner);
    }
    const args = ['-D', this.pgData, '-p', String(this.ports.postgres), '-k', socketDir];
    args.push('-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300');
    this.spawnPart('postgres', `${this.tools.postgresBin}/postgres`, args, owner);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const ready = await this.run(
        `${this.tools.postgresBin}/pg_isready`,
        ['-h', '127.0.0.1', '-p', String(this.ports.postgres)],
        owner,
        true,
      );
      if (ready) return;
      if (!this.running.has('postgres')) throw new Error(`PostgreSQL exited at start: see ${this.logPath('postgres')}`);
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL was not ready within ${readyTimeoutMs} ms: see ${this.logPath('postgres')}`);
      await sleep(200);
    }
  }

  /** Creates both databases and brings their schemas to the server's version (idempotent). */
  private async migrate(): Promise<void> {
    // Inside PostgreSQL's folder: a new database (that folder removed) is set up again.
    const marker = join(this.pgData, 'lockstep-schema-created');
    const sql = (db: string, ...args: string[]) =>
      this.run(this.tools.sqlTool, [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(this.ports.postgres),
        '-u',
        dbUser,
        '--db',
        db,
        ...args,
      ]);
    for (const [db, folder] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      if (!existsSync(`${marker}.${db}`)) {
        // A run cut short between the two steps left the database: it is created once, set up once.
        if (!existsSync(`${marker}.${db}.created`)) {
          await sql(db, 'create-database');
          writeFileSync(`${marker}.${db}.created`, '');
        }
        await sql(db, 'setup-schema', '-v', '0.0');
        writeFileSync(`${marker}.${db}`, '');
      }
      await sql(db, 'update-schema', '-d', join(this.tools.schemaDir, folder, 'versioned'));
    }
    // The last run's services are gone, but their membership rows stay until they expire; the
    // new ones would try to join those dead addresses and give up. Every service starts now.
    const psql = ['-h', '127.0.0.1', '-p', String(this.ports.postgres), '-U', dbUser, '-d', 'temporal', '-q'];
    await this.run(`${this.tools.postgresBin}/psql`, [...psql, '-c', 'DELETE FROM cluster_membership']);
  }

  // -------------------------------------------------------------------------------------------
  // The services

  private configDir(): string {
    return join(resolve(this.options.dataDir), 'config');
  }

  /** One config per service (`--env <service>`): the same cluster, its own metrics port. */
  private writeConfigs(): void {
    const dynamicConfig = join(this.configDir(), 'dynamicconfig.yaml');
    writeFileSync(dynamicConfig, dynamicConfigYaml);
    for (const service of clusterServices) {
      writeFileSync(join(this.configDir(), `${service}.yaml`), serverConfigYaml(this.ports, service, dynamicConfig));
    }
  }

  private startService(service: ClusterService): void {
    const args = [
      '--root',
      '/',
      '--config',
      this.configDir(),
      '--env',
      service,
      '--allow-no-auth',
      'start',
      '--service',
      service,
    ];
    this.spawnPart(service, this.tools.server, args);
  }

  private async waitForFrontend(): Promise<Connection> {
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        await connection.workflowService.getSystemInfo({});
        return connection;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`the cluster's frontend at ${this.address} was not ready: ${String(err)}`, { cause: err });
        await sleep(250);
      }
    }
  }

  /**
   * Registers the namespace if it is new, then waits until a workflow start goes through (the
   * history and matching services learn of a new namespace only at their next cache refresh).
   */
  private async ensureNamespace(): Promise<void> {
    const service = this.connection.workflowService;
    await service
      .registerNamespace({ namespace: this.namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // 6: ALREADY_EXISTS
      });
    const deadline = Date.now() + readyTimeoutMs;
    const workflowId = `lockstep-cluster-ready-${randomUUID()}`;
    for (;;) {
      try {
        await service.startWorkflowExecution({
          namespace: this.namespace,
          workflowId,
          requestId: workflowId,
          workflowType: { name: 'lockstep-cluster-ready' },
          taskQueue: { name: 'lockstep-cluster-ready' },
        });
        await service.terminateWorkflowExecution({
          namespace: this.namespace,
          workflowExecution: { workflowId },
          reason: 'readiness probe',
        });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`namespace ${this.namespace} did not take a workflow start: ${String(err)}`, { cause: err });
        await sleep(500);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  private logPath(part: ClusterPart): string {
    return join(resolve(this.options.dataDir), 'logs', `${part}.log`);
  }

  /** A part in its own process group (Ctrl-C reaches lockstep, which stops it in order), output to its log. */
  private spawnPart(part: ClusterPart, command: string, args: string[], owner?: Owner): void {
    // A SIGKILL'd postmaster would leave its backends holding the data folder: SIGQUIT is its crash stop.
    const killOnParentExit = part === 'postgres' ? 'SIGQUIT' : 'SIGKILL';
    const child = spawnLogged(command, args, { logPath: this.logPath(part), killOnParentExit, ...owner });
    child.once('exit', (code, signal) => {
      if (this.running.get(part) !== child) return;
      this.running.delete(part);
      if (this.stopping) return;
      const how = signal ?? `code ${code}`;
      this.unplannedExits.push(`${part} (${how})`);
      this.options.log(`cluster: ${part} exited on its own (${how}); see ${this.logPath(part)}`);
    });
    this.running.set(part, child);
  }

  /** Runs a tool to its end; resolves whether it succeeded, or throws with its output unless `mayFail`. */
  private run(command: string, args: string[], owner?: Owner, mayFail = false): Promise<boolean> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...owner });
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0 || mayFail) resolvePromise(code === 0);
        else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output.slice(-3_000)}`));
      });
    });
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * Who runs PostgreSQL: as root, the `postgres` user Debian's package creates (PostgreSQL
 * refuses to run as root); otherwise the current user.
 */
function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error(
      'running as root, and there is no `postgres` user to run PostgreSQL as: apt-get install postgresql',
    );
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Ports for every part. Below 32768: the server stores membership ports in a PostgreSQL
 * `smallint` column, so an ephemeral port (32768 and up) fails its start.
 */
/**
 * PostgreSQL's user must reach its folder: every folder above it must let others pass (x).
 * A 0700 folder on the way (a home directory, a private temp folder) would fail initdb with
 * "permission denied"; this names the folder instead.
 */
function assertReachable(path: string, owner: Owner): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { mode, uid, gid } = statSync(dir);
    const passes = uid === owner.uid ? mode & 0o100 : gid === owner.gid ? mode & 0o010 : mode & 0o001;
    if (!passes)
      throw new Error(
        `PostgreSQL runs as the postgres user, which cannot reach ${path}: ${dir} is closed to it (chmod o+x ${dir}, or choose another --data-dir)`,
      );
    if (dir === dirname(dir)) return;
  }
}

async function pickPorts(frontendPort: number): Promise<Ports> {
  const taken = new Set<number>([frontendPort]);
  const port = async () => {
    const picked = await freePortBelow32768(taken);
    taken.add(picked);
    return picked;
  };
  const four = async () => ({
    history: await port(),
    matching: await port(),
    frontend: await port(),
    worker: await port(),
  });
  return {
    postgres: await port(),
    grpc: { ...(await four()), frontend: frontendPort },
    membership: await four(),
    metrics: await four(),
    frontendHttp: await port(),
  };
}

/** A free loopback port the cluster can use for a service (below 32768, see {@link pickPorts}). */
export async function freeClusterPort(): Promise<number> {
  return freePortBelow32768(new Set());
}

/** Ports above this fail a service's start: PostgreSQL stores them as `smallint`. */
export const maxClusterPort = 32_767;

async function freePortBelow32768(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(candidate) && (await isFree(candidate))) return candidate;
  }
  throw new Error('no free loopback port between 20000 and 32000');
}

/** Resolves once something accepts connections on the loopback port. */
async function waitForPort(port: number, what: string, isRunning: () => boolean, logPath: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolvePromise) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolvePromise(true);
      });
      socket.once('error', () => resolvePromise(false));
    });
    // Open, and ours: a service that could not bind (another program took the port since it was
    // picked) exits within moments of its start, so it must still run a little after the port answers.
    if (open) {
      await sleep(500);
      if (isRunning()) return;
    }
    if (!isRunning()) throw new Error(`${what} exited at start: see ${logPath}`);
    if (Date.now() > deadline)
      throw new Error(`${what} did not listen on ${port} within ${readyTimeoutMs} ms: see ${logPath}`);
    await sleep(100);
  }
}

/**
 * The server's settings lockstep relies on, as a self-hosted deployment should set them too:
 * eager activity execution (the dev server's `--dynamic-config-value` in dev-stack.ts), update-
 * with-start (`upsertReservation`), and search attributes readable as soon as they are added
 * (a new worker adds lockstep's and uses them at once).
 */
const dynamicConfigYaml = `system.enableActivityEagerExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
limit.maxIDLength:
  - value: 255
`;

/** A service's config: the whole cluster (every service's ports, for membership), its own metrics port. */
function serverConfigYaml(ports: Ports, service: ClusterService, dynamicConfigPath: string): string {
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${ports.postgres}"
        connectProtocol: "tcp"
        user: "${dbUser}"
        password: ""
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const serviceBlock = (s: ClusterService) => `  ${s}:
    rpc:
      grpcPort: ${ports.grpc[s]}
      membershipPort: ${ports.membership[s]}
      bindOnLocalHost: true${s === 'frontend' ? `\n      httpPort: ${ports.frontendHttp}` : ''}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${datastore('temporal', 20)}
    postgres-visibility:
${datastore('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics[service]}"
services:
${clusterServices.map(serviceBlock).join('\n')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.grpc.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfigPath}"
  pollInterval: "10s"
`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
