/**
 * The fault suite's stack on a real Temporal cluster (src/dev/cluster.ts): PostgreSQL and the
 * server's four services as separate processes, each of which a scenario can crash and bring
 * back; the simulator and the workers as in the dev-server stack.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeClusterPort, TemporalCluster, type ClusterPart } from '../../src/dev/cluster';
import { FaultStack } from './stack';

export class ClusterFaultStack extends FaultStack {
  override readonly serverKind = 'cluster (PostgreSQL)';
  private cluster: TemporalCluster | null = null;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'lockstep-faults-cluster-'));

  protected override pickTemporalPort(): Promise<number> {
    return freeClusterPort();
  }

  override async startServer(): Promise<void> {
    chmodSync(this.dataDir, 0o755);
    this.cluster = await TemporalCluster.start({
      dataDir: this.dataDir,
      frontendPort: this.temporalPort,
      log: (line) => process.stderr.write(`[cluster] ${line}\n`),
    });
  }

  override killServer(): void {
    throw new Error('on the cluster, crash one part: crash(part)');
  }

  /** A part crashes: a service SIGKILLed, PostgreSQL shut down immediately (see TemporalCluster.crash). */
  crash(part: ClusterPart): Promise<void> {
    return this.running().crash(part);
  }

  /** The part starts again, on its ports and data. */
  restart(part: ClusterPart): Promise<void> {
    return this.running().restart(part);
  }

  override unplannedExitsSince(from: number): string[] {
    return this.cluster?.unplannedExits.slice(from) ?? [];
  }

  protected override async stopServer(): Promise<void> {
    await this.cluster?.stop();
    this.cluster = null;
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private running(): TemporalCluster {
    if (!this.cluster) throw new Error('the cluster is not running');
    return this.cluster;
  }
}
