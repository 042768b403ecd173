/**
 * The stay part of `make demo`, in real time on the embedded stack: a stay checks in (its doors
 * unlock), is moved, and checks out with one door offline at check-out. That door is retried,
 * puts the stay in attention (a signed alert arrives at the demo's receiver), comes back, ends
 * locked, and the alert is resolved — about 50 seconds of wall time.
 */
import type { Client } from '@temporalio/client';
import { queryReservation, upsertReservation } from '../client';
import type { Alert, ReservationInput, ReservationView } from '../contract';
import type { SeamSimulator } from '../dev/simulator/seam-simulator';

/** The demo stay's doors: a front door and a room door that drops off the network at check-out. */
export const demoStayDoors = { front: 'demo-stay-front-door', room: 'demo-stay-room-12' } as const;

const second = 1_000;

interface StayDemo {
  client: Client;
  simulator: SeamSimulator;
  taskQueue: string;
  /** Alerts the demo's receiver has verified and taken, in arrival order. */
  alerts: readonly Alert[];
  out: (line: string) => void;
}

/** Runs the stay; true when it ended as designed: every door locked, attention raised and resolved. */
export async function runStayDemo({ client, simulator, taskQueue, alerts, out }: StayDemo): Promise<boolean> {
  simulator.setDevice({ deviceId: demoStayDoors.front, name: 'Front door', locked: true, attempt: { pendingMs: 400 } });
  simulator.setDevice({ deviceId: demoStayDoors.room, name: 'Room 12', locked: true, attempt: { pendingMs: 400 } });
  const key = `demo-stay-${Date.now()}`;
  const t0 = Date.now();
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const stay = (checkInMs: number, checkOutMs: number): ReservationInput => ({
    reservationKey: key,
    deviceIds: [demoStayDoors.front, demoStayDoors.room],
    checkIn: at(checkInMs),
    checkOut: at(checkOutMs),
    unlockAtCheckIn: true,
    unlockWindow: '1 minute',
    attentionAfter: '5 seconds',
    // The demo ends with its stay; a real one watches its locked doors for an hour after check-out.
    watchAfterCheckOut: '0 seconds',
  });
  const show = (view: ReservationView) =>
    out(
      `   … ${view.stage}; ${view.doors.map((d) => `${d.deviceId} ${d.locked ? 'locked' : d.unlockedByStay ? 'unlocked' : 'untouched'}${d.attention.length ? ' (needs a person)' : ''}`).join(', ')}`,
    );

  out(`   booked: check-in in 4 s, check-out in an hour (reservation/${key})`);
  show(await upsertReservation(client, stay(4 * second, 3_600 * second), { taskQueue }));
  out('   moved: check-in in 6 s, check-out in 16 s (the same upsert, new dates)');
  show(await upsertReservation(client, stay(6 * second, 16 * second), { taskQueue }));

  await until(async () => (await queryReservation(client, key)).doors.every((d) => d.unlockedByStay), 20 * second);
  show(await queryReservation(client, key));
  out(`   ${demoStayDoors.room} drops off the network before check-out`);
  simulator.setDevice({
    deviceId: demoStayDoors.room,
    name: 'Room 12',
    online: false,
    errors: [{ error_code: 'device_offline', message: 'The hub lost the lock.' }],
  });
  await until(() => alerts.some((a) => a.state === 'raised'), 30 * second);
  const raised = alerts.find((a) => a.state === 'raised')!;
  out(`   ALERT raised (signature verified): ${raised.message}`);
  show(await queryReservation(client, key));
  out(`   ${demoStayDoors.room} is back online: Seam's device.connected webhook has the stay try it at once`);
  // A change of state, as Seam would push it: device.connected (the simulator's webhook).
  simulator.updateDevice(demoStayDoors.room, { online: true, errors: [], locked: false, attempt: { pendingMs: 400 } });

  const handle = client.workflow.getHandle(`reservation/${key}`);
  const ended = (await handle.result()) as ReservationView;
  const resolved = alerts.find((a) => a.state === 'resolved' && a.alertId === raised.alertId);
  show(ended);
  out(resolved ? `   ALERT resolved (signature verified): ${resolved.message}` : '   no resolve alert arrived');
  out(`   stay took ${Math.round((Date.now() - t0) / second)} s`);
  return ended.doors.every((d) => d.locked) && !ended.attention && resolved !== undefined;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`demo stay: a step did not happen within ${timeoutMs / second} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
