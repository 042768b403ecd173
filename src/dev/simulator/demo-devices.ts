/**
 * The devices the embedded dev stack's Seam simulator starts with: one of each behaviour a
 * lock integration meets, so `make demo` and `lockstep dev` show them all.
 */
import type { DeviceScenarioInput } from './seam-simulator';

export const demoDevices = {
  instant: 'demo-instant-lock',
  slow: 'demo-slow-lock',
  unconfirmed: 'demo-unconfirmed-lock',
  offline: 'demo-offline-lock',
  noRemoteUnlock: 'demo-no-remote-unlock',
} as const;

export const demoDeviceScenarios: DeviceScenarioInput[] = [
  {
    deviceId: demoDevices.instant,
    name: 'Room 101',
    locked: false,
    attempt: { pendingMs: 300, wasConfirmedByDevice: true },
  },
  // Pending longer than the command's watch window: the workflow finishes on durable timers.
  {
    deviceId: demoDevices.slow,
    name: 'Back office (battery lock behind a hub)',
    locked: true,
    attempt: { pendingMs: 9_000 },
  },
  {
    deviceId: demoDevices.unconfirmed,
    name: 'Room 102 (cannot confirm)',
    locked: false,
    attempt: { pendingMs: 800, wasConfirmedByDevice: false },
  },
  {
    deviceId: demoDevices.offline,
    name: 'Garage',
    online: false,
    errors: [{ error_code: 'device_offline', message: 'The lock has not been seen for 2 hours.' }],
  },
  {
    deviceId: demoDevices.noRemoteUnlock,
    name: 'Lobby (lock-only)',
    locked: false,
    canRemotelyUnlock: false,
    warnings: [{ warning_code: 'device_has_flaky_connection', message: 'Connection drops now and then.' }],
  },
];
