/**
 * Door schedules as data, without Temporal: definitions checked and written in one canonical
 * form, the Temporal Schedule built from them (calendars, time zone, skips, the safety policy),
 * and read back from a description (through the SDK's own spec encoding) into the same definition.
 */
import type { ScheduleDescription, ScheduleOptions } from '@temporalio/client';
import { decodeScheduleSpec, encodeScheduleSpec } from '@temporalio/client/lib/schedule-helpers';
import { TypedSearchAttributes } from '@temporalio/common';
import { lockActionInputSchema, workflowTypes } from '../../src/contract';
import {
  checkDoorSchedule,
  checkScheduledDoorActionInput,
  daysText,
  doorScheduleFromDescription,
  doorScheduleMemoKey,
  doorScheduleSchema,
  localClockText,
  parseDays,
  scheduleDefaults,
  scheduledLockActionWorkflowId,
  scheduledRequestId,
  scheduleOptionsOf,
  type DoorSchedule,
} from '../../src/contract/schedules';
import { officeMorning as morningDefinition, officeNight as nightDefinition } from '../helpers/door-schedules';

const officeNight = nightDefinition();
const officeMorning = morningDefinition();

const parse = (definition: unknown): DoorSchedule => doorScheduleSchema.parse(definition);

/** What `handle.describe()` returns for a schedule created with `options`: the spec through the SDK's encode and decode. */
function describedAs(
  options: ScheduleOptions,
  state: ScheduleDescription['state'] = { paused: false },
): ScheduleDescription {
  const { action, policies } = options;
  return {
    scheduleId: options.scheduleId,
    spec: decodeScheduleSpec(encodeScheduleSpec(options.spec)),
    action: {
      type: 'startWorkflow',
      workflowType: action.workflowType as string,
      workflowId: action.workflowId as string,
      taskQueue: action.taskQueue,
      args: action.args as unknown[],
    },
    policies: {
      overlap: policies?.overlap ?? 'SKIP',
      catchupWindow: policies?.catchupWindow as number,
      pauseOnFailure: policies?.pauseOnFailure ?? false,
    },
    memo: options.memo,
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(),
    state,
    info: {
      recentActions: [],
      nextActionTimes: [],
      numActionsTaken: 0,
      numActionsMissedCatchupWindow: 0,
      numActionsSkippedOverlap: 0,
      createdAt: new Date(0),
      lastUpdatedAt: undefined,
      runningActions: [],
    },
    raw: {},
  };
}

describe('doorScheduleSchema', () => {
  test("doorScheduleSchema: the issue's two schedules parse into the canonical form", () => {
    expect(parse(officeNight)).toEqual({
      scheduleId: 'office-night',
      action: 'lock',
      deviceIds: ['front-door', 'back-door'],
      at: ['23:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      timezone: 'Europe/Berlin',
      skip: ['12-24..12-26'],
    });
    expect(parse(officeMorning)).toEqual({
      scheduleId: 'office-morning',
      action: 'unlock',
      deviceIds: ['front-door'],
      at: ['08:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timezone: 'Europe/Berlin',
      skip: [],
      unlockWindowMs: 15 * 60_000,
    });
  });

  test('doorScheduleSchema: an unlock without a window gets 15 minutes; a lock has none', () => {
    const { unlockWindow: _w, ...noWindow } = officeMorning;
    expect(parse(noWindow).unlockWindowMs).toBe(scheduleDefaults.unlockWindowMs);
    expect(parse(officeNight)).not.toHaveProperty('unlockWindowMs');
  });

  test('doorScheduleSchema: times sorted and deduplicated, days in week order, one-day ranges and ranges across a month end in one form', () => {
    const schedule = parse({
      ...officeNight,
      at: ['18:30', '07:05', '18:30'],
      days: ['sun', 'mon', 'sat'],
      skip: ['12-24..12-24', '12-31', '01-01', '04-30..05-02'],
    });
    expect(schedule.at).toEqual(['07:05', '18:30']);
    expect(schedule.days).toEqual(['mon', 'sat', 'sun']);
    expect(schedule.skip).toEqual(['12-24', '12-31..01-01', '04-30..05-02']);
  });

  test.each([
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone', 'unknown time zone'],
    [
      'a time zone in the wrong case',
      { timezone: 'europe/berlin' },
      'timezone',
      'write the time zone as Europe/Berlin',
    ],
    ['a fixed offset for a time zone', { timezone: '+01:00' }, 'timezone', 'not an IANA time zone name'],
    ['a time past 23:59', { at: '24:00' }, 'at.0', 'HH:MM'],
    ['a time without its leading zero', { at: ['08:00', '9:30'] }, 'at.1', 'HH:MM'],
    ['no time at all', { at: [] }, 'at', 'at least one time'],
    ['an unknown field', { startAt: '2026-12-01' }, '', 'startAt'],
    ['51 devices', { deviceIds: Array.from({ length: 51 }, (_, i) => `door-${i}`) }, 'deviceIds', 'at most 50'],
    ['no device', { deviceIds: [] }, 'deviceIds', 'at least one device'],
    ['a device twice', { deviceIds: ['front-door', 'front-door'] }, 'deviceIds', 'twice'],
    ['a device id with a slash', { deviceIds: ['front/door'] }, 'deviceIds.0', 'letters, digits'],
    ['a day that is not one', { days: ['monday'] }, 'days.0', ''],
    ['February 30', { skip: ['02-30'] }, 'skip.0', 'MM-DD'],
    ['month 13', { skip: ['13-01'] }, 'skip.0', 'MM-DD'],
    ['a range without its end', { skip: ['12-24..'] }, 'skip.0', 'MM-DD'],
    ['a date without its dash', { skip: ['1224'] }, 'skip.0', 'MM-DD'],
    ['an unlock window on a lock', { unlockWindow: '15m' }, 'unlockWindow', 'unlock schedules only'],
    ['a schedule id with a colon', { scheduleId: 'office:night' }, 'scheduleId', 'letters, digits'],
    ['an unknown action', { action: 'open' }, 'action', ''],
  ])('doorScheduleSchema: rejects %s', (_case, change, path, message) => {
    const checked = checkDoorSchedule({ ...officeNight, ...change });
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.issues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${(path || '\\(input\\)').replace('.', '\\.')}: .*${message}`)),
        ]),
      );
    }
  });

  test.each([
    ['under 10 s', '5s'],
    ['over a day', '25h'],
    ['not a duration', 'soon'],
  ])('doorScheduleSchema: rejects an unlock window %s', (_case, unlockWindow) => {
    const checked = checkDoorSchedule({ ...officeMorning, unlockWindow });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues[0]).toMatch(/^unlockWindow: /);
  });

  test('doorScheduleSchema: accepts the smallest unlock window the server allows, 10 s', () => {
    expect(parse({ ...officeMorning, unlockWindow: '10s' }).unlockWindowMs).toBe(10_000);
  });
});

describe('parseDays', () => {
  test.each([
    ['mon-fri', ['mon', 'tue', 'wed', 'thu', 'fri']],
    ['sat,sun', ['sat', 'sun']],
    ['fri,mon-wed', ['mon', 'tue', 'wed', 'fri']],
    ['SUN', ['sun']],
  ])('parseDays: %s', (text, days) => {
    expect(parseDays(text)).toEqual(days);
  });

  test.each(['fri-mon', 'funday', 'mon-', 'mon-wed-fri', ''])('parseDays: %p is not a day list', (text) => {
    expect(parseDays(text)).toBeUndefined();
  });

  test('daysText: every day, a run of days, and single days as written', () => {
    expect(daysText(parse(officeNight).days)).toBe('every day');
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('mon-fri');
    expect(daysText(['sat', 'sun'])).toBe('sat,sun');
    expect(daysText(['mon', 'wed', 'fri'])).toBe('mon,wed,fri');
  });
});

describe('scheduleOptionsOf', () => {
  test('scheduleOptionsOf: an unlock catches up only within its unlock window and never overlaps', () => {
    expect(scheduleOptionsOf(parse(officeMorning), 'lock-actions').policies).toEqual({
      overlap: 'SKIP',
      catchupWindow: 15 * 60_000,
      pauseOnFailure: false,
    });
    const tenSeconds = scheduleOptionsOf(parse({ ...officeMorning, unlockWindow: 10_000 }), 'lock-actions');
    expect(tenSeconds.policies?.catchupWindow).toBe(10_000);
  });

  test("scheduleOptionsOf: an unlock's catch-up window is never under the server's 10 s minimum", () => {
    const schedule = { ...parse(officeMorning), unlockWindowMs: 2_000 };
    expect(scheduleOptionsOf(schedule, 'lock-actions').policies?.catchupWindow).toBe(10_000);
  });

  test('scheduleOptionsOf: a missed lock still runs within a day, and waits for a running one (BUFFER_ONE)', () => {
    expect(scheduleOptionsOf(parse(officeNight), 'lock-actions').policies).toEqual({
      overlap: 'BUFFER_ONE',
      catchupWindow: 24 * 60 * 60_000,
      pauseOnFailure: false,
    });
  });

  test('scheduleOptionsOf: one calendar per time, in the time zone, on the given days', () => {
    const { spec } = scheduleOptionsOf(parse({ ...officeMorning, at: ['12:30', '08:00'] }), 'q');
    expect(spec.timezone).toBe('Europe/Berlin');
    expect(spec.calendars).toEqual([
      expect.objectContaining({
        hour: 8,
        minute: 0,
        dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
      }),
      expect.objectContaining({ hour: 12, minute: 30 }),
    ]);
    expect(scheduleOptionsOf(parse(officeNight), 'q').spec.calendars).toEqual([
      expect.objectContaining({ hour: 23, minute: 0, dayOfWeek: '*' }),
    ]);
  });

  test('scheduleOptionsOf: a skip matches whole days, split at month ends and across the new year', () => {
    const { spec } = scheduleOptionsOf(parse({ ...officeNight, skip: ['12-24..12-26', '12-30..01-02'] }), 'q');
    const wholeDay = { hour: '*', minute: '*', second: '*' };
    expect(spec.skip).toEqual([
      { ...wholeDay, month: 'DECEMBER', dayOfMonth: { start: 24, end: 26 }, comment: 'skip 12-24..12-26' },
      { ...wholeDay, month: 'DECEMBER', dayOfMonth: { start: 30, end: 31 }, comment: 'skip 12-30..01-02' },
      { ...wholeDay, month: 'JANUARY', dayOfMonth: { start: 1, end: 2 }, comment: 'skip 12-30..01-02' },
    ]);
  });

  test('scheduleOptionsOf: each run is a ScheduledDoorActionWorkflow on the task queue, with an input it accepts, marked as lockstep', () => {
    const options = scheduleOptionsOf(parse({ ...officeMorning, note: 'reception opens' }), 'door-queue');
    expect(options.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: workflowTypes.SCHEDULED_DOOR_ACTION,
      workflowId: 'door-schedule/office-morning',
      taskQueue: 'door-queue',
      args: [{ scheduleId: 'office-morning', action: 'unlock', deviceIds: ['front-door'], unlockWindowMs: 900_000 }],
    });
    expect(checkScheduledDoorActionInput(options.action.args?.[0]).ok).toBe(true);
    expect(options.memo).toEqual({
      [doorScheduleMemoKey]: {
        version: 1,
        summary: 'unlock front-door at 08:00 mon-fri (Europe/Berlin); never later than 15m after',
        note: 'reception opens',
      },
    });
    expect(scheduleOptionsOf(parse(officeNight), 'q').action.args).toEqual([
      { scheduleId: 'office-night', action: 'lock', deviceIds: ['front-door', 'back-door'] },
    ]);
  });
});

describe('doorScheduleFromDescription', () => {
  test.each([
    ['the nightly lock', officeNight],
    ['the weekday unlock', officeMorning],
    [
      'several times, days and skips',
      {
        ...officeNight,
        at: ['06:15', '23:59'],
        days: ['sat', 'sun'],
        skip: ['12-30..01-02', '02-29', '03-05..03-04'],
        note: 'n',
      },
    ],
    ['a 10 s unlock window in UTC', { ...officeMorning, unlockWindow: '10s', timezone: 'UTC', skip: ['01-01'] }],
  ])('doorScheduleFromDescription: reads back %s as it was defined', (_case, definition) => {
    const schedule = parse(definition);
    const read = doorScheduleFromDescription(describedAs(scheduleOptionsOf(schedule, 'lock-actions')));
    expect(read).toMatchObject({ ok: true, view: { schedule, taskQueue: 'lock-actions', paused: false } });
  });

  test('doorScheduleFromDescription: carries the state and the policies', () => {
    const options = scheduleOptionsOf(parse(officeMorning), 'q');
    const read = doorScheduleFromDescription(describedAs(options, { paused: true, note: 'office closed' }));
    expect(read).toMatchObject({
      ok: true,
      view: {
        paused: true,
        stateNote: 'office closed',
        policies: { overlap: 'SKIP', catchupWindowMs: 900_000, pauseOnFailure: false },
      },
    });
  });

  test('doorScheduleFromDescription: another kind of schedule, or one reshaped outside lockstep, is not a door schedule', () => {
    const options = scheduleOptionsOf(parse(officeNight), 'q');
    const other = describedAs({ ...options, action: { ...options.action, workflowType: 'ReportWorkflow' } });
    const everyHour = describedAs({ ...options, spec: { ...options.spec, intervals: [{ every: '1h' }] } });
    const splitDays = describedAs({
      ...options,
      spec: {
        ...options.spec,
        calendars: [
          { hour: 8, dayOfWeek: 'MONDAY' },
          { hour: 9, dayOfWeek: 'TUESDAY' },
        ],
      },
    });
    const badInput = describedAs({ ...options, action: { ...options.action, args: [{ scheduleId: 'x' }] } });
    for (const description of [other, everyHour, splitDays, badInput]) {
      expect(doorScheduleFromDescription(description).ok).toBe(false);
    }
  });
});

describe('localClockText', () => {
  /** The instant a daily 23:00 Europe/Berlin falls on, that day: one of the two UTC hours Berlin can be at. */
  const berlin2300 = (date: string) =>
    ['21', '22']
      .map((hour) => new Date(`${date}T${hour}:00:00Z`))
      .find((instant) => localClockText(instant, 'Europe/Berlin').startsWith(`${date} 23:00`));

  test('localClockText: 23:00 Europe/Berlin is 21:00Z in summer time and 22:00Z in winter time, across the change on 2027-10-31', () => {
    expect(berlin2300('2027-10-30')?.toISOString()).toBe('2027-10-30T21:00:00.000Z');
    expect(berlin2300('2027-10-31')?.toISOString()).toBe('2027-10-31T22:00:00.000Z');
    expect(berlin2300('2027-03-27')?.toISOString()).toBe('2027-03-27T22:00:00.000Z');
    expect(berlin2300('2027-03-28')?.toISOString()).toBe('2027-03-28T21:00:00.000Z');
    expect(localClockText(new Date('2027-10-30T21:00:00Z'), 'Europe/Berlin')).toBe('2027-10-30 23:00 CEST');
    expect(localClockText(new Date('2027-10-31T22:00:00Z'), 'Europe/Berlin')).toBe('2027-10-31 23:00 CET');
  });
});

describe('checkScheduledDoorActionInput', () => {
  const valid = { scheduleId: 'office-morning', action: 'unlock', deviceIds: ['front-door'] };

  test('checkScheduledDoorActionInput: a valid input, with the default unlock window', () => {
    expect(checkScheduledDoorActionInput(valid)).toEqual({
      ok: true,
      plan: { ...valid, unlockWindowMs: scheduleDefaults.unlockWindowMs },
    });
  });

  test.each([
    ['not an object', 'office-morning', '(input)'],
    ['an unknown field', { ...valid, notAfter: '2026-12-01T08:00:00Z' }, '(input): unknown field notAfter'],
    ['a bad schedule id', { ...valid, scheduleId: 'a/b' }, 'scheduleId'],
    ['an unknown action', { ...valid, action: 'open' }, 'action'],
    ['no devices', { ...valid, deviceIds: [] }, 'deviceIds'],
    ['51 devices', { ...valid, deviceIds: Array.from({ length: 51 }, (_, i) => `d${i}`) }, 'deviceIds'],
    ['a bad device id', { ...valid, deviceIds: ['ok', 'not ok'] }, 'deviceIds.1'],
    ['a device twice', { ...valid, deviceIds: ['a', 'a'] }, 'deviceIds: must not name a device twice'],
    ['an unlock window under 10 s', { ...valid, unlockWindowMs: 9_999 }, 'unlockWindowMs'],
    [
      'an unlock window on a lock',
      { ...valid, action: 'lock', unlockWindowMs: 60_000 },
      'unlockWindowMs: applies to unlock only',
    ],
    ['a workspace that is not an alias', { ...valid, workspace: 'seam_live_key' }, 'workspace: must be an alias'],
  ])('checkScheduledDoorActionInput: rejects %s', (_case, input, issue) => {
    const checked = checkScheduledDoorActionInput(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.join('\n')).toContain(issue);
  });

  test('checkScheduledDoorActionInput: a workspace alias is carried to the plan', () => {
    expect(checkScheduledDoorActionInput({ ...valid, workspace: 'globex' })).toEqual({
      ok: true,
      plan: { ...valid, unlockWindowMs: scheduleDefaults.unlockWindowMs, workspace: 'globex' },
    });
  });

  test('checkScheduledDoorActionInput: rejects arguments beyond the input', () => {
    expect(checkScheduledDoorActionInput(valid, 1)).toEqual({
      ok: false,
      issues: ['(arguments): expected exactly one argument, the input object; got 2'],
    });
  });
});

describe('scheduled lock action IDs', () => {
  const at = new Date('2026-12-01T22:00:00Z');

  test('scheduledLockActionWorkflowId: the same schedule, time and door give the same ID; each differs by any of them', () => {
    const id = scheduledLockActionWorkflowId('lock', 'office-night', 'front-door', at);
    expect(id).toBe('lock/front-door/schedule.office-night.2026-12-01T22:00:00.000Z');
    expect(scheduledLockActionWorkflowId('lock', 'office-night', 'front-door', new Date(at))).toBe(id);
    const others = [
      scheduledLockActionWorkflowId('unlock', 'office-night', 'front-door', at),
      scheduledLockActionWorkflowId('lock', 'office-late', 'front-door', at),
      scheduledLockActionWorkflowId('lock', 'office-night', 'back-door', at),
      scheduledLockActionWorkflowId('lock', 'office-night', 'front-door', new Date(at.getTime() + 86_400_000)),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  test('scheduledRequestId: a valid lock action requestId, even for the longest schedule id', () => {
    const longest = 'x'.repeat(100);
    expect(lockActionInputSchema.safeParse({ deviceId: 'd', requestId: scheduledRequestId(longest, at) }).success).toBe(
      true,
    );
  });
});
