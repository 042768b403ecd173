/**
 * `lockstep dev`: the embedded stack (Temporal dev server, Seam simulator, worker) until Ctrl-C;
 * a second Ctrl-C stops it at once.
 */
import { devStackDefaults, newDevSeamApiKey, startDevStack } from '../dev/dev-stack';
import { isFree } from '../dev/free-port';
import { logFormatFromEnv, logLevelFromEnv, metricsAddressFromEnv, taskQueueFromEnv } from '../ops/config';
import { onShutdownSignals } from '../ops/shutdown-signals';
import { installOperatorRuntime } from '../worker';
import { exitCodes, parse, portOption, type Io } from './args';

/** The webhook receiver's port: --webhook-port, or 8788 when free (the stack then runs without webhooks). */
async function webhookPort(io: Io, raw: unknown): Promise<number | undefined> {
  if (raw !== undefined) return portOption(raw, 'webhook-port', devStackDefaults.webhookPort);
  if (await isFree(devStackDefaults.webhookPort)) return devStackDefaults.webhookPort;
  io.err(`webhooks off: port ${devStackDefaults.webhookPort} is in use (--webhook-port PORT serves them elsewhere)`);
  return undefined;
}

async function defaultMetricsAddress(io: Io): Promise<string | undefined> {
  const address = devStackDefaults.metricsAddress;
  if (await isFree(Number(address.split(':')[1]))) return address;
  io.err(`metrics off: ${address} is in use (set LOCKSTEP_METRICS_ADDR to serve them elsewhere)`);
  return undefined;
}

export async function devCommand(io: Io, argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    headless: { type: 'boolean', default: false },
    'simulator-port': { type: 'string' },
    'webhook-port': { type: 'string' },
    'db-file': { type: 'string' },
    'in-memory': { type: 'boolean', default: false },
  });
  const port = (name: string, fallback: number) => portOption(values[name], name, fallback);
  const temporalPort = port('port', devStackDefaults.temporalPort);
  const seamApiKey = newDevSeamApiKey();
  // Metrics are on in the dev stack: LOCKSTEP_METRICS_ADDR, or 127.0.0.1:9464 when it is free
  // (another stack may hold it: this one then runs without metrics rather than not at all).
  const metricsAddress = metricsAddressFromEnv(io.env) ?? (await defaultMetricsAddress(io));
  installOperatorRuntime({
    level: logLevelFromEnv(io.env),
    secrets: [seamApiKey],
    format: logFormatFromEnv(io.env),
    metricsAddress,
  });
  const options = {
    seamApiKey,
    temporalPort,
    // Temporal's convention: the Web UI listens 1000 above the frontend port (7233 -> 8233).
    uiPort: values.headless ? null : port('ui-port', temporalPort + 1000),
    simulatorPort: port('simulator-port', devStackDefaults.simulatorPort),
    dbFile: values['in-memory'] ? null : ((values['db-file'] as string | undefined) ?? devStackDefaults.dbFile),
    taskQueue: taskQueueFromEnv(io.env),
    attentionGauge: true,
    webhookPort: await webhookPort(io, values['webhook-port']),
    log: io.err,
  };
  const stack = await startDevStack(options);
  io.out(
    [
      'lockstep dev stack is up',
      `  Temporal        ${stack.temporalAddress} (namespace ${stack.namespace})`,
      `  Web UI          ${stack.uiUrl ?? 'off (--headless)'}`,
      `  Seam simulator  ${stack.simulator.url} (devices: ${[...stack.simulator.deviceIds()].join(', ')})`,
      `  webhooks        ${stack.webhookUrl ? `${stack.webhookUrl} (the simulator's; the worker waits for them: push)` : 'off'}`,
      `  task queue      ${stack.taskQueue}`,
      `  metrics         ${metricsAddress ? `http://${metricsAddress}/metrics` : 'off'}`,
      `  state           ${options.dbFile ?? 'in memory'}`,
      'Try: lockstep lock demo-instant-lock    (Ctrl-C stops everything)',
      'ready',
    ].join('\n'),
  );
  await new Promise<void>((resolve) =>
    onShutdownSignals({
      first: () => {
        io.err('stopping the dev stack (signal again to exit now)');
        resolve();
      },
      again: () => {
        io.err('stopping now');
        stack.abort();
      },
    }),
  );
  await stack.stop();
  io.err('dev stack stopped');
  return exitCodes.ok;
}
