/**
 * Records workflow histories for the replay tests (test/workflows/replay.test.ts): runs each
 * scenario on the time-skipping server against the Seam simulator and saves its history as
 * JSON under test/histories/.
 *
 * It records only histories that do not exist yet: a history recorded by an older version is
 * what proves a change is still replay-compatible, so it is never overwritten. When a change
 * adds a branch (behind `patched()`), add a scenario with a new name and run this again.
 *
 *   npx tsx scripts/record-histories.ts
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  cancelLockAction,
  executeDoorLockAction,
  lockActionOutcome,
  queryDoor,
  queryProgress,
  queryReservation,
  signalActionAttemptEnded,
  startLockAction,
  withdrawDoorLockAction,
} from '../src/client';
import { doorWorkflowId, type DoorView } from '../src/contract/door';
import { reservationWorkflowId, type ReservationView } from '../src/contract/reservation-core';
import type { LockAction, LockActionInput } from '../src/contract';
import { startSeamSimulator, type DeviceScenarioInput, type SeamSimulator } from '../src/dev/simulator/seam-simulator';
import { temporalCliPath, temporalTestServerPath } from '../src/dev/toolchain';
import { lockstepSearchAttributes } from '../src/contract/search-attributes';
import { addSearchAttributes } from '../src/ops/search-attributes';
import { newWebhookSecret } from '../src/dev/simulator/webhook-sender';
import { deliverToTemporal } from '../src/webhooks/temporal-delivery';
import { startWebhookReceiver } from '../src/webhooks/receiver';
import { createLockstepWorker } from '../src/worker';

interface Scenario {
  name: string;
  action: LockAction;
  device: DeviceScenarioInput;
  input: Omit<LockActionInput, 'deviceId'>;
  /** Starts the action for this device id instead (one the simulator does not know). */
  deviceIdOverride?: string;
  /** Drives the running workflow (signal, cancel) before its outcome is awaited. */
  drive?: (handle: Awaited<ReturnType<typeof startLockAction>>) => Promise<void>;
  /** Runs before the action starts (e.g. another action at the same door). */
  before?: () => Promise<void>;
  /** Also saves the device's door history (DoorWorkflow), as `door-workflow-<rest of the name>`. */
  saveDoorHistory?: boolean;
  /** Also saves the device's door history, under this name. */
  doorHistoryName?: string;
}

const untilPhase = async (handle: Awaited<ReturnType<typeof startLockAction>>, phase: string) => {
  while ((await queryProgress(handle)).phase !== phase) await new Promise((r) => setTimeout(r, 50));
  return (await queryProgress(handle)).actionAttemptId!;
};
const untilPolling = (handle: Awaited<ReturnType<typeof startLockAction>>) => untilPhase(handle, 'polling');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const apiKey = 'seam_recording_key';
  const sim = await startSeamSimulator({ apiKey });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  await addSearchAttributes(env.connection.operatorService, 'default');
  /** Waits until the device's door is in the state `reached` looks for. */
  const untilDoor = async (deviceId: string, reached: (door: DoorView) => boolean) => {
    for (;;) {
      const door = await queryDoor(env.client, deviceId).catch(() => undefined);
      if (door && reached(door)) return door;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Waits until the device's door runs its command in `phase`; returns the attempt it follows. */
  const untilDoorPhase = async (deviceId: string, phase: string) =>
    (await untilDoor(deviceId, (door) => door.current?.phase === phase)).current!.actionAttemptId!;
  const lockDr7 = (requestId: string) =>
    startLockAction(env.client, 'LOCK_DOOR', { deviceId: 'dr-7', requestId }, { taskQueue: 'record-histories' });
  /** Cancels the action as soon as its first command reaches the simulator. */
  const cancelOnceSent = (deviceId: string) => async (handle: Awaited<ReturnType<typeof startLockAction>>) => {
    while (sim.countsFor(deviceId).commandsReceived === 0) await new Promise((r) => setTimeout(r, 20));
    await cancelLockAction(handle);
  };

  // The histories without a prefix (lock-success-in-watch, ...) were recorded before the
  // `send-by-deadline` patch and replay its legacy branch; their scenarios are in git history.
  // Since the patch: one history per branch of the script.
  const scenarios: Scenario[] = [
    {
      name: 'send-by-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-1', attempt: { pendingMs: 300 } },
      input: {},
    },
    {
      name: 'send-by-unlock-success-after-durable-polls',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'sb-2', locked: true, attempt: { pendingReads: 3 } },
      input: { watchWindow: 0 },
    },
    {
      name: 'send-by-lock-timed-out',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-3', attempt: { outcome: 'never', updatesLockedState: false } },
      input: { watchWindow: 0 },
    },
    {
      name: 'send-by-lock-capability-missing',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-4', canRemotelyLock: null },
      input: {},
    },
    {
      name: 'send-by-lock-woken-by-signal',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-5', attempt: { outcome: 'never' } },
      input: { watchWindow: 0, pollInterval: { initial: '10 minutes' } },
      drive: async (handle) => {
        sim.resolveActionAttempt(await untilPolling(handle), 'success');
        await signalActionAttemptEnded(handle);
      },
    },
    {
      name: 'send-by-lock-cancelled-while-polling',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-6', attempt: { outcome: 'never' } },
      input: { watchWindow: 0 },
      drive: async (handle) => {
        await untilPolling(handle);
        await cancelLockAction(handle);
      },
    },
    {
      name: 'send-by-lock-invalid-input',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-7' },
      input: { timeout: 'forever' },
    },
    {
      name: 'send-by-unlock-deadline-passed',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'sb-8' },
      input: { notAfter: '2020-01-01T00:00:00Z' },
    },
    {
      name: 'send-by-lock-back-off-then-sent',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-9', faults: [{ route: '/locks/lock_door', kind: '503', count: 2 }] },
      input: {},
    },
    {
      name: 'send-by-lock-resent-after-lost-response',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-10', faults: [{ route: '/locks/lock_door', kind: 'acted-then-reset', count: 1 }] },
      input: {},
    },
    {
      name: 'send-by-unlock-outcome-unknown',
      action: 'UNLOCK_DOOR',
      device: {
        deviceId: 'sb-11',
        locked: true,
        faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }],
      },
      input: {},
    },
    {
      name: 'send-by-lock-cancelled-while-watching',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-12', attempt: { outcome: 'never' } },
      input: { watchWindow: '20s' },
      drive: async (handle) => {
        await untilPhase(handle, 'watching');
        await cancelLockAction(handle);
      },
    },
    {
      name: 'send-by-unlock-cancelled-while-sending',
      action: 'UNLOCK_DOOR',
      device: {
        deviceId: 'sb-13',
        locked: true,
        faults: [{ route: '/locks/unlock_door', kind: 'stall-response', count: 1, stallMs: 20_000, trickleMs: 200 }],
      },
      input: {},
      drive: cancelOnceSent('sb-13'),
    },
    {
      name: 'send-by-lock-cancelled-during-back-off',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-14', faults: [{ route: '/locks/lock_door', kind: '503', count: 3 }] },
      input: {},
      drive: cancelOnceSent('sb-14'),
    },
    {
      name: 'send-by-lock-attempt-failed',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-15', attempt: { outcome: 'error' } },
      input: {},
    },
    {
      name: 'send-by-lock-device-not-found',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sb-16' },
      input: {},
      deviceIdOverride: 'sb-missing',
    },
    // Since the `door-ordering` patch: the command goes through the device's door.
    {
      name: 'door-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'dr-1', attempt: { pendingMs: 300 } },
      input: {},
      saveDoorHistory: true,
    },
    {
      name: 'door-unlock-success-after-durable-polls',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'dr-2', locked: true, attempt: { pendingReads: 3 } },
      input: { watchWindow: 0 },
      saveDoorHistory: true,
    },
    {
      name: 'door-lock-woken-by-signal',
      action: 'LOCK_DOOR',
      device: { deviceId: 'dr-3', attempt: { outcome: 'never' } },
      input: { watchWindow: 0, pollInterval: { initial: '10 minutes' } },
      drive: async (handle) => {
        sim.resolveActionAttempt(await untilDoorPhase('dr-3', 'polling'), 'success');
        await signalActionAttemptEnded(handle);
      },
      saveDoorHistory: true,
    },
    {
      name: 'door-lock-cancelled-while-polling',
      action: 'LOCK_DOOR',
      device: { deviceId: 'dr-4', attempt: { outcome: 'never' } },
      input: { watchWindow: 0 },
      drive: async (handle) => {
        await untilDoorPhase('dr-4', 'polling');
        await cancelLockAction(handle);
      },
      saveDoorHistory: true,
    },
    {
      name: 'door-lock-capability-missing',
      action: 'LOCK_DOOR',
      device: { deviceId: 'dr-5', canRemotelyLock: null },
      input: {},
    },
    {
      name: 'door-unlock-outcome-unknown',
      action: 'UNLOCK_DOOR',
      device: {
        deviceId: 'dr-6',
        locked: true,
        faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }],
      },
      input: {},
      saveDoorHistory: true,
    },
    {
      name: 'door-unlock-superseded',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'dr-7', attempt: { pendingMs: 3_000 } },
      input: {},
      // The unlock waits behind a running lock and is overtaken by a newer lock.
      before: async () => {
        await lockDr7('dr-7-first');
        // Watching: since the door's send-and-watch, in its send try (the door says `commanding`).
        while (sim.countsFor('dr-7').actionAttemptReads < 2) await new Promise((r) => setTimeout(r, 20));
      },
      drive: async () => {
        await untilDoor('dr-7', (door) => door.waiting?.action === 'UNLOCK_DOOR');
        await lockDr7('dr-7-newer');
      },
      saveDoorHistory: true,
    },
    // Since the `search-attributes` patch: the action writes its outcome where operators filter.
    {
      name: 'attrs-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sa-1', attempt: { pendingMs: 300 } },
      input: {},
    },
    {
      name: 'attrs-unlock-outcome-unknown',
      action: 'UNLOCK_DOOR',
      device: {
        deviceId: 'sa-2',
        locked: true,
        faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }],
      },
      input: {},
    },
    // Since the `check-at-door` patch: the device check activity hands the
    // request to the door; one marker, one search-attribute upsert at the end.
    {
      name: 'knock-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'kn-1', attempt: { pendingMs: 300 } },
      input: {},
    },
    {
      name: 'knock-unlock-success-after-durable-polls',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'kn-2', locked: true, attempt: { pendingReads: 3 } },
      input: { watchWindow: 0 },
    },
    {
      name: 'knock-lock-cancelled-while-polling',
      action: 'LOCK_DOOR',
      device: { deviceId: 'kn-3', attempt: { outcome: 'never' } },
      input: { watchWindow: 0 },
      drive: async (handle) => {
        await untilDoorPhase('kn-3', 'polling');
        await cancelLockAction(handle);
      },
    },
    {
      name: 'knock-lock-cancelled-while-checking',
      action: 'LOCK_DOOR',
      device: { deviceId: 'kn-7', devicesGetDelayMs: 1_500 },
      input: {},
      drive: async (handle) => {
        while (sim.countsFor('kn-7').deviceReads === 0) await new Promise((r) => setTimeout(r, 20));
        await cancelLockAction(handle);
      },
    },
    {
      name: 'knock-lock-capability-missing',
      action: 'LOCK_DOOR',
      device: { deviceId: 'kn-4', canRemotelyLock: null },
      input: {},
    },
    {
      name: 'knock-lock-invalid-input',
      action: 'LOCK_DOOR',
      device: { deviceId: 'kn-5' },
      input: { timeout: 'forever' },
    },
    {
      name: 'knock-unlock-outcome-unknown',
      action: 'UNLOCK_DOOR',
      device: {
        deviceId: 'kn-6',
        locked: true,
        faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }],
      },
      input: {},
    },
    // Since the door's `send-and-watch` patch: the accepted send try watches in the same
    // activity. Saved: the doors' histories (their lock actions are check-at-door ones).
    {
      name: 'knock-sw-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sw-1', attempt: { pendingMs: 300 } },
      input: {},
      doorHistoryName: 'door-workflow-sw-lock-success-in-watch',
    },
    {
      name: 'knock-sw-unlock-success-after-watch-and-polls',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'sw-2', locked: true, attempt: { pendingReads: 8 } },
      input: { watchWindow: '1s' },
      doorHistoryName: 'door-workflow-sw-unlock-success-after-watch-and-polls',
    },
    {
      name: 'knock-sw-lock-cancelled-while-watching',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sw-3', attempt: { outcome: 'never' } },
      input: { watchWindow: '20s' },
      // Cancelled once the try watches: the door reads the attempt from the try's heartbeat.
      drive: async (handle) => {
        while (sim.countsFor('sw-3').actionAttemptReads === 0) await new Promise((r) => setTimeout(r, 20));
        await cancelLockAction(handle);
      },
      doorHistoryName: 'door-workflow-sw-lock-cancelled-while-watching',
    },
    // Since the door's `send-try-ids` patch: a watching try's activity ID is counted
    // (send-try-<command>.<try>), so these replay with tracing on or off.
    {
      name: 'knock-sti-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sti-1', attempt: { pendingMs: 300 } },
      input: {},
      doorHistoryName: 'door-workflow-sti-lock-success-in-watch',
    },
    {
      name: 'knock-sti-lock-back-off-then-sent',
      action: 'LOCK_DOOR',
      device: {
        deviceId: 'sti-2',
        attempt: { pendingMs: 300 },
        faults: [{ route: '/locks/lock_door', kind: '503', count: 1 }],
      },
      input: {},
      doorHistoryName: 'door-workflow-sti-lock-back-off-then-sent',
    },
    {
      name: 'knock-sti-lock-cancelled-while-watching',
      action: 'LOCK_DOOR',
      device: { deviceId: 'sti-3', attempt: { outcome: 'never' } },
      input: { watchWindow: '20s' },
      drive: async (handle) => {
        while (sim.countsFor('sti-3').actionAttemptReads === 0) await new Promise((r) => setTimeout(r, 20));
        await cancelLockAction(handle);
      },
      doorHistoryName: 'door-workflow-sti-lock-cancelled-while-watching',
    },
    // Since the door's `door-facts-as-of-command` patch: facts as of when the command began.
    {
      name: 'knock-fa-lock-success-in-watch',
      action: 'LOCK_DOOR',
      device: { deviceId: 'fa-1', attempt: { pendingMs: 300 } },
      input: {},
      doorHistoryName: 'door-workflow-fa-lock-success-in-watch',
    },
    {
      name: 'knock-fa-unlock-seam-unavailable',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'fa-2', locked: true, faults: [{ route: '/locks/unlock_door', kind: '503', count: 1_000 }] },
      input: { timeout: '30s' },
      doorHistoryName: 'door-workflow-fa-unlock-seam-unavailable',
    },
    // Since the door's `announced-unlock-send`: an unlock's tries announce their send first.
    {
      name: 'knock-an-unlock-success',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'an-1', locked: true, attempt: { pendingMs: 300 } },
      input: {},
      doorHistoryName: 'door-workflow-an-unlock-success',
    },
    {
      name: 'knock-an-unlock-sent-after-a-503',
      action: 'UNLOCK_DOOR',
      device: { deviceId: 'an-2', locked: true, faults: [{ route: '/locks/unlock_door', kind: '503', count: 1 }] },
      input: {},
      doorHistoryName: 'door-workflow-an-unlock-sent-after-a-503',
    },
  ];
  const day = 24 * 60 * 60_000;
  const at = async (offsetMs: number) => new Date((await env.currentTimeMs()) + offsetMs).toISOString();
  const stay = async (key: string, reservation: Record<string, unknown>) =>
    env.client.workflow.start('ReservationWorkflow', {
      args: [{ reservationKey: key, ...reservation }],
      taskQueue: 'record-histories',
      workflowId: reservationWorkflowId(key),
    });
  // Stays (ReservationWorkflow): one history per way a stay ends.
  const stays: StayScenario[] = [
    {
      name: 'stay-unlocks-and-locks',
      devices: [{ deviceId: 'st-1', locked: true }],
      start: async () =>
        stay('st-1', {
          deviceIds: ['st-1'],
          checkIn: await at(day),
          checkOut: await at(2 * day),
          unlockAtCheckIn: true,
        }),
    },
    {
      name: 'stay-rescheduled-then-cancelled',
      devices: [{ deviceId: 'st-2', locked: true }],
      start: async () => {
        const reservation = {
          deviceIds: ['st-2'],
          checkIn: await at(day),
          checkOut: await at(2 * day),
          unlockAtCheckIn: true,
        };
        const handle = await stay('st-2', reservation);
        await handle.executeUpdate('upsert', {
          args: [{ ...reservation, reservationKey: 'st-2', checkIn: await at(3 * day), checkOut: await at(4 * day) }],
        });
        await handle.executeUpdate('cancel');
        return handle;
      },
    },
    {
      name: 'stay-offline-door-locked-after-attention',
      devices: [{ deviceId: 'st-3', online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] }],
      start: async () => {
        const handle = await stay('st-3', { deviceIds: ['st-3'], checkIn: await at(-day), checkOut: await at(60_000) });
        // Back online after 22 tries, past the 10 minutes after which attention is raised, while
        // the caller awaits the result (only one result call at a time: each unlocks time skipping).
        void (async () => {
          while (sim.countsFor('st-3').deviceReads < 22) await new Promise((r) => setTimeout(r, 20));
          sim.setDevice({ deviceId: 'st-3' });
        })();
        return handle;
      },
    },
    // Since the `stay-cancel-locks` patch: Temporal's own cancel locks what the stay unlocked.
    {
      name: 'stay-temporal-cancel-locks',
      devices: [{ deviceId: 'st-5', locked: true }],
      start: async () => {
        const handle = await stay('st-5', {
          deviceIds: ['st-5'],
          checkIn: await at(0),
          checkOut: await at(2 * day),
          unlockAtCheckIn: true,
        });
        while (sim.countsFor('st-5').commandsReceived === 0) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 1_000));
        await handle.cancel();
        return handle;
      },
    },
    // Since the `stay-serial-upserts` patch: upserts apply one after another, in accepted order.
    {
      name: 'stay-serial-upserts',
      devices: [{ deviceId: 'st-6' }],
      start: async () => {
        const reservation = { deviceIds: ['st-6'], checkIn: await at(day), checkOut: await at(2 * day) };
        const handle = await stay('st-6', reservation);
        await Promise.all(
          [3, 4, 5].map(async (days) =>
            handle.executeUpdate('upsert', {
              args: [{ ...reservation, reservationKey: 'st-6', checkOut: await at(days * day) }],
            }),
          ),
        );
        await handle.executeUpdate('checkOutNow');
        return handle;
      },
    },
    {
      name: 'stay-check-out-now',
      devices: [{ deviceId: 'st-4' }],
      start: async () => {
        const handle = await stay('st-4', {
          deviceIds: ['st-4'],
          checkIn: await at(-day),
          checkOut: await at(2 * day),
        });
        await handle.executeUpdate('checkOutNow');
        return handle;
      },
    },
    // Since the `stay-same-upsert-after-check-out` patch: the reservation the stay holds, sent
    // again once check-out has begun, is answered with the stay (a change is still refused).
    {
      name: 'stay-same-upsert-after-check-out',
      devices: [{ deviceId: 'st-7', locked: false, attempt: { outcome: 'never' } }],
      start: async () => {
        const reservation = {
          reservationKey: 'st-7',
          deviceIds: ['st-7'],
          checkIn: await at(-day),
          checkOut: await at(-1_000),
          watchAfterCheckOut: '0s',
        };
        const handle = await stay('st-7', reservation);
        while ((await queryReservation(env.client, 'st-7').catch(() => undefined))?.stage !== 'checking_out')
          await new Promise((r) => setTimeout(r, 50));
        await handle.executeUpdate('upsert', { args: [reservation] });
        const changed = { ...reservation, checkOut: await at(day) };
        const refused = await handle.executeUpdate('upsert', { args: [changed] }).then(
          () => false,
          () => true,
        );
        if (!refused) throw new Error('a changed upsert after check-out was taken');
        const [pending] = sim.actionAttempts().filter((a) => a.deviceId === 'st-7' && a.status === 'pending');
        sim.resolveActionAttempt(pending.actionAttemptId, 'success');
        return handle;
      },
    },
  ];
  // Door schedule runs (ScheduledDoorActionWorkflow), started directly as a schedule would. The
  // scheduled-v1-* histories were recorded by the code before the `scheduled-fail-secure` patch
  // (5f1afe2), from these same scenarios under that prefix; since the patch: scheduled-fs-*.
  const run = (name: string, input: Record<string, unknown>) =>
    env.client.workflow.start('ScheduledDoorActionWorkflow', {
      args: [input],
      taskQueue: 'record-histories',
      workflowId: `door-schedule/${name}`,
    });
  /** Brings the device back once it has been read `reads` times (while the caller awaits the result). */
  const backAfterReads = (deviceId: string, reads: number) =>
    void (async () => {
      while (sim.countsFor(deviceId).deviceReads < reads) await new Promise((r) => setTimeout(r, 20));
      sim.setDevice({ deviceId });
    })();
  const offline = { online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] };
  const schedules: StayScenario[] = [
    {
      name: 'scheduled-fs-lock-one-door-offline',
      devices: [{ deviceId: 'scheduled-fs-1' }, { deviceId: 'scheduled-fs-2', ...offline }],
      start: async () => {
        const handle = await run('scheduled-fs-1', {
          scheduleId: 'scheduled-fs-1',
          action: 'lock',
          deviceIds: ['scheduled-fs-1', 'scheduled-fs-2'],
        });
        backAfterReads('scheduled-fs-2', 22);
        return handle;
      },
    },
    {
      name: 'scheduled-fs-unlock-offline',
      devices: [{ deviceId: 'scheduled-fs-3', locked: true, ...offline }],
      start: () =>
        run('scheduled-fs-2', {
          scheduleId: 'scheduled-fs-2',
          action: 'unlock',
          deviceIds: ['scheduled-fs-3'],
          unlockWindowMs: 120_000,
        }),
    },
  ];
  try {
    await recordAll(env, sim, scenarios, apiKey, [...stays, ...schedules]);
    await recordPushed(sim, apiKey);
    await recordDoorUpdates(sim, apiKey);
  } finally {
    await sim.close();
    await env.teardown();
  }
}

/** A history of another workflow than a lock action: started (and driven) by `start`, saved once it ends. */
interface StayScenario {
  name: string;
  devices: DeviceScenarioInput[];
  start: () => Promise<WorkflowHandle>;
}

/**
 * With push (LOCKSTEP_PUSH=on): the simulator's webhooks reach a receiver that signals the door
 * and the stays (found by visibility query), on the dev server in real time: the time-skipping
 * server lists no workflows. (push-lock-* were recorded on the time-skipping server, before
 * stays heard events.) Each scenario waits for its door to finish before it awaits the outcome.
 */
async function recordPushed(sim: SeamSimulator, apiKey: string): Promise<void> {
  const env = await devServerEnv();
  try {
    await recordPushedOn(env, sim, apiKey);
  } finally {
    await env.teardown();
  }
}

/**
 * Doors serving `lockAction` updates (update-with-start: not on the time-skipping server), on the
 * dev server in real time; the door's history is saved once its updates are answered.
 */
async function recordDoorUpdates(sim: SeamSimulator, apiKey: string): Promise<void> {
  const env = await devServerEnv();
  const opts = { taskQueue: 'record-histories' };
  const untilDoor = async (deviceId: string, reached: (door: DoorView) => boolean) => {
    while (!reached(await queryDoor(env.client, deviceId).catch(() => ({}) as DoorView)))
      await new Promise((r) => setTimeout(r, 50));
  };
  const scenarios: { name: string; device: DeviceScenarioInput; run: (deviceId: string) => Promise<unknown> }[] = [
    {
      name: 'door-workflow-update-lock-success',
      device: { deviceId: 'du-1', attempt: { pendingMs: 300 } },
      run: (deviceId) => executeDoorLockAction(env.client, 'LOCK_DOOR', { deviceId }, opts),
    },
    // An unlock runs; a lock waits and is superseded by a newer unlock, which a newer lock
    // supersedes in turn; that lock is withdrawn; an input the device check refuses.
    {
      name: 'door-workflow-update-superseded-withdrawn-invalid',
      device: { deviceId: 'du-2', locked: true, attempt: { pendingMs: 2_000 } },
      run: async (deviceId) => {
        const ask = (action: LockAction, requestId: string, input: Omit<LockActionInput, 'deviceId'> = {}) =>
          executeDoorLockAction(env.client, action, { ...input, deviceId, requestId }, opts);
        const first = ask('UNLOCK_DOOR', 'u1');
        await untilDoor(deviceId, (door) => door.current?.phase === 'commanding');
        const superseded = ask('LOCK_DOOR', 'l1');
        await untilDoor(deviceId, (door) => door.waiting?.action === 'LOCK_DOOR');
        const winner = ask('UNLOCK_DOOR', 'u2');
        await untilDoor(deviceId, (door) => door.waiting?.action === 'UNLOCK_DOOR');
        const withdrawn = ask('LOCK_DOOR', 'l2');
        await untilDoor(deviceId, (door) => door.waiting?.action === 'LOCK_DOOR');
        await withdrawDoorLockAction(env.client, 'LOCK_DOOR', deviceId, 'l2');
        const invalid = env.client.workflow
          .getHandle(doorWorkflowId(deviceId))
          .executeUpdate('lockAction', { args: [{ action: 'LOCK_DOOR', input: { deviceId, pollInterval: 'x' } }] })
          .catch((err: Error) => err.message);
        return Promise.all([first, superseded, winner, withdrawn, invalid]);
      },
    },
    // A waiting update whose send-by deadline comes while a command runs: DEADLINE_PASSED at once.
    {
      name: 'door-workflow-update-deadline-passed-while-waiting',
      device: { deviceId: 'du-4', locked: true, attempt: { pendingMs: 6_000 } },
      run: async (deviceId) => {
        const running = executeDoorLockAction(env.client, 'UNLOCK_DOOR', { deviceId, requestId: 'running' }, opts);
        while (sim.countsFor(deviceId).commandsReceived === 0) await new Promise((r) => setTimeout(r, 20));
        const notAfter = new Date(Date.now() + 3_000).toISOString();
        const late = executeDoorLockAction(env.client, 'LOCK_DOOR', { deviceId, requestId: 'late', notAfter }, opts);
        return Promise.all([running, late]);
      },
    },
    // Since the door's `door-cancel-learns-the-send`: a door cancelled while its command runs
    // learns what the send try did before it answers; what waited is answered CANCELLED.
    {
      name: 'door-workflow-update-door-cancelled-while-watching',
      device: { deviceId: 'du-3', locked: true, attempt: { pendingMs: 3_000 } },
      run: async (deviceId) => {
        const running = executeDoorLockAction(env.client, 'UNLOCK_DOOR', { deviceId, requestId: 'running' }, opts);
        await untilDoor(deviceId, (door) => door.current?.phase === 'commanding');
        while (sim.countsFor(deviceId).commandsReceived === 0) await new Promise((r) => setTimeout(r, 20));
        const waiting = executeDoorLockAction(env.client, 'LOCK_DOOR', { deviceId, requestId: 'waiting' }, opts);
        await untilDoor(deviceId, (door) => door.waiting?.action === 'LOCK_DOOR');
        await env.client.workflow.getHandle(doorWorkflowId(deviceId)).cancel();
        return Promise.all([running, waiting]);
      },
    },
  ];
  const worker = await recordingWorker(env, sim, apiKey);
  try {
    await worker.runUntil(async () => {
      for (const scenario of scenarios) {
        const path = newHistoryPath(scenario.name);
        if (!path) continue;
        sim.setDevice(scenario.device);
        const outcomes = await scenario.run(scenario.device.deviceId);
        const door = env.client.workflow.getHandle(doorWorkflowId(scenario.device.deviceId));
        writeFileSync(path, historyToJSON(await door.fetchHistory()) + '\n');
        console.log(`${scenario.name}: ${JSON.stringify(outcomes).slice(0, 300)} -> ${path}`);
      }
    });
  } finally {
    await env.teardown();
  }
}

async function recordPushedOn(env: TestWorkflowEnvironment, sim: SeamSimulator, apiKey: string): Promise<void> {
  const untilDoor = async (deviceId: string, reached: (door: DoorView) => boolean) => {
    for (;;) {
      const door = await queryDoor(env.client, deviceId).catch(() => undefined);
      if (door && reached(door)) return door;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver({
    secrets: [secret],
    deliver: (route, requestId) => deliverToTemporal(env.client, route, requestId),
  });
  sim.setWebhooks({ url: receiver.url, secret });
  const commandDone = (deviceId: string) => async () => {
    await untilDoor(deviceId, (door) => door.commandsRun > 0 && door.current === null);
  };
  const pushed: Scenario[] = [
    // The webhook wakes the door, which reads once; then the device goes offline and back.
    {
      name: 'push-lock-success-on-webhook',
      action: 'LOCK_DOOR',
      device: { deviceId: 'push-1', attempt: { pendingMs: 300 } },
      input: {},
      drive: async () => {
        await commandDone('push-1')();
        sim.updateDevice('push-1', { online: false });
        await untilDoor('push-1', (door) => door.knowledge.online === false);
        sim.updateDevice('push-1', { online: true, locked: false });
        await untilDoor('push-1', (door) => door.knowledge.online === true && door.knowledge.locked === false);
      },
      doorHistoryName: 'door-workflow-push-lock-success-on-webhook',
    },
    // Every webhook lost: the safety net's read finds the end.
    {
      name: 'push-lock-success-by-safety-net',
      action: 'LOCK_DOOR',
      // Ended at once: the time-skipping server jumps to the first read, a few real ms later.
      device: { deviceId: 'push-2', attempt: { pendingMs: 0 } },
      input: {},
      before: async () => {
        sim.setWebhooks({ url: receiver.url, secret, faults: { dropRate: 1 } });
        await Promise.resolve();
      },
      doorHistoryName: 'door-workflow-push-lock-success-by-safety-net',
    },
    // Since the door's `door-facts-as-of-command` patch: a device.disconnected heard while the
    // lock ran outlives the lock's "online" (as of when the command began).
    {
      name: 'push-fa-lock-disconnected-while-running',
      action: 'LOCK_DOOR',
      device: { deviceId: 'push-fa-1', attempt: { outcome: 'never' } },
      input: {},
      before: async () => {
        sim.setWebhooks({ url: receiver.url, secret }); // every webhook delivered again
        await Promise.resolve();
      },
      drive: async () => {
        const { current } = await untilDoor('push-fa-1', (door) => Boolean(door.current?.actionAttemptId));
        sim.updateDevice('push-fa-1', { online: false });
        await untilDoor('push-fa-1', (door) => door.knowledge.online === false);
        sim.resolveActionAttempt(current!.actionAttemptId!, 'success');
        await commandDone('push-fa-1')();
      },
      doorHistoryName: 'door-workflow-push-fa-lock-disconnected-while-running',
    },
  ];
  const day = 24 * 60 * 60_000;
  const stayOf = async (key: string, deviceId: string) => {
    sim.setWebhooks({ url: receiver.url, secret }); // every webhook delivered again
    const nowMs = await env.currentTimeMs();
    return env.client.workflow.start('ReservationWorkflow', {
      args: [
        {
          reservationKey: key,
          deviceIds: [deviceId],
          checkIn: new Date(nowMs - day).toISOString(),
          checkOut: new Date(nowMs).toISOString(),
          watchAfterCheckOut: '3 seconds',
        },
      ],
      taskQueue: 'record-histories',
      workflowId: reservationWorkflowId(key),
    });
  };
  const untilStay = async (key: string, reached: (view: ReservationView) => boolean) => {
    for (;;) {
      const view = await queryReservation(env.client, key).catch(() => undefined);
      if (view && reached(view)) return view;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A stay whose door is offline at check-out, locked once Seam says it connected. */
  const retryOnConnected = (name: string, key: string, deviceId: string): StayScenario => ({
    name,
    devices: [{ deviceId, online: false, locked: false, attempt: { pendingMs: 0 } }],
    start: async () => {
      const handle = await stayOf(key, deviceId);
      await untilStay(key, (view) => view.doors[0].lastOutcome === 'DEVICE_OFFLINE');
      sim.updateDevice(deviceId, { online: true });
      await untilStay(key, (view) => view.stage === 'checked_out');
      return handle;
    },
  });
  // Since `stay-watch-after-check-out`: stays that hear Seam's events, watching for 3 s after check-out.
  const stays: StayScenario[] = [
    {
      name: 'stay-watch-unlocked-after-check-out',
      devices: [{ deviceId: 'push-stay-1', locked: false, attempt: { pendingMs: 0 } }],
      start: async () => {
        const handle = await stayOf('push-watch', 'push-stay-1');
        await untilStay('push-watch', (view) => view.stage === 'checked_out');
        sim.updateDevice('push-stay-1', { locked: false });
        await untilStay('push-watch', (view) => view.attention);
        sim.updateDevice('push-stay-1', { locked: true });
        await untilStay('push-watch', (view) => !view.attention);
        return handle;
      },
    },
    retryOnConnected('stay-watch-retry-on-connected', 'push-retry', 'push-stay-2'),
    // Since `stay-roll-over-while-waiting`: the same stay, its waits marked.
    retryOnConnected('stay-rollover-retry-on-connected', 'push-rollover', 'push-stay-3'),
  ];
  try {
    await recordAll(env, sim, pushed, apiKey, stays, { push: true });
  } finally {
    sim.setWebhooks(null);
    await receiver.close();
  }
}

async function recordAll(
  env: TestWorkflowEnvironment,
  sim: SeamSimulator,
  scenarios: Scenario[],
  apiKey: string,
  stays: StayScenario[],
  options: { push?: boolean } = {},
): Promise<void> {
  const worker = await recordingWorker(env, sim, apiKey, options);
  await worker.runUntil(async () => {
    for (const scenario of scenarios) {
      const path = newHistoryPath(scenario.name);
      if (!path) continue;
      sim.setDevice(scenario.device);
      await scenario.before?.();
      const deviceId = scenario.deviceIdOverride ?? scenario.device.deviceId;
      const handle = await startLockAction(
        env.client,
        scenario.action,
        { ...scenario.input, deviceId, requestId: scenario.name },
        { taskQueue: 'record-histories' },
      ).catch(
        // Invalid input: start it by name, as a caller in another language would.
        () =>
          env.client.workflow.start(scenario.action === 'LOCK_DOOR' ? 'LockDoorWorkflow' : 'UnlockDoorWorkflow', {
            args: [{ ...scenario.input, deviceId }],
            taskQueue: 'record-histories',
            workflowId: scenario.name,
          }),
      );
      await scenario.drive?.(handle);
      const outcome = await lockActionOutcome(handle);
      writeFileSync(path, historyToJSON(await handle.fetchHistory()) + '\n');
      console.log(`${scenario.name}: ${outcome.ok ? 'success' : outcome.code} -> ${path}`);
      const doorPath = scenario.doorHistoryName
        ? resolve(__dirname, '..', 'test', 'histories', `${scenario.doorHistoryName}.json`)
        : path.replace(/door-([^/]+)\.json$/, 'door-workflow-$1.json');
      // Never over an existing door history either: it is what earlier code recorded.
      if ((scenario.saveDoorHistory || scenario.doorHistoryName) && !existsSync(doorPath)) {
        const door = env.client.workflow.getHandle(doorWorkflowId(deviceId));
        writeFileSync(doorPath, historyToJSON(await door.fetchHistory()) + '\n');
        console.log(`  its door -> ${doorPath}`);
      }
    }
    for (const scenario of stays) {
      const path = newHistoryPath(scenario.name);
      if (!path) continue;
      for (const device of scenario.devices) sim.setDevice(device);
      const handle = await scenario.start();
      const ended = await handle.result().then(
        () => 'ended',
        (err: Error) => err.message,
      );
      writeFileSync(path, historyToJSON(await handle.fetchHistory()) + '\n');
      console.log(`${scenario.name}: ${ended} -> ${path}`);
    }
  });
}

/** Where a new history goes; undefined (said) when it exists: what earlier code recorded is kept. */
function newHistoryPath(name: string): string | undefined {
  const path = resolve(__dirname, '..', 'test', 'histories', `${name}.json`);
  if (!existsSync(path)) return path;
  console.log(`${name}: exists, kept as recorded`);
  return undefined;
}

/** The production worker on the recording queue, against the simulator. */
async function recordingWorker(
  env: TestWorkflowEnvironment,
  sim: SeamSimulator,
  apiKey: string,
  options: { push?: boolean } = {},
) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return createLockstepWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'record-histories',
    seam: { apiKey, endpoint: sim.url, requestTimeoutMs: 5_000 },
    workflowBundle: { code },
    ...options,
  });
}

/** The Temporal dev server, in real time, with lockstep's search attributes. */
function devServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [...lockstepSearchAttributes],
    },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
