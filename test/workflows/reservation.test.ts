/**
 * ReservationWorkflow on the real Java time-skipping server: days of a stay in seconds, with the
 * real worker, real lock actions through each door's ordering point, the real `seam` SDK talking
 * HTTP to the Seam simulator, and a real alert receiver that verifies every signature.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { queryDoor, queryReservation, startLockAction } from '../../src/client';
import { cancelAlertsGraceMs } from '../../src/workflows/reservation';
import {
  lockActionWorkflowId,
  reservationUpdateNames,
  reservationWorkflowId,
  type DoorView,
  type LockAction,
  type ReservationInput,
  type ReservationView,
} from '../../src/contract';
import { useAlertReceiver } from '../helpers/alert-receiver';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startTimeSkippingEnv } from '../helpers/temporal';

const receiver = useAlertReceiver();
const fx = useLockstepFixture(startTimeSkippingEnv, {
  alerts: () => ({ url: receiver.url, secret: receiver.secret }),
});

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

beforeEach(() => receiver.reset());

/** Simulated now, as the workflows see it. */
const now = () => fx.env.currentTimeMs();
const iso = (ms: number) => new Date(ms).toISOString();

async function startStay(
  reservation: Omit<ReservationInput, 'reservationKey'>,
): Promise<{ key: string; handle: WorkflowHandle }> {
  const key = `stay-${randomUUID().slice(0, 8)}`;
  const handle = await fx.env.client.workflow.start('ReservationWorkflow', {
    args: [{ reservationKey: key, ...reservation }],
    taskQueue: fx.taskQueue,
    workflowId: reservationWorkflowId(key),
  });
  return { key, handle };
}

/** When a stay's lock action (child workflow) of round `round` started, in simulated time. */
async function actionStartedAt(action: LockAction, deviceId: string, key: string, round: number): Promise<number> {
  const description = await fx.env.client.workflow
    .getHandle(lockActionWorkflowId(action, deviceId, `${key}.${round}`))
    .describe();
  return description.startTime.getTime();
}

/** The stay's view once it has checked its reservation (a query before that is refused). */
function viewOf(key: string): Promise<ReservationView | undefined> {
  return queryReservation(fx.env.client, key).catch(() => undefined);
}

function commandsTo(deviceId: string, action: LockAction) {
  return fx.sim.commandLog().filter((c) => c.deviceId === deviceId && c.action === action);
}

/** A stay that checked in now and unlocked its one door (locked before), checking out in 3 days. */
async function checkedInStay() {
  const door = fx.device({ locked: true });
  const t0 = await now();
  const { key, handle } = await startStay({
    deviceIds: [door],
    checkIn: iso(t0),
    checkOut: iso(t0 + 3 * day),
    unlockAtCheckIn: true,
  });
  await eventually(async () => ((await viewOf(key))?.doors[0]!.unlockedByStay ? true : undefined));
  return { door, t0, key, handle };
}

describe('ReservationWorkflow', () => {
  test('ReservationWorkflow: a stay 3 days out unlocks at check-in and locks at check-out, at the simulated times', async () => {
    const door = fx.device({ locked: true });
    const t0 = await now();
    const { key, handle } = await startStay({
      deviceIds: [door],
      checkIn: iso(t0 + 3 * day),
      checkOut: iso(t0 + 4 * day),
      unlockAtCheckIn: true,
    });
    const view = (await handle.result()) as ReservationView;
    expect(view.stage).toBe('ended');
    expect(view.doors[0]).toMatchObject({ unlockedByStay: true, locked: true, attention: [] });
    const unlockedAt = await actionStartedAt('UNLOCK_DOOR', door, key, 1);
    const lockedAt = await actionStartedAt('LOCK_DOOR', door, key, 2);
    expect(Math.abs(unlockedAt - (t0 + 3 * day))).toBeLessThan(minute);
    expect(Math.abs(lockedAt - (t0 + 4 * day))).toBeLessThan(minute);
    expect(commandsTo(door, 'UNLOCK_DOOR')).toHaveLength(1);
    expect(commandsTo(door, 'LOCK_DOOR')).toHaveLength(1);
  });

  test('ReservationWorkflow: a reschedule while waiting moves both check-in and check-out', async () => {
    const door = fx.device({ locked: true });
    const t0 = await now();
    const reservation = {
      deviceIds: [door],
      checkIn: iso(t0 + 3 * day),
      checkOut: iso(t0 + 4 * day),
      unlockAtCheckIn: true,
    };
    const { key, handle } = await startStay(reservation);
    const moved = { ...reservation, reservationKey: key, checkIn: iso(t0 + 5 * day), checkOut: iso(t0 + 7 * day) };
    const afterMove = await handle.executeUpdate<ReservationView, [ReservationInput]>(reservationUpdateNames.upsert, {
      args: [moved],
    });
    expect(afterMove).toMatchObject({ checkIn: moved.checkIn, checkOut: moved.checkOut, revisions: 1 });
    // The same payload again changes nothing.
    const again = await handle.executeUpdate<ReservationView, [ReservationInput]>(reservationUpdateNames.upsert, {
      args: [moved],
    });
    expect(again.revisions).toBe(1);
    await handle.result();
    expect(Math.abs((await actionStartedAt('UNLOCK_DOOR', door, key, 1)) - (t0 + 5 * day))).toBeLessThan(minute);
    expect(Math.abs((await actionStartedAt('LOCK_DOOR', door, key, 2)) - (t0 + 7 * day))).toBeLessThan(minute);
  });

  test('ReservationWorkflow: cancelled before check-in, it never unlocks', async () => {
    const door = fx.device({ locked: true });
    const t0 = await now();
    const { handle } = await startStay({
      deviceIds: [door],
      checkIn: iso(t0 + day),
      checkOut: iso(t0 + 2 * day),
      unlockAtCheckIn: true,
    });
    const cancelled = await handle.executeUpdate<ReservationView, []>(reservationUpdateNames.cancel);
    expect(cancelled.stage).toBe('cancelled');
    const view = (await handle.result()) as ReservationView;
    expect(view.stage).toBe('cancelled');
    expect(commandsTo(door, 'UNLOCK_DOOR')).toHaveLength(0);
    expect(commandsTo(door, 'LOCK_DOOR')).toHaveLength(0);
  });

  test('ReservationWorkflow: check-out now locks at once, days before the booked check-out', async () => {
    const door = fx.device();
    const t0 = await now();
    const { key, handle } = await startStay({
      deviceIds: [door],
      checkIn: iso(t0 - hour),
      checkOut: iso(t0 + 3 * day),
    });
    await handle.executeUpdate<ReservationView, []>(reservationUpdateNames.checkOutNow);
    // A caller retrying after a lost answer: accepted, and nothing changes.
    const again = await handle.executeUpdate<ReservationView, []>(reservationUpdateNames.checkOutNow);
    expect(again.stage).toMatch(/^(checking_out|ended)$/);
    const view = (await handle.result()) as ReservationView;
    expect(view.doors[0].locked).toBe(true);
    expect(view.doors[0].actions).toBe(1);
    expect((await actionStartedAt('LOCK_DOOR', door, key, 1)) - t0).toBeLessThan(minute);
  });

  test('ReservationWorkflow: a door offline at check-out is retried until it returns and ends locked; attention raised and resolved with signed alerts', async () => {
    const offline = { online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] };
    const door = fx.device(offline);
    const other = fx.device();
    const t0 = await now();
    const { key, handle } = await startStay({
      deviceIds: [door, other],
      checkIn: iso(t0 - day),
      checkOut: iso(t0 + hour),
    });
    const result = handle.result() as Promise<ReservationView>;
    // Time runs while the result is awaited: wait for attention, then bring the door back.
    const attention = await eventually(async () => {
      const view = await viewOf(key);
      return view?.attention ? view : undefined;
    }, 30_000);
    expect(attention.doors.find((d) => d.deviceId === door)).toMatchObject({
      attention: ['door_not_locked'],
      lastOutcome: 'DEVICE_OFFLINE',
    });
    expect(attention.doors.find((d) => d.deviceId === other)).toMatchObject({ locked: true, attention: [] });
    fx.sim.setDevice({ deviceId: door });
    const view = await result;
    expect(view).toMatchObject({ stage: 'ended', attention: false });
    expect(view.doors.find((d) => d.deviceId === door)).toMatchObject({ locked: true, attention: [] });
    // Retried at least every 30 s for the first 10 minutes: 20 tries or more before attention.
    expect(view.doors.find((d) => d.deviceId === door)!.actions).toBeGreaterThanOrEqual(20);
    expect(commandsTo(door, 'LOCK_DOOR').filter((c) => c.accepted)).toHaveLength(1);
    // One alert raised, then resolved, both signed (the receiver took them: it verified each).
    const alerts = receiver.accepted.filter((a) => a.deviceId === door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([
      ['door_not_locked', 'raised'],
      ['door_not_locked', 'resolved'],
    ]);
    expect(alerts[0].alertId).toBe(alerts[1].alertId);
    expect(alerts[0].details?.failureCode).toBe('DEVICE_OFFLINE');
    expect(receiver.requests.every((r) => r.status === 200)).toBe(true);
  });

  test('ReservationWorkflow: an unlock whose window has passed is never sent, and a person is told', async () => {
    const door = fx.device({ locked: true });
    const t0 = await now();
    const { handle } = await startStay({
      deviceIds: [door],
      checkIn: iso(t0 - hour),
      checkOut: iso(t0 + day),
      unlockAtCheckIn: true,
      unlockWindow: '15 minutes',
    });
    const view = (await handle.result()) as ReservationView;
    expect(commandsTo(door, 'UNLOCK_DOOR')).toHaveLength(0);
    expect(view.doors[0]).toMatchObject({ unlockedByStay: false, locked: true });
    expect(receiver.accepted.filter((a) => a.deviceId === door).map((a) => [a.kind, a.state])).toEqual([
      ['unlock_not_sent', 'raised'],
      ['unlock_not_sent', 'resolved'],
    ]);
  });

  test('ReservationWorkflow: cancel after check-in locks at once the doors it unlocked', async () => {
    const { door, t0, key, handle } = await checkedInStay();
    const first = await handle.executeUpdate<ReservationView, []>(reservationUpdateNames.cancel);
    const again = await handle.executeUpdate<ReservationView, []>(reservationUpdateNames.cancel);
    expect(again.stage).toBe('cancelled');
    expect(again.revisions).toBe(first.revisions);
    const view = (await handle.result()) as ReservationView;
    expect(view).toMatchObject({ stage: 'cancelled' });
    expect(view.revisions).toBe(again.revisions);
    expect(view.doors[0]).toMatchObject({ unlockedByStay: true, locked: true });
    expect((await actionStartedAt('LOCK_DOOR', door, key, 2)) - t0).toBeLessThan(hour);
  });

  test('ReservationWorkflow: cancelled through Temporal after check-in, it still locks at once the doors it unlocked, then ends cancelled', async () => {
    const { door, t0, key, handle } = await checkedInStay();
    await handle.cancel();
    await expect(handle.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(commandsTo(door, 'LOCK_DOOR').filter((c) => c.accepted)).toHaveLength(1);
    expect((await actionStartedAt('LOCK_DOOR', door, key, 2)) - t0).toBeLessThan(hour);
    expect(receiver.accepted).toEqual([]);
  });

  /** The stay's door goes offline (unlocked), then the stay is cancelled through Temporal. */
  async function cancelledWithDoorOffline() {
    const { door, handle } = await checkedInStay();
    fx.sim.setDevice({
      deviceId: door,
      locked: false,
      online: false,
      errors: [{ error_code: 'device_offline', message: 'offline' }],
    });
    await handle.cancel();
    return { door, handle };
  }

  test('ReservationWorkflow: cancelled through Temporal with a door it cannot lock, a person is told (attention, signed alert)', async () => {
    const { door, handle } = await cancelledWithDoorOffline();
    await expect(handle.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    expect(commandsTo(door, 'LOCK_DOOR')).toHaveLength(0);
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes).toMatchObject({ LockstepAttention: [true], LockstepOutcome: ['attention'] });
    const alerts = receiver.accepted.filter((a) => a.deviceId === door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['door_not_locked', 'raised']]);
    expect(alerts[0].message).toContain('cancelled through Temporal');
  });

  test('ReservationWorkflow: a check-out lock taken over by a newer unlock at its door ends superseded, never reported locked', async () => {
    const door = fx.device({ locked: false, attempt: { outcome: 'never' } });
    const unlock = (requestId: string) =>
      startLockAction(
        fx.env.client,
        'UNLOCK_DOOR',
        { deviceId: door, requestId, watchWindow: 0, timeout: '1 hour' },
        { taskQueue: fx.taskQueue },
      );
    const first = await unlock('staff-first');
    const doorNow = (reached: (view: DoorView) => boolean) =>
      eventually(async () => {
        const view = await queryDoor(fx.env.client, door).catch(() => undefined);
        return view && reached(view) ? view : undefined;
      });
    const running = await doorNow((view) => view.current?.phase === 'polling');
    const t0 = await now();
    const { handle } = await startStay({ deviceIds: [door], checkIn: iso(t0 - day), checkOut: iso(t0) });
    await doorNow((view) => view.waiting?.action === 'LOCK_DOOR');
    const newer = await unlock('staff-newer');
    await doorNow((view) => view.waiting?.action === 'UNLOCK_DOOR');
    fx.sim.resolveActionAttempt(running.current!.actionAttemptId!, 'success');
    const view = (await handle.result()) as ReservationView;
    expect(view.doors[0]).toMatchObject({ stopped: 'superseded', locked: false, lastOutcome: 'SUPERSEDED' });
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes).toMatchObject({ LockstepOutcome: ['superseded'] });
    expect(commandsTo(door, 'LOCK_DOOR')).toHaveLength(0);
    await Promise.all([first, newer].map((h) => h.terminate('test over')));
  });

  test('ReservationWorkflow: cancelled through Temporal while the alert receiver is down, it still ends within its 60 s grace', async () => {
    receiver.failNext(10_000);
    const { handle } = await cancelledWithDoorOffline();
    await expect(handle.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    const events = await handle.fetchHistory().then((h) => h.events ?? []);
    const at = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000;
    const cancelRequested = events.find((e) => e.workflowExecutionCancelRequestedEventAttributes)!;
    const ended = events.find((e) => e.workflowExecutionCanceledEventAttributes)!;
    expect(at(ended) - at(cancelRequested)).toBeLessThan(cancelAlertsGraceMs + 60_000);
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.accepted).toEqual([]);
  });

  test('ReservationWorkflow: changes queued behind each other and overtaken by a cancel fail as updates; the stay goes on and ends cancelled', async () => {
    const door = fx.device();
    const t0 = await now();
    const reservation = { deviceIds: [door], checkIn: iso(t0 + day), checkOut: iso(t0 + 2 * day) };
    const { key, handle } = await startStay(reservation);
    await eventually(() => viewOf(key));
    const upsert = (days: number) =>
      handle.executeUpdate<ReservationView, [ReservationInput]>(reservationUpdateNames.upsert, {
        args: [{ ...reservation, reservationKey: key, checkOut: iso(t0 + days * day) }],
      });
    // Sent together: the upserts queue behind each other (each checks its reservation first), the
    // cancel does not wait, so the queued ones find the stay cancelled when their turn comes.
    const [cancelled, ...outcomes] = await Promise.allSettled([
      handle.executeUpdate<ReservationView, []>(reservationUpdateNames.cancel),
      upsert(3),
      upsert(4),
      upsert(5),
    ]);
    expect(cancelled).toMatchObject({ status: 'fulfilled', value: { stage: 'cancelled' } });
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    // Refused as updates (the stay is cancelled, or already over), not as workflow tasks that would wedge it.
    for (const { reason } of refused) {
      const failure = reason as Error & { cause?: Error };
      expect(failure.cause?.message ?? failure.message).toMatch(/the stay is cancelled|the stay has ended/);
    }
    const view = (await handle.result()) as ReservationView;
    expect(view).toMatchObject({ stage: 'cancelled' });
    expect(commandsTo(door, 'UNLOCK_DOOR')).toHaveLength(0);
  });

  test('ReservationWorkflow: an invalid reservation fails INVALID_INPUT and unknown fields are rejected', async () => {
    const t0 = await now();
    const { handle } = await startStay({
      deviceIds: ['a-door'],
      checkIn: iso(t0),
      checkOut: iso(t0 + day),
      lateCheckout: true,
    } as unknown as ReservationInput);
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'INVALID_INPUT' } });
  });

  test('ReservationWorkflow: a start that hands it a stay state (a second argument) fails INVALID_INPUT and acts on nothing', async () => {
    const door = fx.device();
    const t0 = await now();
    const key = `forged-${randomUUID().slice(0, 8)}`;
    const reservation = { reservationKey: key, deviceIds: [door], checkIn: iso(t0 - day), checkOut: iso(t0 - hour) };
    const handle = await fx.env.client.workflow.start('ReservationWorkflow', {
      args: [reservation, { plan: {}, doors: [], cancelled: true }],
      taskQueue: fx.taskQueue,
      workflowId: reservationWorkflowId(key),
    });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'INVALID_INPUT' } });
    expect(fx.sim.commandLog().filter((c) => c.deviceId === door)).toEqual([]);
  });

  test('ReservationWorkflow: an upsert for another reservation key is rejected and changes nothing', async () => {
    const t0 = await now();
    const { key, handle } = await startStay({
      deviceIds: [fx.device()],
      checkIn: iso(t0 + day),
      checkOut: iso(t0 + 2 * day),
    });
    await eventually(async () => ((await viewOf(key))?.stage === 'booked' ? true : undefined));
    await expect(
      handle.executeUpdate(reservationUpdateNames.upsert, {
        args: [{ reservationKey: 'someone-else', deviceIds: ['x'], checkIn: iso(t0), checkOut: iso(t0 + day) }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/reservationKey must be/) } });
    expect((await queryReservation(fx.env.client, key)).revisions).toBe(0);
    await handle.executeUpdate(reservationUpdateNames.cancel);
    await handle.result();
  });
});
