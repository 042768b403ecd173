/**
 * `lockstep webhooks`: the Seam webhook receiver as a process of its own (it scales like a web
 * tier, apart from the workers). LOCKSTEP_WEBHOOK_ADDR, SEAM_WEBHOOK_SECRET (or the workspaces
 * file's `webhookSecret`s), TEMPORAL_*, LOCKSTEP_LOG_* and LOCKSTEP_METRICS_ADDR (Prometheus
 * `/metrics`: lockstep_webhooks_total) from the environment.
 */
import { Runtime } from '@temporalio/worker';
import { connectClient } from '../client';
import { logFormatFromEnv, logLevelFromEnv, metricsAddressFromEnv, webhookReceiverConfigFromEnv } from '../ops/config';
import { onShutdownSignals } from '../ops/shutdown-signals';
import { temporalConnectConfig } from '../ops/temporal-config';
import { deliverToTemporal } from '../webhooks/temporal-delivery';
import { countWebhookOutcomes, logWebhookOutcomes, startWebhookReceiver } from '../webhooks/receiver';
import { installOperatorRuntime } from '../worker';
import { exitCodes, UsageError, type Io } from './args';

export async function webhooksCommand(io: Io, argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError('webhooks takes no arguments; configure it with environment variables');
  const config = webhookReceiverConfigFromEnv(io.env);
  const temporalApiKey = temporalConnectConfig(io.env).connectionOptions.apiKey;
  installOperatorRuntime({
    level: logLevelFromEnv(io.env),
    secrets: [...config.secrets, ...(typeof temporalApiKey === 'string' ? [temporalApiKey] : [])],
    format: logFormatFromEnv(io.env),
    metricsAddress: metricsAddressFromEnv(io.env),
  });
  const log = Runtime.instance().logger;
  const client = await connectClient(io.env);
  try {
    const receiver = await startWebhookReceiver({
      secrets: config.secrets,
      host: config.host,
      port: config.port,
      deliver: (route, requestId) => deliverToTemporal(client, route, requestId),
      onOutcome: logWebhookOutcomes(log, countWebhookOutcomes(Runtime.instance().metricMeter)),
    });
    log.info('lockstep webhook receiver started', {
      url: receiver.url,
      namespace: client.options.namespace,
      workspaces: config.secrets.length,
    });
    io.out(`ready ${receiver.url}`);
    await new Promise<void>((resolve) => onShutdownSignals({ first: () => resolve(), again: () => process.exit(1) }));
    await receiver.close();
  } finally {
    await client.connection.close();
  }
  return exitCodes.ok;
}
