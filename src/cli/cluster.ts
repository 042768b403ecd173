/**
 * `lockstep cluster`: a real Temporal cluster on this machine (PostgreSQL and the server's four
 * services as separate processes, src/dev/cluster.ts), the Seam simulator with the demo
 * devices, and N `lockstep worker` processes against it — until Ctrl-C, which stops the
 * workers (they drain), the simulator, then the cluster. Data stays in --data-dir.
 */
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import { maxClusterPort, TemporalCluster } from '../dev/cluster';
import { newDevSeamApiKey } from '../dev/dev-stack';
import { envWithout, spawnLogged, stopProcess } from '../dev/processes';
import { demoDeviceScenarios } from '../dev/simulator/demo-devices';
import { startSeamSimulator, type SeamSimulator } from '../dev/simulator/seam-simulator';
import { taskQueueFromEnv } from '../ops/config';
import { onShutdownSignals } from '../ops/shutdown-signals';
import { exitCodes, parse, portOption, UsageError, type Io } from './args';

export const clusterDefaults = { port: 7233, simulatorPort: 8787, workers: 2, dataDir: '.data/cluster' } as const;

const lockstepBin = resolve(__dirname, '..', '..', 'bin', 'lockstep');
const workersSchema = z.coerce.number().int().min(1).max(16);

export async function clusterCommand(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    port: { type: 'string' },
    'simulator-port': { type: 'string' },
    workers: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (positionals.length > 0)
    throw new UsageError(`cluster takes no positional arguments, got ${positionals.join(' ')}`);
  const workers = workersSchema.safeParse(values.workers ?? clusterDefaults.workers);
  if (!workers.success) throw new UsageError('--workers must be a whole number from 1 to 16');
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? clusterDefaults.dataDir);
  const port = portOption(values.port, 'port', clusterDefaults.port);
  if (port > maxClusterPort)
    throw new UsageError(`--port must be at most ${maxClusterPort}: the server keeps its ports in a smallint column`);
  const taskQueue = taskQueueFromEnv(io.env);

  // Signals are taken from the start: a Ctrl-C while the cluster comes up stops it once up,
  // instead of leaving PostgreSQL and the services (their own process groups) behind.
  let wake = () => {};
  const stopRequested = new Promise<void>((resolvePromise) => (wake = resolvePromise));
  let stopping = false;
  const stopListening = onShutdownSignals({
    first: () => {
      io.err('stopping the cluster (signal again to exit now)');
      stopping = true;
      wake();
    },
    // The second signal exits at once; each part then gets its parent-exit signal (SIGQUIT for PostgreSQL).
    again: () => io.err('stopping now'),
  });
  let cluster: TemporalCluster | undefined;
  let simulator: SeamSimulator | undefined;
  const workerProcesses: ChildProcess[] = [];
  try {
    cluster = await TemporalCluster.start({ dataDir, frontendPort: port, log: io.err });
    if (stopping) return exitCodes.ok;
    const seamApiKey = newDevSeamApiKey();
    const simulatorPort = portOption(values['simulator-port'], 'simulator-port', clusterDefaults.simulatorPort);
    simulator = await startSeamSimulator({ apiKey: seamApiKey, devices: demoDeviceScenarios, port: simulatorPort });
    const env = {
      ...inheritedEnv(io.env),
      SEAM_API_KEY: seamApiKey,
      SEAM_ENDPOINT: simulator.url,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      LOCKSTEP_TASK_QUEUE: taskQueue,
    };
    for (let i = 1; i <= workers.data; i++) {
      const logPath = resolve(dataDir, 'logs', `lockstep-worker-${i}.log`);
      const worker = spawnLogged(process.execPath, [lockstepBin, 'worker'], { logPath, env });
      worker.once('exit', (code, signal) => {
        if (!stopping) io.err(`lockstep worker ${i} exited on its own (${signal ?? `code ${code}`}); see ${logPath}`);
      });
      workerProcesses.push(worker);
    }
    io.out(
      [
        'lockstep cluster is up',
        `  Temporal        ${cluster.address} (namespace ${cluster.namespace}; services history, matching, frontend, worker as separate processes)`,
        `  PostgreSQL      data in ${resolve(dataDir, 'postgres')}`,
        `  Seam simulator  ${simulator.url} (devices: ${[...simulator.deviceIds()].join(', ')})`,
        `  workers         ${workers.data} lockstep worker processes on task queue ${taskQueue}`,
        `  logs            ${resolve(dataDir, 'logs')}`,
        `Try: TEMPORAL_ADDRESS=${cluster.address} lockstep lock demo-instant-lock    (Ctrl-C stops everything)`,
        'ready',
      ].join('\n'),
    );
    await stopRequested;
    return exitCodes.ok;
  } finally {
    stopping = true;
    await Promise.all(workerProcesses.map((worker) => stopProcess(worker, 15_000)));
    await simulator?.close();
    await cluster?.stop();
    stopListening();
    io.err('cluster stopped');
  }
}

/** The shell's environment without lockstep's, Seam's and Temporal's own variables (the cluster sets those). */
function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return envWithout(/^(SEAM_|TEMPORAL_|LOCKSTEP_TASK_QUEUE)/, env);
}
