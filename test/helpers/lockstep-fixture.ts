/**
 * One fixture for the real parts most tests need: a Temporal environment (time-skipping or the
 * dev server), the Seam simulator over real HTTP (./simulator-fixture.ts), and the production
 * lockstep worker between them, started in `beforeAll` and torn down in `afterAll` of the file
 * that calls it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AlertConfig } from '../../src/activities/alerts';
import { cleanEnv, startLockstep, type Running } from './processes';
import { simulatorFixture, type SimulatorFixture } from './simulator-fixture';
import { runLockstepWorker } from './temporal';

export interface LockstepFixture extends Omit<SimulatorFixture, 'start' | 'stop'> {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Another worker on a fresh task queue (e.g. with another Seam key), stopped before the environment. */
  startWorker(
    seam: { apiKey: string; endpoint: string },
    alerts?: AlertConfig,
    options?: { push?: boolean },
  ): Promise<{ taskQueue: string }>;
}

export interface LockstepFixtureOptions {
  /** Where the main worker delivers alerts (read once the file's fixtures have started). */
  alerts?: () => AlertConfig;
}

export function useLockstepFixture(
  startEnv: () => Promise<TestWorkflowEnvironment>,
  options: LockstepFixtureOptions = {},
): LockstepFixture {
  const simulator = simulatorFixture();
  const stopWorkers: (() => Promise<void>)[] = [];
  const fixture = {
    apiKey: simulator.apiKey,
    get sim() {
      return simulator.sim;
    },
    device: simulator.device,
    async startWorker(seam, alerts?: AlertConfig, options?: { push?: boolean }) {
      const worker = await runLockstepWorker(fixture.env, seam, undefined, alerts, options);
      stopWorkers.push(worker.stop);
      return { taskQueue: worker.taskQueue };
    },
  } as LockstepFixture;

  beforeAll(async () => {
    [fixture.env] = await Promise.all([startEnv(), simulator.start()]);
    ({ taskQueue: fixture.taskQueue } = await fixture.startWorker(
      { apiKey: simulator.apiKey, endpoint: simulator.sim.url },
      options.alerts?.(),
    ));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stopWorkers.map((stop) => stop()));
    await simulator.stop();
    await fixture.env?.teardown();
  });

  return fixture;
}

/**
 * A real `lockstep worker` process against the fixture's Temporal server and simulator, polling
 * `taskQueue` (for a worker that comes late to work already started there), with `extraEnv` on
 * top; SIGTERM stops it.
 */
export function startWorkerProcess(
  fixture: LockstepFixture,
  taskQueue: string,
  extraEnv: Record<string, string> = {},
): Running {
  return startLockstep(
    ['worker'],
    cleanEnv({
      SEAM_API_KEY: fixture.apiKey,
      SEAM_ENDPOINT: fixture.sim.url,
      TEMPORAL_ADDRESS: fixture.env.address,
      LOCKSTEP_TASK_QUEUE: taskQueue,
      ...extraEnv,
    }),
  );
}
