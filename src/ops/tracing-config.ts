/**
 * Whether and where traces go, from the standard OpenTelemetry variables (ops/tracing.ts does the
 * tracing). Apart from it so that a process with tracing off never loads OpenTelemetry.
 */
import { z } from 'zod';
import { ConfigError, type Env } from './config';
import type { Tracing } from './tracing';

/** The workflow interceptors that the traced workflow bundle is built with (scripts/bundle-workflows.js). */
export const workflowTracingModule = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/** Where traces go, from the environment; undefined when tracing is off. */
export interface TracingConfig {
  /** The OTLP/HTTP endpoint the variables name (the exporter reads them itself). */
  endpoint: string;
  serviceName: string;
  /** Values of OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: often a vendor's API key, so the logs redact them. */
  headerValues: string[];
}

const endpointSchema = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional();

/**
 * Tracing is on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 * @throws {ConfigError} naming a malformed endpoint
 */
export function tracingFromEnv(env: Env = process.env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  let endpoint: string | undefined;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const parsed = endpointSchema.safeParse(env[name] || undefined);
    if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]?.message ?? 'is invalid');
    endpoint ??= parsed.data;
  }
  if (endpoint === undefined) return undefined;
  const headerValues = [env.OTEL_EXPORTER_OTLP_HEADERS, env.OTEL_EXPORTER_OTLP_TRACES_HEADERS]
    .flatMap((headers) => (headers ?? '').split(','))
    .map((pair) => pair.slice(pair.indexOf('=') + 1).trim())
    .filter((value) => value.length > 0);
  return { endpoint, serviceName: env.OTEL_SERVICE_NAME || 'lockstep', headerValues };
}

/** Starts OTLP tracing when `config` says so, loading OpenTelemetry only then. */
export async function startTracingIfConfigured(config: TracingConfig | undefined): Promise<Tracing | undefined> {
  if (!config) return undefined;
  const { startOtlpTracing } = await import('./tracing');
  return startOtlpTracing(config);
}
