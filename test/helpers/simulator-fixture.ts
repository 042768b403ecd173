/**
 * The Seam simulator as a test fixture: a fresh API key, the simulator on a free loopback port,
 * and fresh devices per test. `useSimulator()` registers its own start and teardown.
 */
import { randomUUID } from 'node:crypto';
import {
  startSeamSimulator,
  type DeviceScenarioInput,
  type SeamSimulator,
} from '../../src/dev/simulator/seam-simulator';

export interface SimulatorFixture {
  /** The one key the simulator accepts (never in a history, a result or a log). */
  readonly apiKey: string;
  sim: SeamSimulator;
  /** A fresh simulated device with this scenario; returns its id. */
  device(scenario?: Omit<DeviceScenarioInput, 'deviceId'>): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function simulatorFixture(): SimulatorFixture {
  const fixture: SimulatorFixture = {
    apiKey: `seam_simulator_${randomUUID().replace(/-/g, '')}`,
    sim: undefined as unknown as SeamSimulator,
    device(scenario = {}) {
      const deviceId = `dev-${randomUUID()}`;
      fixture.sim.setDevice({ ...scenario, deviceId });
      return deviceId;
    },
    async start() {
      fixture.sim = await startSeamSimulator({ apiKey: fixture.apiKey });
    },
    async stop() {
      await fixture.sim?.close();
    },
  };
  return fixture;
}

/** A simulator for the whole test file, started in `beforeAll` and closed in `afterAll`. */
export function useSimulator(): SimulatorFixture {
  const fixture = simulatorFixture();
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());
  return fixture;
}
