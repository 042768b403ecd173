/**
 * Traces: one lock action is one trace from the client's start to its result (Temporal's
 * OpenTelemetry interceptors, the workflow bundle built with them, and lockstep's span per Seam
 * HTTP request), on the dev server with the real worker and the real Seam SDK.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { lockActionOutcome, startLockAction } from '../../src/client';
import { startTracing, type Tracing } from '../../src/ops/tracing';
import { createLockstepWorker } from '../../src/worker';
import { assertBuilt, cleanEnv, runLockstep, startLockstep } from '../helpers/processes';
import { useSimulator } from '../helpers/simulator-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const sim = useSimulator();
const exporter = new InMemorySpanExporter();
const taskQueue = `traced-${randomUUID()}`;
let env: TestWorkflowEnvironment;
let tracing: Tracing;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  assertBuilt();
  env = await startDevServerEnv();
  tracing = startTracing(new SimpleSpanProcessor(exporter), 'lockstep-test');
  worker = await createLockstepWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    seam: { apiKey: sim.apiKey, endpoint: sim.sim.url, requestTimeoutMs: 5_000 },
    // The bundle `make build` writes for traced workers: the workflow interceptors inside.
    workflowBundle: { codePath: join(__dirname, '../../dist/workflow-bundle-traced.js') },
    tracing,
  });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tracing?.shutdown();
  await env?.teardown();
});

const named = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name);

test('a lock action is one trace from the client start to its result: workflow, check activity, Seam calls; the door’s command names it', async () => {
  const deviceId = sim.device({ attempt: { pendingMs: 300 } });
  const client = new Client({
    connection: env.connection,
    namespace: env.namespace ?? 'default',
    interceptors: { workflow: [tracing.clientInterceptor] },
  });
  const handle = await startLockAction(client, 'LOCK_DOOR', { deviceId }, { taskQueue });
  expect((await lockActionOutcome(handle)).ok).toBe(true);
  // Workflow spans reach the exporter through the worker's sink after the task that ends them.
  const spans = await eventually(() => {
    const finished = exporter.getFinishedSpans();
    return named(finished, 'RunWorkflow:LockDoorWorkflow') ? finished : undefined;
  }, 20_000);
  const names = spans.map((s) => s.name);
  const start = named(spans, 'StartWorkflow:LockDoorWorkflow');
  const run = named(spans, 'RunWorkflow:LockDoorWorkflow');
  const check = named(spans, 'RunActivity:checkDeviceAtDoor');
  const deviceRead = spans.find(
    (s) => s.name === 'POST /devices/get' && s.parentSpanId === check?.spanContext().spanId,
  );
  expect({ start: !!start, run: !!run, check: !!check, deviceRead: !!deviceRead, names }).toMatchObject({
    start: true,
    run: true,
    check: true,
    deviceRead: true,
  });
  const traceId = start!.spanContext().traceId;
  for (const span of [run!, check!, deviceRead!]) expect(span.spanContext().traceId).toBe(traceId);
  expect(run!.parentSpanId).toBe(start!.spanContext().spanId);
  expect(deviceRead!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
  // The door sends the command in its own trace; the try's span names the lock action it served.
  const sendTry = spans.find(
    (s) =>
      s.name === 'RunActivity:sendCommandTry' &&
      (s.attributes['lockstep.requesters'] as string[] | undefined)?.includes(handle.workflowId),
  );
  expect(sendTry).toBeDefined();
  expect(
    spans.some((s) => s.name === 'POST /locks/lock_door' && s.parentSpanId === sendTry!.spanContext().spanId),
  ).toBe(true);
  // No span carries the Seam API key.
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(sim.apiKey);
}, 60_000);

/** An OTLP/HTTP receiver: the JSON bodies POSTed to /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

interface OtlpSpan {
  traceId: string;
  name: string;
}

/** Every span in the bodies, by service. */
function spansOf(bodies: unknown[]): Array<OtlpSpan & { service: string }> {
  return (
    bodies as Array<{
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ spans: OtlpSpan[] }>;
      }>;
    }>
  ).flatMap((body) =>
    body.resourceSpans.flatMap((rs) => {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, service })));
    }),
  );
}

test('real processes: with OTEL_EXPORTER_OTLP_ENDPOINT, `lockstep lock` and `lockstep worker` export one trace over OTLP; nothing when unset', async () => {
  const receiver = await otlpReceiver();
  const queue = `otlp-${randomUUID()}`;
  const base = {
    SEAM_API_KEY: sim.apiKey,
    SEAM_ENDPOINT: sim.sim.url,
    TEMPORAL_ADDRESS: env.address,
    LOCKSTEP_TASK_QUEUE: queue,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const worker = startLockstep(['worker'], cleanEnv({ ...base, OTEL_SERVICE_NAME: 'lockstep-worker' }));
  try {
    await worker.waitFor(/lockstep worker started/);
    expect(worker.output()).toContain(`OTLP to ${new URL(receiver.url).host}`);
    const deviceId = sim.device();
    const lock = await runLockstep(['lock', deviceId], cleanEnv({ ...base, OTEL_SERVICE_NAME: 'lockstep-cli' }));
    expect(lock.code).toBe(0);
    const untraced = await runLockstep(['lock', sim.device()], cleanEnv({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: '' }));
    expect(untraced.code).toBe(0);
    const spans = await eventually(() => {
      const all = spansOf(receiver.bodies);
      return all.some((s) => s.name === 'RunWorkflow:LockDoorWorkflow') ? all : undefined;
    }, 20_000);
    const start = spans.filter((s) => s.name === 'StartWorkflow:LockDoorWorkflow');
    expect(start.map((s) => s.service)).toEqual(['lockstep-cli']); // the untraced CLI sent none
    const inTrace = spans.filter((s) => s.traceId === start[0].traceId);
    expect(inTrace.map((s) => `${s.service} ${s.name}`)).toEqual(
      expect.arrayContaining([
        'lockstep-cli StartWorkflow:LockDoorWorkflow',
        'lockstep-worker RunWorkflow:LockDoorWorkflow',
        'lockstep-worker RunActivity:checkDeviceAtDoor',
        'lockstep-worker POST /devices/get',
      ]),
    );
    expect(JSON.stringify(receiver.bodies)).not.toContain(sim.apiKey);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await receiver.close();
  }
}, 90_000);
