/**
 * `lockstep cluster`: a real Temporal cluster on this machine (PostgreSQL and the server's four
 * services as separate processes, src/dev/cluster.ts), the Seam simulator with the demo
 * devices, and N `lockstep worker` processes against it — until Ctrl-C, which stops the
 * workers (they drain), the simulator, then the cluster. Data stays in --data-dir.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { maxClusterPort, TemporalCluster } from '../dev/cluster';
import { newDevSeamApiKey } from '../dev/dev-stack';
import { spawnLogged, stopProcess } from '../dev/processes';
import { demoDeviceScenarios } from '../dev/simulator/demo-devices';
import { startSeamSimulator } from '../dev/simulator/seam-simulator';
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

  const cluster = await TemporalCluster.start({ dataDir, frontendPort: port, log: io.err });
  const seamApiKey = newDevSeamApiKey();
  const simulatorPort = portOption(values['simulator-port'], 'simulator-port', clusterDefaults.simulatorPort);
  const simulator = await startSeamSimulator({ apiKey: seamApiKey, devices: demoDeviceScenarios, port: simulatorPort });
  const env = {
    ...inheritedEnv(io.env),
    SEAM_API_KEY: seamApiKey,
    SEAM_ENDPOINT: simulator.url,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    LOCKSTEP_TASK_QUEUE: taskQueue,
  };
  const workerLogs = Array.from({ length: workers.data }, (_, i) =>
    resolve(dataDir, 'logs', `lockstep-worker-${i + 1}.log`),
  );
  const workerProcesses = workerLogs.map((logPath) =>
    spawnLogged(process.execPath, [lockstepBin, 'worker'], { logPath, env }),
  );
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
  await new Promise<void>((resolvePromise) =>
    onShutdownSignals({
      first: () => {
        io.err('stopping the cluster (signal again to exit now)');
        resolvePromise();
      },
      again: () => {
        io.err('stopping now');
        for (const worker of workerProcesses) worker.kill('SIGKILL');
        process.exit(exitCodes.runtime);
      },
    }),
  );
  await Promise.all(workerProcesses.map((worker) => stopProcess(worker, 15_000)));
  await simulator.close();
  await cluster.stop();
  io.err('cluster stopped');
  return exitCodes.ok;
}

/** The shell's environment without lockstep's, Seam's and Temporal's own variables (the cluster sets those). */
function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^(SEAM_|TEMPORAL_|LOCKSTEP_TASK_QUEUE)/.test(e[0]),
    ),
  );
}
