/**
 * OpenTelemetry traces, off unless the standard OTLP variables say where to send them
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). With them, Temporal's
 * interceptors (`@temporalio/interceptors-opentelemetry`) carry one trace from a client's start
 * through the workflow to its activities, and the Seam client adds a span per HTTP request
 * (activities/seam/client.ts). The exporter reads the rest of the OTEL_* variables itself
 * (headers, timeout, compression); OTEL_SERVICE_NAME names the process.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { WorkerOptions } from '@temporalio/worker';
import type { TracingConfig } from './tracing-config';

/** What a traced process plugs in: the worker's interceptors and sink, the client's interceptor. */
export interface Tracing {
  worker: Required<Pick<WorkerOptions, 'sinks'>> & {
    interceptors: { activity: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']> };
  };
  clientInterceptor: OpenTelemetryWorkflowClientInterceptor;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for this process with `processor` (the OTLP exporter's batch
 * processor in production; tests pass an in-memory one) and returns the interceptors.
 */
export function startTracing(processor: SpanProcessor, serviceName: string): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(processor);
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  return {
    worker: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    clientInterceptor: new OpenTelemetryWorkflowClientInterceptor(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/** Tracing as the environment configures it, exported over OTLP/HTTP (the exporter reads the OTEL_* variables). */
export function startOtlpTracing(config: TracingConfig): Tracing {
  return startTracing(new BatchSpanProcessor(new OTLPTraceExporter()), config.serviceName);
}
