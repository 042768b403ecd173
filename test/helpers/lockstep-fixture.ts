/**
 * One fixture for the real parts most tests need: a Temporal environment (time-skipping or the
 * dev server), the Seam simulator over real HTTP (./simulator-fixture.ts), and the production
 * lockstep worker between them, started in `beforeAll` and torn down in `afterAll` of the file
 * that calls it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cleanEnv, startLockstep, type Running } from './processes';
import { simulatorFixture, type SimulatorFixture } from './simulator-fixture';
import { runLockstepWorker } from './temporal';

export interface LockstepFixture extends Omit<SimulatorFixture, 'start' | 'stop'> {
  env: TestWorkflowEnvironment;
  taskQueue: string;
}

export function useLockstepFixture(startEnv: () => Promise<TestWorkflowEnvironment>): LockstepFixture {
  const simulator = simulatorFixture();
  let stopWorker: (() => Promise<void>) | undefined;
  const fixture = {
    apiKey: simulator.apiKey,
    get sim() {
      return simulator.sim;
    },
    device: simulator.device,
  } as LockstepFixture;

  beforeAll(async () => {
    [fixture.env] = await Promise.all([startEnv(), simulator.start()]);
    ({ taskQueue: fixture.taskQueue, stop: stopWorker } = await runLockstepWorker(fixture.env, {
      apiKey: simulator.apiKey,
      endpoint: simulator.sim.url,
    }));
  }, 60_000);

  afterAll(async () => {
    await stopWorker?.();
    await simulator.stop();
    await fixture.env?.teardown();
  });

  return fixture;
}

/**
 * A real `lockstep worker` process against the fixture's Temporal server and simulator, polling
 * `taskQueue` (for a worker that comes late to work already started there); SIGTERM stops it.
 */
export function startWorkerProcess(fixture: LockstepFixture, taskQueue: string): Running {
  return startLockstep(
    ['worker'],
    cleanEnv({
      SEAM_API_KEY: fixture.apiKey,
      SEAM_ENDPOINT: fixture.sim.url,
      TEMPORAL_ADDRESS: fixture.env.address,
      LOCKSTEP_TASK_QUEUE: taskQueue,
    }),
  );
}
