/**
 * `lockstep simulator`: the Seam simulator as a process of its own (fault suites kill and
 * restart it like a Seam outage). SEAM_API_KEY is the one key it accepts.
 */
import { devStackDefaults } from '../dev/dev-stack';
import { demoDeviceScenarios } from '../dev/simulator/demo-devices';
import { startSeamSimulator } from '../dev/simulator/seam-simulator';
import { seamConfigFromEnv } from '../ops/config';
import { onShutdownSignals } from '../ops/shutdown-signals';
import { exitCodes, parse, portOption, type Io } from './args';

export async function simulatorCommand(io: Io, argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, 'demo-devices': { type: 'boolean', default: false } });
  const port = portOption(values.port, 'port', devStackDefaults.simulatorPort);
  const apiKey = seamConfigFromEnv({ SEAM_API_KEY: io.env.SEAM_API_KEY }).apiKey;
  const simulator = await startSeamSimulator({
    apiKey,
    port,
    devices: values['demo-devices'] ? demoDeviceScenarios : [],
  });
  io.out(`ready ${simulator.url}`);
  await new Promise<void>((resolve) => onShutdownSignals({ first: () => resolve(), again: () => undefined }));
  await simulator.close();
  return exitCodes.ok;
}
