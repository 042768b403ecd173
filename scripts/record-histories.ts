/**
 * Records workflow histories for the replay tests (test/workflows/replay.test.ts): runs each
 * scenario on the time-skipping server against the Seam simulator and saves its history as
 * JSON under test/histories/. Re-record only on purpose: a history recorded by an older
 * version is what proves a change is still replay-compatible.
 *
 *   npx tsx scripts/record-histories.ts
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cancelLockAction, lockActionOutcome, queryProgress, signalActionAttemptEnded, startLockAction } from '../src/client';
import type { LockAction, LockActionInput } from '../src/contract';
import { startSeamSimulator, type DeviceScenarioInput, type SeamSimulator } from '../src/simulator/seam-simulator';
import { temporalTestServerPath } from '../src/toolchain';
import { createLockstepWorker } from '../src/worker';

interface Scenario {
  name: string;
  action: LockAction;
  device: DeviceScenarioInput;
  input: Omit<LockActionInput, 'deviceId'>;
  /** Drives the running workflow (signal, cancel) before its outcome is awaited. */
  drive?: (handle: Awaited<ReturnType<typeof startLockAction>>) => Promise<void>;
}

const untilPolling = async (handle: Awaited<ReturnType<typeof startLockAction>>) => {
  while ((await queryProgress(handle)).phase !== 'polling') await new Promise((r) => setTimeout(r, 50));
  return (await queryProgress(handle)).actionAttemptId!;
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const apiKey = 'seam_recording_key';
  const sim = await startSeamSimulator({ apiKey });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  const scenarios: Scenario[] = [
    { name: 'lock-success-in-watch', action: 'LOCK_DOOR', device: { deviceId: 'replay-1', attempt: { pendingMs: 300 } }, input: {} },
    { name: 'unlock-success-after-durable-polls', action: 'UNLOCK_DOOR', device: { deviceId: 'replay-2', locked: true, attempt: { pendingReads: 3 } }, input: { watchWindow: 0 } },
    { name: 'lock-timed-out', action: 'LOCK_DOOR', device: { deviceId: 'replay-3', attempt: { outcome: 'never', updatesLockedState: false } }, input: { watchWindow: 0 } },
    { name: 'lock-capability-missing', action: 'LOCK_DOOR', device: { deviceId: 'replay-4', canRemotelyLock: null }, input: {} },
    {
      name: 'lock-woken-by-signal',
      action: 'LOCK_DOOR',
      device: { deviceId: 'replay-5', attempt: { outcome: 'never' } },
      input: { watchWindow: 0, pollInterval: { initial: '10 minutes' } },
      drive: async (handle) => {
        sim.resolveActionAttempt(await untilPolling(handle), 'success');
        await signalActionAttemptEnded(handle);
      },
    },
    {
      name: 'lock-cancelled-while-polling',
      action: 'LOCK_DOOR',
      device: { deviceId: 'replay-6', attempt: { outcome: 'never' } },
      input: { watchWindow: 0 },
      drive: async (handle) => {
        await untilPolling(handle);
        await cancelLockAction(handle);
      },
    },
  ];
  try {
    await recordAll(env, sim, scenarios, apiKey);
  } finally {
    await sim.close();
    await env.teardown();
  }
}

async function recordAll(env: TestWorkflowEnvironment, sim: SeamSimulator, scenarios: Scenario[], apiKey: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: new DefaultLogger('WARN') });
  const worker = await createLockstepWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'record-histories',
    seam: { apiKey, endpoint: sim.url, requestTimeoutMs: 5_000 },
    workflowBundle: { code },
  });
  await worker.runUntil(async () => {
    for (const scenario of scenarios) {
      sim.setDevice(scenario.device);
      const handle = await startLockAction(env.client, scenario.action, { ...scenario.input, deviceId: scenario.device.deviceId, requestId: scenario.name }, { taskQueue: 'record-histories' });
      await scenario.drive?.(handle);
      const outcome = await lockActionOutcome(handle);
      const path = resolve(__dirname, '..', 'test', 'histories', `${scenario.name}.json`);
      writeFileSync(path, historyToJSON(await handle.fetchHistory()) + '\n');
      console.log(`${scenario.name}: ${outcome.ok ? 'success' : outcome.code} -> ${path}`);
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
