/**
 * Door schedules on the real Temporal dev server, in real time, with the production worker (in
 * process, and as a real `lockstep worker` process) and the Seam simulator: schedules created
 * through the client helpers are described back as defined (time zone, calendars, skips,
 * policy) and the server agrees on their times across a daylight saving change; triggered,
 * interval and backfilled runs start lock actions that reach the doors; and a missed unlock —
 * a run that waited for a worker past its unlock window, or a past time backfilled — is never
 * sent.
 */
import { scheduledDoorActionResultSchema } from '../../src/contract/views';
import type { Client, ScheduleOptions } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import {
  createDoorSchedule,
  deleteDoorSchedule,
  describeDoorSchedule,
  DoorScheduleNotFoundError,
  isDoorScheduleExistsError,
  isDoorScheduleInputError,
  listDoorSchedules,
  pauseDoorSchedule,
  triggerDoorSchedule,
  unpauseDoorSchedule,
} from '../../src/client';
import {
  checkDoorSchedule,
  localClockText,
  scheduledLockActionWorkflowId,
  scheduleOptionsOf,
  type DoorSchedule,
  type DoorScheduleDefinition,
  type ScheduledDoorActionResult,
} from '../../src/contract/schedules';
import { officeMorning, officeNight } from '../helpers/door-schedules';
import { assertBuilt } from '../helpers/processes';
import { startWorkerProcess, useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);
const client = (): Client => fx.env.client;
const onQueue = () => ({ taskQueue: fx.taskQueue });

beforeAll(() => assertBuilt());

/** A schedule id no other test uses. */
const freshId = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

const commandsFor = (deviceId: string) => fx.sim.commandLog().filter((c) => c.deviceId === deviceId);

function canonical(definition: DoorScheduleDefinition): DoorSchedule {
  const checked = checkDoorSchedule(definition);
  if (!checked.ok) throw new Error(checked.issues.join('; '));
  return checked.schedule;
}

/** Creates the schedule as `scheduleOptionsOf` builds it, with `change` applied (a spec the contract does not offer). */
async function createRaw(
  definition: DoorScheduleDefinition,
  change: (options: ScheduleOptions) => ScheduleOptions,
  taskQueue = fx.taskQueue,
): Promise<void> {
  await client().schedule.create(change(scheduleOptionsOf(canonical(definition), taskQueue)));
}

/** Waits until the schedule has started `count` runs; returns them, oldest first: when each was due, and its workflow. */
function runsStarted(scheduleId: string, count: number): Promise<Array<{ scheduledAt: string; workflowId: string }>> {
  return eventually(async () => {
    const { recentActions } = (await client().schedule.getHandle(scheduleId).describe()).info;
    const runs = recentActions.map((run) => ({
      scheduledAt: run.scheduledAt.toISOString(),
      workflowId: run.action.workflow.workflowId,
    }));
    return runs.length >= count ? runs : undefined;
  }, 15_000);
}

/**
 * The time a run acts for: Temporal gives the run its scheduled time (the TemporalScheduledStartTime
 * search attribute) in whole seconds, so a trigger at 04:46:50.629 acts for 04:46:50 — a deadline
 * counted from it comes up to a second early, never late.
 */
const wholeSecond = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1_000) * 1_000).toISOString();

/** A run's result, read as the contract's schema (schemas/scheduled-run-result.schema.json) says it is. */
async function runResult(workflowId: string): Promise<ScheduledDoorActionResult> {
  const result = await client().workflow.getHandle(workflowId).result();
  return scheduledDoorActionResultSchema.parse(result);
}

/** The instant that was `minutesAgo` whole minutes before now, as a UTC `HH:MM` and a Date. */
function pastMinute(minutesAgo: number): { at: string; instant: Date } {
  const instant = new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000);
  return { at: instant.toISOString().slice(11, 16), instant };
}

describe('door schedules described back', () => {
  test('createDoorSchedule: a nightly lock and a weekday unlock are described back with their time zone, calendars, skips and policy', async () => {
    const night = await createDoorSchedule(
      client(),
      officeNight({
        scheduleId: freshId('office-night'),
        skip: ['12-24..12-26', '12-31..01-01'],
        note: 'cleaners leave at 22:30',
      }),
      onQueue(),
    );
    const morning = await createDoorSchedule(
      client(),
      officeMorning({ scheduleId: freshId('office-morning'), workspace: 'acme' }),
      onQueue(),
    );
    try {
      const nightView = await describeDoorSchedule(client(), night.scheduleId);
      expect(nightView).toMatchObject({
        schedule: night,
        summary: 'lock front-door, back-door at 23:00 every day (Europe/Berlin); except 12-24..12-26, 12-31..01-01',
        taskQueue: fx.taskQueue,
        paused: false,
        policies: { overlap: 'BUFFER_ONE', catchupWindowMs: 86_400_000, pauseOnFailure: false },
        recentRuns: [],
      });
      expect(nightView.schedule.note).toBe('cleaners leave at 22:30');
      expect(nightView.nextActionTimes.length).toBeGreaterThan(0);
      for (const time of nightView.nextActionTimes) {
        expect(localClockText(new Date(time), 'Europe/Berlin')).toMatch(/^\d{4}-\d\d-\d\d 23:00 CES?T$/);
      }

      const morningView = await describeDoorSchedule(client(), morning.scheduleId);
      expect(morningView).toMatchObject({
        schedule: {
          ...morning,
          unlockWindowMs: 900_000,
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          workspace: 'acme',
        },
        policies: { overlap: 'SKIP', catchupWindowMs: 900_000, pauseOnFailure: false },
      });
      for (const time of morningView.nextActionTimes) {
        const local = new Date(time);
        expect(localClockText(local, 'Europe/Berlin')).toMatch(/ 08:00 CES?T$/);
        const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short' }).format(local);
        expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(weekday);
      }
    } finally {
      await deleteDoorSchedule(client(), night.scheduleId);
      await deleteDoorSchedule(client(), morning.scheduleId);
    }
  });

  test('door schedule on the server: 23:00 Europe/Berlin is 21:00Z before the change on 2027-10-31 and 22:00Z after it, and skipped days never come', async () => {
    const scheduleId = freshId('dst-night');
    await createRaw(
      {
        scheduleId,
        action: 'lock',
        deviceIds: ['front-door'],
        at: '23:00',
        timezone: 'Europe/Berlin',
        skip: ['10-29'],
      },
      (options) => ({ ...options, spec: { ...options.spec, startAt: new Date('2027-10-28T00:00:00Z') } }),
    );
    try {
      const view = await describeDoorSchedule(client(), scheduleId);
      expect(view.schedule.skip).toEqual(['10-29']);
      expect(view.nextActionTimes.slice(0, 4)).toEqual([
        '2027-10-28T21:00:00.000Z',
        '2027-10-30T21:00:00.000Z',
        '2027-10-31T22:00:00.000Z',
        '2027-11-01T22:00:00.000Z',
      ]);
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
  });
});

describe('door schedule runs', () => {
  test('triggerDoorSchedule: a lock schedule run locks every door, each through its own lock action', async () => {
    const doors = [fx.device({ locked: false }), fx.device({ locked: false })];
    const { scheduleId } = await createDoorSchedule(
      client(),
      { scheduleId: freshId('lock-now'), action: 'lock', deviceIds: doors, at: '03:00', timezone: 'UTC' },
      onQueue(),
    );
    try {
      await triggerDoorSchedule(client(), scheduleId);
      const [run] = await runsStarted(scheduleId, 1);
      const result = await runResult(run.workflowId);
      expect(result.scheduledAt).toBe(wholeSecond(run.scheduledAt));
      expect(result.doors).toEqual(
        doors.map((deviceId): unknown =>
          expect.objectContaining({
            deviceId,
            ok: true,
            workflowId: scheduledLockActionWorkflowId('lock', scheduleId, deviceId, new Date(result.scheduledAt)),
          }),
        ),
      );
      for (const deviceId of doors) expect(commandsFor(deviceId).map((c) => c.action)).toEqual(['LOCK_DOOR']);
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
  });

  test('door schedule: an interval spec starts runs on its own, each acting for its own scheduled time', async () => {
    const deviceId = fx.device({ locked: false });
    const scheduleId = freshId('every-2s');
    await createRaw({ scheduleId, action: 'lock', deviceIds: [deviceId], at: '03:00', timezone: 'UTC' }, (options) => ({
      ...options,
      spec: { intervals: [{ every: '2s' }] },
    }));
    try {
      const recentRuns = await runsStarted(scheduleId, 2);
      await client().schedule.getHandle(scheduleId).pause('enough runs');
      const results = await Promise.all(recentRuns.slice(0, 2).map((run) => runResult(run.workflowId)));
      expect(results.map((r) => r.scheduledAt)).toEqual(recentRuns.slice(0, 2).map((run) => run.scheduledAt));
      expect(new Set(results.map((r) => r.scheduledAt)).size).toBe(2);
      for (const result of results) {
        expect(Date.parse(result.scheduledAt) % 2_000).toBe(0);
        expect(result.doors).toEqual([expect.objectContaining({ deviceId, ok: true })]);
      }
    } finally {
      await client().schedule.getHandle(scheduleId).delete();
    }
  });

  test('door schedule: a past lock time backfilled still locks (fail-secure); a past unlock time backfilled sends nothing', async () => {
    const past = pastMinute(2);
    const [lockDoor, unlockDoor] = [fx.device({ locked: false }), fx.device({ locked: true })];
    const lockId = freshId('late-lock');
    const unlockId = freshId('late-unlock');
    const base = { at: past.at, timezone: 'UTC' } as const;
    await createDoorSchedule(
      client(),
      { ...base, scheduleId: lockId, action: 'lock', deviceIds: [lockDoor] },
      onQueue(),
    );
    await createDoorSchedule(
      client(),
      { ...base, scheduleId: unlockId, action: 'unlock', deviceIds: [unlockDoor], unlockWindow: '10s' },
      onQueue(),
    );
    try {
      const window = {
        start: new Date(past.instant.getTime() - 30_000),
        end: new Date(past.instant.getTime() + 30_000),
      };
      await client().schedule.getHandle(lockId).backfill(window);
      await client().schedule.getHandle(unlockId).backfill(window);
      const [lockRun] = await runsStarted(lockId, 1);
      const [unlockRun] = await runsStarted(unlockId, 1);

      const locked = await runResult(lockRun.workflowId);
      expect(locked).toMatchObject({ scheduledAt: past.instant.toISOString(), notAfter: null });
      expect(locked.doors).toEqual([expect.objectContaining({ deviceId: lockDoor, ok: true })]);
      expect(commandsFor(lockDoor).map((c) => c.action)).toEqual(['LOCK_DOOR']);

      const unlocked = await runResult(unlockRun.workflowId);
      expect(unlocked).toMatchObject({
        scheduledAt: past.instant.toISOString(),
        notAfter: new Date(past.instant.getTime() + 10_000).toISOString(),
      });
      expect(unlocked.doors).toEqual([
        expect.objectContaining({ deviceId: unlockDoor, ok: false, code: 'DEADLINE_PASSED', commandSent: false }),
      ]);
      expect(fx.sim.countsFor(unlockDoor)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
    } finally {
      await deleteDoorSchedule(client(), lockId);
      await deleteDoorSchedule(client(), unlockId);
    }
  });

  test('door schedule: the same time backfilled twice sends its command once; the second run reports ALREADY_STARTED', async () => {
    const past = pastMinute(3);
    const deviceId = fx.device({ locked: false });
    const { scheduleId } = await createDoorSchedule(
      client(),
      { scheduleId: freshId('twice'), action: 'lock', deviceIds: [deviceId], at: past.at, timezone: 'UTC' },
      onQueue(),
    );
    try {
      const handle = client().schedule.getHandle(scheduleId);
      const window = {
        start: new Date(past.instant.getTime() - 30_000),
        end: new Date(past.instant.getTime() + 30_000),
      };
      await handle.backfill(window);
      const [first] = await runsStarted(scheduleId, 1);
      expect((await runResult(first.workflowId)).doors).toEqual([expect.objectContaining({ ok: true })]);
      await handle.backfill(window);
      const [, second] = await runsStarted(scheduleId, 2);
      // Temporal starts the second run under the same workflow ID; its door's lock action ID is taken.
      expect(second.workflowId).toBe(first.workflowId);
      expect((await runResult(second.workflowId)).doors).toEqual([
        expect.objectContaining({ deviceId, ok: false, code: 'ALREADY_STARTED', commandSent: null }),
      ]);
      expect(commandsFor(deviceId).map((c) => c.action)).toEqual(['LOCK_DOOR']);
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
  });

  test('door schedule: a missed unlock is not caught up — a run that waited for a worker past its unlock window sends nothing', async () => {
    const deviceId = fx.device({ locked: true });
    const lateQueue = `late-${randomUUID()}`;
    const { scheduleId } = await createDoorSchedule(
      client(),
      {
        scheduleId: freshId('missed-unlock'),
        action: 'unlock',
        deviceIds: [deviceId],
        at: '03:00',
        timezone: 'UTC',
        unlockWindow: '10s',
      },
      { taskQueue: lateQueue },
    );
    try {
      await triggerDoorSchedule(client(), scheduleId);
      const [run] = await runsStarted(scheduleId, 1);
      // No worker polls lateQueue: the run waits until its unlock window has passed.
      const scheduledAt = wholeSecond(run.scheduledAt);
      await new Promise((r) => setTimeout(r, Date.parse(scheduledAt) + 11_000 - Date.now()));
      const worker = startWorkerProcess(fx, lateQueue);
      try {
        const result = await runResult(run.workflowId);
        expect(result).toMatchObject({
          scheduledAt,
          notAfter: new Date(Date.parse(scheduledAt) + 10_000).toISOString(),
          doors: [{ deviceId, ok: false, code: 'DEADLINE_PASSED', commandSent: false }],
        });
      } finally {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
      expect(fx.sim.countsFor(deviceId)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
  }, 60_000);
});

describe('door schedule helpers', () => {
  const definition = (scheduleId: string): DoorScheduleDefinition => ({
    scheduleId,
    action: 'lock',
    deviceIds: ['front-door'],
    at: '23:00',
    timezone: 'Europe/Berlin',
  });

  test('createDoorSchedule: an invalid definition creates nothing (DoorScheduleInputError); an existing id changes nothing (DoorScheduleExistsError)', async () => {
    const scheduleId = freshId('helpers');
    const invalid = await createDoorSchedule(
      client(),
      { ...definition(scheduleId), timezone: 'Mars/Base' },
      onQueue(),
    ).catch((err: unknown) => err);
    expect(isDoorScheduleInputError(invalid)).toBe(true);
    await expect(describeDoorSchedule(client(), scheduleId)).rejects.toThrow(DoorScheduleNotFoundError);

    await createDoorSchedule(client(), definition(scheduleId), onQueue());
    try {
      const again = await createDoorSchedule(client(), { ...definition(scheduleId), at: '22:00' }, onQueue()).catch(
        (err: unknown) => err,
      );
      expect(isDoorScheduleExistsError(again)).toBe(true);
      expect((await describeDoorSchedule(client(), scheduleId)).schedule.at).toEqual(['23:00']);
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
    await expect(describeDoorSchedule(client(), scheduleId)).rejects.toThrow(DoorScheduleNotFoundError);
  });

  test('pauseDoorSchedule / unpauseDoorSchedule: the state and its note are described back', async () => {
    const scheduleId = freshId('pausing');
    await createDoorSchedule(client(), definition(scheduleId), onQueue());
    try {
      await pauseDoorSchedule(client(), scheduleId, 'office closed for renovation');
      expect(await describeDoorSchedule(client(), scheduleId)).toMatchObject({
        paused: true,
        stateNote: 'office closed for renovation',
      });
      await unpauseDoorSchedule(client(), scheduleId);
      expect(await describeDoorSchedule(client(), scheduleId)).toMatchObject({ paused: false });
    } finally {
      await deleteDoorSchedule(client(), scheduleId);
    }
  });

  test("listDoorSchedules: lists lockstep's door schedules only, and the helpers leave another kind of schedule alone", async () => {
    const ours = freshId('listed');
    const foreign = freshId('foreign');
    await createDoorSchedule(client(), definition(ours), onQueue());
    await client().schedule.create({
      scheduleId: foreign,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'ReportWorkflow', taskQueue: 'reports', args: [] },
      state: { paused: true },
    });
    try {
      const listed = await eventually(async () => {
        const ids = (await listDoorSchedules(client())).map((s) => s.scheduleId);
        return ids.includes(ours) ? ids : undefined;
      });
      expect(listed).not.toContain(foreign);
      for (const act of [pauseDoorSchedule, triggerDoorSchedule, deleteDoorSchedule]) {
        await expect(act(client(), foreign)).rejects.toThrow(DoorScheduleNotFoundError);
      }
      expect((await client().schedule.getHandle(foreign).describe()).state.paused).toBe(true);
    } finally {
      await deleteDoorSchedule(client(), ours);
      await client().schedule.getHandle(foreign).delete();
    }
  });
});
