/**
 * The real processes a fault suite breaks: the Temporal dev server on a SQLite file (killed and
 * restarted on the same file and port), the Seam simulator (`lockstep simulator`), and lockstep
 * workers (`lockstep worker`), every one a child process whose output is kept for the secrets
 * scan.
 */
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/dev-stack';
import { SimulatorControl } from '../../src/dev/simulator/control';
import { cleanEnv, freePort, startLockstep, type Running } from '../helpers/processes';

export interface StackSecrets {
  seamApiKey: string;
  temporalApiKey: string;
}

export class FaultStack {
  readonly dbFile = join(mkdtempSync(join(tmpdir(), 'lockstep-faults-')), 'temporal.db');
  readonly taskQueue = 'lock-actions-faults';
  /** What the table's `server` column says. */
  readonly serverKind: string = 'dev server (SQLite)';
  private server: TemporalDevServer | null = null;
  private simulatorProcess: Running | null = null;
  private readonly workers: Running[] = [];
  /** Every line any worker printed, in order, across restarts. */
  readonly workerLog: string[] = [];
  protected temporalPort = 0;
  private simulatorPort = 0;
  client!: Client;
  sim!: SimulatorControl;

  constructor(readonly secrets: StackSecrets) {}

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  get simulatorUrl(): string {
    return `http://127.0.0.1:${this.simulatorPort}`;
  }

  async start(workers: number): Promise<void> {
    [this.temporalPort, this.simulatorPort] = [await this.pickTemporalPort(), await freePort()];
    await Promise.all([this.startServer(), this.startSimulator()]);
    this.client = new Client({ connection: await Connection.connect({ address: this.temporalAddress }) });
    this.sim = new SimulatorControl(this.simulatorUrl);
    await Promise.all(Array.from({ length: workers }, () => this.startWorker()));
  }

  protected pickTemporalPort(): Promise<number> {
    return freePort();
  }

  async startServer(): Promise<void> {
    this.server = await startTemporalDevServer({
      port: this.temporalPort,
      uiPort: null,
      dbFile: this.dbFile,
      namespace: 'default',
      log: (line) => process.stderr.write(`[temporal] ${line}\n`),
    });
  }

  /** SIGKILL: no shutdown, as a crash or an OOM kill. */
  killServer(): void {
    this.server?.abort();
    this.server = null;
  }

  async startSimulator(): Promise<void> {
    const simulator = startLockstep(
      ['simulator', '--port', String(this.simulatorPort)],
      cleanEnv({ SEAM_API_KEY: this.secrets.seamApiKey }),
    );
    await simulator.waitFor(/^ready /m, 30_000);
    this.simulatorProcess = simulator;
  }

  /** Seam down: its port refuses connections until startSimulator (which starts with no state). */
  async killSimulator(): Promise<void> {
    const simulator = this.simulatorProcess;
    this.simulatorProcess = null;
    if (!simulator) return;
    simulator.child.kill('SIGKILL');
    await simulator.exited;
  }

  workerEnv(): Record<string, string> {
    return cleanEnv({
      SEAM_API_KEY: this.secrets.seamApiKey,
      SEAM_ENDPOINT: this.simulatorUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      // A Temporal API key the dev server ignores: the secrets scan proves it leaks nowhere.
      TEMPORAL_API_KEY: this.secrets.temporalApiKey,
      TEMPORAL_TLS: 'false',
      LOCKSTEP_TASK_QUEUE: this.taskQueue,
    });
  }

  async startWorker(): Promise<void> {
    const worker = startLockstep(['worker'], this.workerEnv());
    let seen = 0;
    const collect = () => {
      const lines = worker.output().split('\n');
      // Keep whole lines only; the last one may still be growing.
      for (; seen < lines.length - 1; seen++) this.workerLog.push(lines[seen]);
    };
    worker.child.stdout?.on('data', collect);
    worker.child.stderr?.on('data', collect);
    void worker.exited.then(() => {
      const lines = worker.output().split('\n');
      this.workerLog.push(...lines.slice(seen).filter(Boolean));
    });
    await worker.waitFor(/lockstep worker started/, 30_000);
    this.workers.push(worker);
  }

  /** Parts of the server that exited without being killed by a scenario, from the `from`th on (none on the dev server). */
  unplannedExitsSince(from: number): string[] {
    return [].slice(from);
  }

  get runningWorkers(): number {
    return this.workers.length;
  }

  /** SIGKILL one worker (the oldest by default): its activities are lost mid-flight. */
  async killWorker(index = 0): Promise<void> {
    const [worker] = this.workers.splice(index, 1);
    if (!worker) return;
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  async killAllWorkers(): Promise<void> {
    while (this.workers.length > 0) await this.killWorker();
  }

  async stop(): Promise<void> {
    for (const worker of this.workers.splice(0)) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await this.killSimulator();
    await this.client?.connection.close();
    await this.stopServer();
  }

  protected async stopServer(): Promise<void> {
    if (this.server) await this.server.stop();
    this.server = null;
  }
}
