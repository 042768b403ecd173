/**
 * A schedule's run is fail-secure and tells a person: ScheduledDoorActionWorkflow started
 * directly on the real Java time-skipping server (hours of retries in seconds), with the real
 * worker, real lock actions through each door's ordering point, the Seam simulator over real
 * HTTP, and a real alert receiver that verifies every signature.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { attentionKey, workflowTypes, type LockAction } from '../../src/contract';
import {
  scheduleDefaults,
  scheduledRunQueryName,
  type ScheduledDoorActionInput,
  type ScheduledDoorActionResult,
  type ScheduledRunView,
} from '../../src/contract/schedules';
import { useAlertReceiver } from '../helpers/alert-receiver';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startTimeSkippingEnv } from '../helpers/temporal';

const receiver = useAlertReceiver();
const fx = useLockstepFixture(startTimeSkippingEnv, {
  alerts: () => ({ url: receiver.url, secret: receiver.secret }),
});

beforeEach(() => receiver.reset());

const offline = { online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] };

async function startRun(input: Omit<ScheduledDoorActionInput, 'scheduleId'>): Promise<WorkflowHandle> {
  return fx.env.client.workflow.start(workflowTypes.SCHEDULED_DOOR_ACTION, {
    args: [{ scheduleId: `fs-${randomUUID().slice(0, 8)}`, ...input }],
    taskQueue: fx.taskQueue,
    workflowId: `door-schedule/direct-${randomUUID()}`,
  });
}

const viewOf = (handle: WorkflowHandle) => handle.query<ScheduledRunView>(scheduledRunQueryName).catch(() => undefined);

async function attentionOf(handle: WorkflowHandle): Promise<boolean | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(attentionKey);
}

function commandsTo(deviceId: string, action: LockAction) {
  return fx.sim.commandLog().filter((c) => c.deviceId === deviceId && c.action === action);
}

const alertsOf = (deviceId: string) => receiver.accepted.filter((a) => a.deviceId === deviceId);

describe('ScheduledDoorActionWorkflow, fail-secure', () => {
  test('ScheduledDoorActionWorkflow: a door offline at its scheduled lock is retried until it returns and ends locked; attention raised and resolved with signed alerts', async () => {
    const door = fx.device(offline);
    const other = fx.device({ locked: false });
    const handle = await startRun({ action: 'lock', deviceIds: [door, other] });
    const result = handle.result() as Promise<ScheduledDoorActionResult>;
    // Time runs while the result is awaited: wait for attention, then bring the door back.
    const attention = await eventually(async () => {
      const view = await viewOf(handle);
      return view?.doors.some((d) => d.attention) ? view : undefined;
    }, 30_000);
    expect(attention.doors).toEqual([
      expect.objectContaining({
        deviceId: door,
        attention: 'door_not_locked',
        lastOutcome: 'DEVICE_OFFLINE',
        stillTrying: true,
      }),
      expect.objectContaining({
        deviceId: other,
        attention: null,
        lastOutcome: 'success',
        tries: 1,
        stillTrying: false,
      }),
    ]);
    expect(await eventually(async () => ((await attentionOf(handle)) ? true : undefined), 10_000)).toBe(true);
    fx.sim.setDevice({ deviceId: door });

    const { doors } = await result;
    expect(doors[0]).toMatchObject({ deviceId: door, ok: true, attention: null });
    // Retried at least every 30 s for the first 10 minutes: 20 tries or more before attention.
    expect(doors[0].tries).toBeGreaterThanOrEqual(20);
    expect(doors[1]).toMatchObject({ deviceId: other, ok: true, tries: 1, attention: null });
    expect(commandsTo(door, 'LOCK_DOOR').filter((c) => c.accepted)).toHaveLength(1);
    expect(await attentionOf(handle)).toBe(false);
    // One alert raised, then resolved, both signed (the receiver took them: it verified each).
    const alerts = alertsOf(door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([
      ['door_not_locked', 'raised'],
      ['door_not_locked', 'resolved'],
    ]);
    expect(alerts[0].alertId).toBe(alerts[1].alertId);
    expect(alerts[0].source).toEqual({ workflowId: handle.workflowId, scheduleId: expect.stringMatching(/^fs-/) });
    expect(alerts[0].details?.failureCode).toBe('DEVICE_OFFLINE');
    expect(alertsOf(other)).toEqual([]);
  });

  test('ScheduledDoorActionWorkflow: ten doors that never come back are tried in rounds until the 1 h horizon; one that returns resolves, the run stays in attention, and its history stays bounded', async () => {
    const doors = Array.from({ length: 10 }, () => fx.device(offline));
    const startedMs = await fx.env.currentTimeMs();
    const handle = await startRun({ action: 'lock', deviceIds: doors });
    const result = handle.result() as Promise<ScheduledDoorActionResult>;
    await eventually(async () => ((await viewOf(handle))?.doors.every((d) => d.attention) ? true : undefined), 30_000);
    fx.sim.setDevice({ deviceId: doors[0] });

    const outcomes = (await result).doors;
    expect((await fx.env.currentTimeMs()) - startedMs).toBeGreaterThanOrEqual(scheduleDefaults.retryHorizonMs);
    expect(outcomes[0]).toMatchObject({ ok: true, attention: null });
    for (const door of outcomes.slice(1)) {
      expect(door).toMatchObject({
        ok: false,
        code: 'DEVICE_OFFLINE',
        commandSent: false,
        attention: 'door_not_locked',
      });
      // 20 fast tries, then backing off: about 40 in the hour, not hundreds.
      expect(door.tries).toBeGreaterThanOrEqual(35);
      expect(door.tries).toBeLessThanOrEqual(45);
    }
    expect(alertsOf(doors[0]).map((a) => a.state)).toEqual(['raised', 'resolved']);
    for (const door of doors.slice(1)) expect(alertsOf(door).map((a) => a.state)).toEqual(['raised']);
    expect(await attentionOf(handle)).toBe(true);
    for (const door of doors.slice(1)) expect(commandsTo(door, 'LOCK_DOOR')).toEqual([]);
    // Retried together, one timer a round: 50 doors would stay far below Temporal's 51,200-event limit.
    const { events } = await handle.fetchHistory();
    const timers = (events ?? []).filter((e) => e.timerStartedEventAttributes).length;
    expect(timers).toBeLessThanOrEqual(45);
    const eventsPerDoor = (events ?? []).length / doors.length;
    expect(eventsPerDoor * scheduleDefaults.maxDoors).toBeLessThan(20_000);
  });

  test('ScheduledDoorActionWorkflow: an unlock not sent is tried again inside its window only; when the window closes it is never sent and a person is told', async () => {
    const door = fx.device({ ...offline, locked: true });
    const handle = await startRun({ action: 'unlock', deviceIds: [door], unlockWindowMs: 2 * 60_000 });
    const { doors, notAfter } = (await handle.result()) as ScheduledDoorActionResult;
    expect(doors[0]).toMatchObject({ ok: false, commandSent: false, attention: 'unlock_not_sent' });
    expect(doors[0].tries).toBeGreaterThanOrEqual(3);
    expect(commandsTo(door, 'UNLOCK_DOOR')).toEqual([]);
    const alerts = alertsOf(door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['unlock_not_sent', 'raised']]);
    expect(Date.parse(alerts[0].at)).toBeGreaterThan(Date.parse(notAfter as string) - 60_000);
    expect(await attentionOf(handle)).toBe(true);
  });

  test('ScheduledDoorActionWorkflow: an unlock refused at first is sent once its door is back inside the window, and nobody is alerted', async () => {
    const door = fx.device({ ...offline, locked: true });
    const handle = await startRun({ action: 'unlock', deviceIds: [door], unlockWindowMs: 10 * 60_000 });
    await eventually(
      async () => ((await viewOf(handle))?.doors[0].lastOutcome === 'DEVICE_OFFLINE' ? true : undefined),
      10_000,
    );
    fx.sim.setDevice({ deviceId: door, locked: true });
    const { doors } = (await handle.result()) as ScheduledDoorActionResult;
    expect(doors[0]).toMatchObject({ ok: true, attention: null });
    expect(doors[0].tries).toBeGreaterThanOrEqual(2);
    expect(commandsTo(door, 'UNLOCK_DOOR')).toHaveLength(1);
    expect(alertsOf(door)).toEqual([]);
  });

  test('ScheduledDoorActionWorkflow: a run whose doors all act at once records no patch marker and no timer (no cost for the retries it did not need)', async () => {
    const door = fx.device({ locked: false });
    const handle = await startRun({ action: 'lock', deviceIds: [door] });
    const { doors } = (await handle.result()) as ScheduledDoorActionResult;
    expect(doors[0]).toMatchObject({ ok: true, tries: 1, attention: null });
    const { events } = await handle.fetchHistory();
    expect((events ?? []).filter((e) => e.markerRecordedEventAttributes || e.timerStartedEventAttributes)).toEqual([]);
  });
});
