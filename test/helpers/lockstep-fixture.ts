/**
 * One fixture for the real parts most tests need: a Temporal environment (time-skipping or the
 * dev server), the Seam simulator over real HTTP, and the production lockstep worker between
 * them, started in `beforeAll` and torn down in `afterAll` of the file that calls it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { startSeamSimulator, type DeviceScenarioInput, type SeamSimulator } from '../../src/simulator/seam-simulator';
import { runLockstepWorker } from './temporal';

export interface LockstepFixture {
  /** The Seam key the simulator accepts and the worker sends (never in a history). */
  readonly apiKey: string;
  env: TestWorkflowEnvironment;
  sim: SeamSimulator;
  taskQueue: string;
  /** A fresh simulated device with this scenario; returns its id. */
  device(scenario?: Omit<DeviceScenarioInput, 'deviceId'>): string;
}

export function useLockstepFixture(startEnv: () => Promise<TestWorkflowEnvironment>): LockstepFixture {
  let stopWorker: (() => Promise<void>) | undefined;
  const fixture = {
    apiKey: `seam_simulator_${randomUUID().replace(/-/g, '')}`,
    device(scenario: Omit<DeviceScenarioInput, 'deviceId'> = {}) {
      const deviceId = `dev-${randomUUID()}`;
      fixture.sim.setDevice({ ...scenario, deviceId });
      return deviceId;
    },
  } as LockstepFixture;

  beforeAll(async () => {
    [fixture.env, fixture.sim] = await Promise.all([startEnv(), startSeamSimulator({ apiKey: fixture.apiKey })]);
    ({ taskQueue: fixture.taskQueue, stop: stopWorker } = await runLockstepWorker(fixture.env, {
      apiKey: fixture.apiKey,
      endpoint: fixture.sim.url,
    }));
  }, 60_000);

  afterAll(async () => {
    await stopWorker?.();
    await fixture.sim?.close();
    await fixture.env?.teardown();
  });

  return fixture;
}
