/**
 * `make demo`: the embedded stack on free ports (in memory, headless), one lock action per
 * demo device with live progress, each typed result or failure printed, then a clean teardown.
 * Exits 0 only when every device behaved as its scenario says it must.
 */
import { Client } from '@temporalio/client';
import { startLockAction, type LockActionOutcome } from '../client';
import type { Alert, FailureCode, LockAction } from '../contract';
import { newDevSeamApiKey, startDevStack } from '../dev/dev-stack';
import { freePort } from '../dev/free-port';
import { installOperatorRuntime } from '../worker';
import { demoDevices } from '../dev/simulator/demo-devices';
import { alertReceiver } from '../dev/alert-receiver';
import { runStayDemo } from './demo-stay';
import { followLockAction } from './follow';
import { progressLine, renderOutcome } from './render';

interface DemoStep {
  title: string;
  action: LockAction;
  deviceId: string;
  expect: (outcome: LockActionOutcome) => boolean;
}

const succeeds = (confirmed: boolean | null) => (o: LockActionOutcome) =>
  o.ok && o.result.wasConfirmedByDevice === confirmed;
const failsWith = (code: FailureCode) => (o: LockActionOutcome) => !o.ok && o.code === code;

export const demoSteps: DemoStep[] = [
  {
    title: 'Lock a lock that confirms at once',
    action: 'LOCK_DOOR',
    deviceId: demoDevices.instant,
    expect: succeeds(true),
  },
  {
    title: 'Unlock a slow lock (finishes on durable timers)',
    action: 'UNLOCK_DOOR',
    deviceId: demoDevices.slow,
    expect: succeeds(true),
  },
  {
    title: 'Lock a lock that cannot confirm the bolt moved',
    action: 'LOCK_DOOR',
    deviceId: demoDevices.unconfirmed,
    expect: succeeds(false),
  },
  {
    title: 'Lock an offline lock',
    action: 'LOCK_DOOR',
    deviceId: demoDevices.offline,
    expect: failsWith('DEVICE_OFFLINE'),
  },
  {
    title: 'Unlock a lock without remote unlock',
    action: 'UNLOCK_DOOR',
    deviceId: demoDevices.noRemoteUnlock,
    expect: failsWith('CAPABILITY_MISSING'),
  },
];

export async function runDemo(io: { out: (text: string) => void; err: (text: string) => void }): Promise<number> {
  io.out('Starting the embedded stack: Temporal dev server, Seam simulator, lockstep worker ...');
  const seamApiKey = newDevSeamApiKey();
  // The demo prints each step itself; the worker speaks up only for errors.
  installOperatorRuntime({ level: 'ERROR', secrets: [seamApiKey] });
  const alerts: Alert[] = [];
  const receiver = alertReceiver(undefined, (alert) => alerts.push(alert));
  await receiver.start();
  const stack = await startDevStack({
    seamApiKey,
    temporalPort: await freePort(),
    uiPort: null,
    simulatorPort: await freePort(),
    // Seam's webhooks, signed by the simulator: the worker learns each attempt's end by push.
    webhookPort: await freePort(),
    dbFile: null,
    taskQueue: 'lockstep-demo',
    log: io.err,
    alerts: { url: receiver.url, secret: receiver.secret },
  });
  let failures = 0;
  try {
    const client = new Client({ connection: stack.connection, namespace: stack.namespace });
    io.out(`Temporal at ${stack.temporalAddress}, Seam simulator at ${stack.simulator.url}\n`);
    for (const [index, step] of demoSteps.entries()) {
      io.out(`${index + 1}. ${step.title}`);
      const handle = await startLockAction(
        client,
        step.action,
        { deviceId: step.deviceId, requestId: `demo-${Date.now()}-${index}` },
        { taskQueue: stack.taskQueue },
      );
      const outcome = await followLockAction(handle, (p) =>
        io.out(`   … ${progressLine(step.action, step.deviceId, p)}`),
      );
      io.out(renderOutcome(step.action, step.deviceId, outcome));
      if (!step.expect(outcome)) {
        failures++;
        io.out('   ^ not what this demo device should do');
      }
      io.out('');
    }
    io.out(
      `${demoSteps.length + 1}. A stay: check-in, moved, check-out with a door offline (alert raised, then resolved)`,
    );
    const stayOk = await runStayDemo({
      client,
      simulator: stack.simulator,
      taskQueue: stack.taskQueue,
      alerts,
      out: io.out,
    });
    if (!stayOk) {
      failures++;
      io.out('   ^ the stay did not end as designed');
    }
  } finally {
    await stack.stop();
    await receiver.stop();
    io.out('Stack stopped.');
  }
  io.out(
    failures === 0
      ? `Demo complete: all ${demoSteps.length} lock actions and the stay behaved as expected.`
      : `Demo FAILED: ${failures} unexpected outcome(s).`,
  );
  return failures === 0 ? 0 : 1;
}
