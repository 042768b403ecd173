import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { lockstepSearchAttributes } from '../../src/contract/search-attributes';
import { temporalCliPath, temporalTestServerPath } from '../../src/dev/toolchain';
import { addSearchAttributes } from '../../src/ops/search-attributes';
import type { AlertConfig } from '../../src/activities/alerts';
import { createLockstepWorker } from '../../src/worker';

// Worker state changes and workflow logs at INFO drown test output; keep errors (LOCKSTEP_TEST_LOG_LEVEL=DEBUG shows all).
Runtime.install({ logger: new DefaultLogger((process.env.LOCKSTEP_TEST_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR') });

/** The Java time-skipping server installed by `make toolchain` (never downloaded). */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  await addSearchAttributes(env.connection.operatorService, env.namespace ?? 'default');
  return env;
}

/** The real Temporal dev server (`temporal server start-dev`, in memory) for tests that need real time or real processes. */
export function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [...lockstepSearchAttributes],
    },
  });
}

/** The workflow bundle jest's global setup built once for the whole run. */
export function workflowBundle(): { codePath: string } {
  const codePath = process.env.LOCKSTEP_TEST_WORKFLOW_BUNDLE;
  if (!codePath)
    throw new Error('LOCKSTEP_TEST_WORKFLOW_BUNDLE is unset: run the tests through jest (test/global-setup.ts)');
  return { codePath };
}

/**
 * The production worker (src/worker.ts) on a fresh task queue, with the run's shared bundle
 * and activities talking to `endpoint` through the real SDK, running until `stop()`.
 */
export async function runLockstepWorker(
  env: TestWorkflowEnvironment,
  seam: { apiKey: string; endpoint: string },
  taskQueue = `test-${randomUUID()}`,
  alerts?: AlertConfig,
  options: { push?: boolean } = {},
): Promise<{ taskQueue: string; stop: () => Promise<void> }> {
  const worker = await createLockstepWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    seam: { ...seam, requestTimeoutMs: 5_000 },
    workflowBundle: workflowBundle(),
    ...(alerts ? { alerts } : {}),
    ...options,
  });
  const running = worker.run();
  return {
    taskQueue,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
