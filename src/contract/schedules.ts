/**
 * Door schedules: "lock front-door and back-door every day at 23:00 Europe/Berlin except 24–26
 * December; unlock front-door at 08:00 Monday to Friday". A definition is plain JSON that any
 * language can send; this module checks it (zod), builds the Temporal Schedule that runs it
 * (`scheduleOptionsOf`), and reads a Temporal Schedule's description back into a definition
 * (`doorScheduleFromDescription`).
 *
 * The safety policy is in the schedule's policies (see `schedulePoliciesOf`) and in each run
 * (src/decisions/scheduling.ts): a missed unlock is never run late, a missed lock still runs,
 * and runs of one schedule never overlap.
 */
import { workspaceField } from './core';
import {
  DAYS_OF_WEEK,
  MONTHS,
  type CalendarSpec,
  type CalendarSpecDescription,
  type DayOfWeek,
  type Range,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { z } from 'zod';
import { workflowTypes } from './core';
import { describeIssues, durationSchema, identifier, workspaceAlias } from './schema-parts';
import {
  checkScheduledDoorActionInput,
  doorActions,
  doorScheduleMemoKey,
  scheduleDefaults,
  scheduleIdMaxLength,
  scheduleIdPattern,
  scheduleRunWorkflowId,
  type DoorScheduleMemo,
  type ScheduledDoorActionInput,
} from './scheduled-action';

export * from './scheduled-action';

/** Days of the week as a definition names them, in the order `days` is written back. */
export const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayName = (typeof dayNames)[number];

const temporalDayOf = (day: DayName): DayOfWeek => DAYS_OF_WEEK[(dayNames.indexOf(day) + 1) % 7];
const dayNameOf = (day: DayOfWeek): DayName => dayNames[(DAYS_OF_WEEK.indexOf(day) + 6) % 7];

// ---------------------------------------------------------------------------------------------
// Times, time zones, holidays

const clockTimePattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * A time zone the Temporal server can load: an IANA name (`Europe/Berlin`, `UTC`) that Node's
 * ICU knows, spelt with its own case (the server reads zone files by name, case-sensitively).
 * Offsets (`+01:00`) are refused: a fixed offset ignores daylight saving time.
 */
export function timeZoneIssue(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) {
    return `${JSON.stringify(name)} is not an IANA time zone name like Europe/Berlin`;
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${JSON.stringify(name)} (an IANA name like Europe/Berlin)`;
  }
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return `write the time zone as ${resolved}`;
  return undefined;
}

/** A day of the year, every year; February 29 included (it is skipped in the years it exists). */
interface MonthDay {
  month: number;
  day: number;
}

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const skipPattern = /^(\d\d)-(\d\d)(?:\.\.(\d\d)-(\d\d))?$/;

function monthDay(month: number, day: number): MonthDay | undefined {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth[month - 1] ? { month, day } : undefined;
}

/** A holiday (`MM-DD`) or a run of days (`MM-DD..MM-DD`, across the new year when the end comes first). */
export function parseSkip(text: string): { from: MonthDay; to: MonthDay } | undefined {
  const match = skipPattern.exec(text);
  if (!match) return undefined;
  const [fromMonth, fromDay, toMonth, toDay] = match.slice(1).map(Number);
  const from = monthDay(fromMonth, fromDay);
  const to = match[3] === undefined ? from : monthDay(toMonth, toDay);
  return from && to ? { from, to } : undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthDayText = (d: MonthDay) => `${pad(d.month)}-${pad(d.day)}`;
const sameDay = (a: MonthDay, b: MonthDay) => a.month === b.month && a.day === b.day;
const skipText = (from: MonthDay, to: MonthDay) =>
  sameDay(from, to) ? monthDayText(from) : `${monthDayText(from)}..${monthDayText(to)}`;

/** One calendar month's part of a skip: Temporal's calendars cannot cross a month's end. */
interface SkipPiece {
  month: number;
  firstDay: number;
  lastDay: number;
}

function skipPieces(text: string): SkipPiece[] {
  const { from, to } = parseSkip(text) as { from: MonthDay; to: MonthDay };
  const pieces: SkipPiece[] = [];
  for (let month = from.month; ; month = (month % 12) + 1) {
    const firstDay = pieces.length === 0 ? from.day : 1;
    const endsHere = month === to.month && (pieces.length > 0 || to.day >= from.day);
    pieces.push({ month, firstDay, lastDay: endsHere ? to.day : daysInMonth[month - 1] });
    if (endsHere) return pieces;
  }
}

/**
 * Month pieces back into `MM-DD` / `MM-DD..MM-DD` skips, the one canonical form of a skip list:
 * a piece that ends on its month's last day joins the next one when that starts on the 1st of
 * the following month (a range across a month's end or the new year). Definitions are written
 * back in this form, and schedules are read back in it.
 */
function skipsOfPieces(pieces: SkipPiece[]): string[] {
  const ranges: Array<{ from: MonthDay; to: MonthDay }> = [];
  for (const piece of pieces) {
    const previous = ranges[ranges.length - 1];
    const continues =
      previous !== undefined &&
      previous.to.day === daysInMonth[previous.to.month - 1] &&
      piece.month === (previous.to.month % 12) + 1 &&
      piece.firstDay === 1;
    if (continues) previous.to = { month: piece.month, day: piece.lastDay };
    else
      ranges.push({
        from: { month: piece.month, day: piece.firstDay },
        to: { month: piece.month, day: piece.lastDay },
      });
  }
  return [...new Set(ranges.map(({ from, to }) => skipText(from, to)))];
}

// ---------------------------------------------------------------------------------------------
// The definition

const clockTimeSchema = z.string().regex(clockTimePattern, 'a time is HH:MM, from 00:00 to 23:59');

const skipSchema = z
  .string()
  .refine((text) => parseSkip(text) !== undefined, 'a skip is MM-DD or MM-DD..MM-DD, e.g. 12-24..12-26');

const timeZoneSchema = z.string().superRefine((name, ctx) => {
  const issue = timeZoneIssue(name);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

const doorScheduleFields = z
  .object({
    scheduleId: z
      .string()
      .min(1, 'scheduleId must not be empty')
      .max(scheduleIdMaxLength, `scheduleId must be at most ${scheduleIdMaxLength} characters`)
      .regex(scheduleIdPattern, 'scheduleId may hold only letters, digits and . _ -'),
    action: z.enum(doorActions),
    deviceIds: z
      .array(identifier('deviceId'))
      .min(1, 'name at least one device')
      .max(scheduleDefaults.maxDoors, `at most ${scheduleDefaults.maxDoors} devices per schedule`)
      .refine((ids) => new Set(ids).size === ids.length, 'deviceIds must not name a device twice'),
    /** `HH:MM` in the schedule's time zone, or several. */
    at: z
      .union([z.string(), z.array(z.string())])
      .transform((at) => (typeof at === 'string' ? [at] : at))
      .pipe(
        z
          .array(clockTimeSchema)
          .min(1, 'give at least one time')
          .max(scheduleDefaults.maxTimesPerDay, `at most ${scheduleDefaults.maxTimesPerDay} times a day`),
      ),
    /** @default every day */
    days: z.array(z.enum(dayNames)).min(1, 'give at least one day, or leave days out for every day').optional(),
    timezone: timeZoneSchema,
    /** Holidays, every year, in the schedule's time zone. */
    skip: z.array(skipSchema).max(scheduleDefaults.maxSkips, `at most ${scheduleDefaults.maxSkips} skips`).optional(),
    /** Unlock only. @default 15 minutes */
    unlockWindow: durationSchema({
      minMs: scheduleDefaults.minUnlockWindowMs,
      maxMs: scheduleDefaults.maxUnlockWindowMs,
    }).optional(),
    note: z.string().max(500, 'note must be at most 500 characters').optional(),
    /** The Seam workspace of its doors, by alias; absent: the workers' default. */
    workspace: workspaceAlias.optional(),
  })
  .strict();

/** A door schedule's definition; it parses to the canonical {@link DoorSchedule}. */
export const doorScheduleSchema = doorScheduleFields
  .refine((d) => d.action === 'unlock' || d.unlockWindow === undefined, {
    path: ['unlockWindow'],
    message: 'unlockWindow applies to unlock schedules only (a missed lock always runs)',
  })
  .transform(normalise);

/** What a caller sends (plain JSON). */
export type DoorScheduleDefinition = z.input<typeof doorScheduleSchema>;

/**
 * A definition in one canonical form: times sorted, days listed (Monday first; every day when
 * none were given), skips in order with a one-day range as `MM-DD` and ranges that meet at a
 * month's end joined, the unlock window in ms for unlocks. `doorScheduleFromDescription` returns
 * this same form, so a schedule reads back equal to the definition it was created from.
 */
export interface DoorSchedule {
  scheduleId: string;
  action: ScheduledDoorActionInput['action'];
  deviceIds: string[];
  at: string[];
  days: DayName[];
  timezone: string;
  skip: string[];
  /** Unlock schedules only. */
  unlockWindowMs?: number;
  note?: string;
  workspace?: string;
}

function normalise(d: z.output<typeof doorScheduleFields>): DoorSchedule {
  return {
    scheduleId: d.scheduleId,
    action: d.action,
    deviceIds: d.deviceIds,
    at: [...new Set(d.at)].sort(),
    days: dayNames.filter((day) => (d.days ?? dayNames).includes(day)),
    timezone: d.timezone,
    skip: skipsOfPieces((d.skip ?? []).flatMap(skipPieces)),
    ...(d.action === 'unlock' ? { unlockWindowMs: d.unlockWindow ?? scheduleDefaults.unlockWindowMs } : {}),
    ...(d.note !== undefined ? { note: d.note } : {}),
    ...workspaceField(d.workspace),
  };
}

/** The canonical schedule for a valid definition, or why it is not valid (one line per issue). */
export function checkDoorSchedule(
  definition: unknown,
): { ok: true; schedule: DoorSchedule } | { ok: false; issues: string[] } {
  const parsed = doorScheduleSchema.safeParse(definition);
  return parsed.success ? { ok: true, schedule: parsed.data } : { ok: false, issues: describeIssues(parsed.error) };
}

/** `mon-fri`, `sat,sun`, `mon-wed,fri` (as the CLI's --days takes them) as day names; undefined if malformed. */
export function parseDays(text: string): DayName[] | undefined {
  const days = new Set<DayName>();
  for (const part of text.toLowerCase().split(',')) {
    const [first, last = first, ...rest] = part.trim().split('-');
    const from = dayNames.indexOf(first as DayName);
    const to = dayNames.indexOf(last as DayName);
    if (from < 0 || to < from || rest.length > 0) return undefined;
    dayNames.slice(from, to + 1).forEach((day) => days.add(day));
  }
  return dayNames.filter((day) => days.has(day));
}

/** `every day`, `mon-fri`, `mon,wed,fri`: days as people read them. */
export function daysText(days: readonly DayName[]): string {
  if (days.length === dayNames.length) return 'every day';
  const indexes = days.map((day) => dayNames.indexOf(day));
  const contiguous = indexes.every((index, i) => i === 0 || index === indexes[i - 1] + 1);
  return contiguous && days.length > 2 ? `${days[0]}-${days[days.length - 1]}` : days.join(',');
}

/** `15m`, `10s`, `1h30m`, `1d`: a window as people read it. */
export function durationText(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  let rest = ms;
  const parts = units.flatMap(([unit, size]) => {
    const count = Math.floor(rest / size);
    rest -= count * size;
    return count > 0 ? [`${count}${unit}`] : [];
  });
  return parts.join('') || `${ms}ms`;
}

/** One line saying what a schedule does: the memo's summary, and each run's summary in the Web UI. */
export function doorScheduleSummary(schedule: DoorSchedule): string {
  const parts = [
    `${schedule.action} ${schedule.deviceIds.join(', ')} at ${schedule.at.join(', ')} ${daysText(schedule.days)} (${schedule.timezone})`,
  ];
  if (schedule.skip.length > 0) parts.push(`except ${schedule.skip.join(', ')}`);
  if (schedule.unlockWindowMs !== undefined)
    parts.push(`never later than ${durationText(schedule.unlockWindowMs)} after`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Definition -> Temporal Schedule

/**
 * The safety policy, per action:
 * - unlock: catch-up window = the unlock window (at least the server's 10 s): a time the server
 *   missed (down, overloaded) for longer is dropped, never run late; overlap SKIP: a time that
 *   comes while the previous run still runs is dropped too, since running it later would unlock
 *   late (each run's `notAfter` would refuse it anyway).
 * - lock: catch-up 1 day: a missed lock still runs when the server is back (fail-secure);
 *   overlap BUFFER_ONE: a lock due while the previous run still runs waits for it and then runs
 *   — not dropped, and never at the same time as another run of this schedule (locks due while
 *   one already waits fold into it: one lock after the running one locks the doors as well).
 * - pauseOnFailure false: a door that failed tonight must not stop tomorrow's locks.
 */
export function schedulePoliciesOf(schedule: DoorSchedule): {
  overlap: ScheduleOverlapPolicy;
  catchupWindow: number;
  pauseOnFailure: boolean;
} {
  return schedule.action === 'unlock'
    ? {
        overlap: 'SKIP',
        catchupWindow: Math.max(
          schedule.unlockWindowMs ?? scheduleDefaults.unlockWindowMs,
          scheduleDefaults.minUnlockWindowMs,
        ),
        pauseOnFailure: false,
      }
    : { overlap: 'BUFFER_ONE', catchupWindow: scheduleDefaults.lockCatchupWindowMs, pauseOnFailure: false };
}

/** The input every run of the schedule gets. */
export function scheduledDoorActionInputOf(schedule: DoorSchedule): ScheduledDoorActionInput {
  return {
    scheduleId: schedule.scheduleId,
    action: schedule.action,
    deviceIds: schedule.deviceIds,
    ...(schedule.unlockWindowMs !== undefined ? { unlockWindowMs: schedule.unlockWindowMs } : {}),
    ...workspaceField(schedule.workspace),
  };
}

/**
 * The `client.schedule.create` options for a door schedule: one calendar per time of day (hour,
 * minute, days of the week) read in the schedule's time zone — so 23:00 Europe/Berlin stays
 * 23:00 on both sides of a daylight saving change — and one skip calendar per month of each
 * holiday range, matching the whole day.
 */
export function scheduleOptionsOf(schedule: DoorSchedule, taskQueue: string): ScheduleOptions {
  const summary = doorScheduleSummary(schedule);
  const memo: DoorScheduleMemo = {
    version: 1,
    summary,
    ...(schedule.note !== undefined ? { note: schedule.note } : {}),
  };
  const everyDay = schedule.days.length === dayNames.length;
  return {
    scheduleId: schedule.scheduleId,
    spec: {
      calendars: schedule.at.map((time) => {
        const [, hour, minute] = (clockTimePattern.exec(time) as RegExpExecArray).map(Number);
        return {
          hour,
          minute,
          dayOfWeek: everyDay ? '*' : schedule.days.map(temporalDayOf),
          comment: `${schedule.action} at ${time} ${daysText(schedule.days)}`,
        };
      }),
      skip: schedule.skip.flatMap(skipCalendarsOf),
      timezone: schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: workflowTypes.SCHEDULED_DOOR_ACTION,
      workflowId: scheduleRunWorkflowId(schedule.scheduleId),
      taskQueue,
      args: [scheduledDoorActionInputOf(schedule)],
      staticSummary: summary,
    },
    policies: schedulePoliciesOf(schedule),
    memo: { [doorScheduleMemoKey]: memo },
  };
}

function skipCalendarsOf(text: string): CalendarSpec[] {
  return skipPieces(text).map((piece) => ({
    month: MONTHS[piece.month - 1],
    dayOfMonth: { start: piece.firstDay, end: piece.lastDay },
    hour: '*',
    minute: '*',
    second: '*',
    comment: `skip ${text}`,
  }));
}

// ---------------------------------------------------------------------------------------------
// Temporal Schedule -> definition

/** A door schedule as Temporal holds it: its definition and its state. Plain JSON. */
export interface DoorScheduleView {
  schedule: DoorSchedule;
  summary: string;
  taskQueue: string;
  paused: boolean;
  /** The schedule's state note: why it was paused or unpaused. */
  stateNote?: string;
  policies: { overlap: string; catchupWindowMs: number; pauseOnFailure: boolean };
  /** The next times a run is due (ISO-8601), skips and pauses taken into account. */
  nextActionTimes: string[];
  /** The latest runs, oldest first: when each was due and when it started. */
  recentRuns: Array<{ scheduledAt: string; startedAt: string; workflowId: string }>;
  runningWorkflowIds: string[];
  /** Times dropped because they could not start within the catch-up window (missed unlocks land here). */
  missedCatchupWindow: number;
}

/**
 * Reads a Temporal Schedule's description back into the door schedule it was built from, and
 * its state; or says why it is not a lockstep door schedule (another kind of schedule, or one
 * changed outside lockstep into a shape a definition cannot say).
 */
export function doorScheduleFromDescription(
  description: ScheduleDescription,
): { ok: true; view: DoorScheduleView } | { ok: false; issues: string[] } {
  const memo = description.memo?.[doorScheduleMemoKey] as Partial<DoorScheduleMemo> | undefined;
  const { action, spec, policies, state, info } = description;
  if (action.workflowType !== workflowTypes.SCHEDULED_DOOR_ACTION || typeof memo?.summary !== 'string') {
    return { ok: false, issues: [`it runs ${action.workflowType} and has no ${doorScheduleMemoKey} memo`] };
  }
  const checked = checkScheduledDoorActionInput(action.args?.[0], Math.max(0, (action.args?.length ?? 0) - 1));
  const times = (spec.calendars ?? []).map(timeOfCalendar);
  const skips = skipsOf(spec.skip ?? []);
  const dayLists = [...new Set(times.map((t) => t?.days.join(',')))];
  const issues = [
    ...(checked.ok ? [] : checked.issues.map((issue) => `run input ${issue}`)),
    ...(times.length === 0 || times.includes(undefined)
      ? ['its calendars are not times of day on days of the week']
      : []),
    ...(dayLists.length > 1 ? ['its calendars are on different days'] : []),
    ...(skips === undefined ? ['its skips are not whole days of the year'] : []),
    ...((spec.intervals ?? []).length > 0 ? ['it has interval specs'] : []),
  ];
  if (!checked.ok || issues.length > 0) return { ok: false, issues };

  const { plan } = checked;
  const schedule: DoorSchedule = {
    scheduleId: description.scheduleId,
    action: plan.action,
    deviceIds: plan.deviceIds,
    at: times.map((t) => t?.time as string),
    days: (dayLists[0] as string).split(',') as DayName[],
    timezone: spec.timezone || 'UTC',
    skip: skips as string[],
    ...(plan.action === 'unlock' ? { unlockWindowMs: plan.unlockWindowMs } : {}),
    ...(memo.note !== undefined ? { note: memo.note } : {}),
    ...workspaceField(plan.workspace),
  };
  return {
    ok: true,
    view: {
      schedule,
      summary: memo.summary,
      taskQueue: action.taskQueue,
      paused: state.paused,
      ...(state.note ? { stateNote: state.note } : {}),
      policies: {
        overlap: policies.overlap ?? 'SKIP',
        catchupWindowMs: policies.catchupWindow,
        pauseOnFailure: policies.pauseOnFailure,
      },
      nextActionTimes: info.nextActionTimes.map((t) => t.toISOString()),
      recentRuns: info.recentActions.map((run) => ({
        scheduledAt: run.scheduledAt.toISOString(),
        startedAt: run.takenAt.toISOString(),
        workflowId: run.action.workflow.workflowId,
      })),
      runningWorkflowIds: info.runningActions.map((run) => run.workflow.workflowId),
      missedCatchupWindow: info.numActionsMissedCatchupWindow,
    },
  };
}

/** The one value a calendar field matches, if it matches exactly one. */
function single<T>(ranges: Range<T>[]): T | undefined {
  return ranges.length === 1 && ranges[0].start === ranges[0].end ? ranges[0].start : undefined;
}

/** Whether a calendar field matches every value from `first` to `last`. */
function matchesAll<T>(ranges: Range<T>[], first: T, last: T): boolean {
  return ranges.length === 1 && ranges[0].start === first && ranges[0].end === last && ranges[0].step === 1;
}

function timeOfCalendar(calendar: CalendarSpecDescription): { time: string; days: DayName[] } | undefined {
  const [hour, minute, second] = [single(calendar.hour), single(calendar.minute), single(calendar.second)];
  const anyDate =
    calendar.year.length === 0 &&
    matchesAll(calendar.month, MONTHS[0], MONTHS[11]) &&
    matchesAll(calendar.dayOfMonth, 1, 31);
  if (hour === undefined || minute === undefined || second !== 0 || !anyDate) return undefined;
  if (calendar.dayOfWeek.length === 0) return undefined;
  const days = new Set<DayName>();
  for (const { start, end, step } of calendar.dayOfWeek) {
    for (let i = DAYS_OF_WEEK.indexOf(start); i <= DAYS_OF_WEEK.indexOf(end); i += Math.max(1, step)) {
      days.add(dayNameOf(DAYS_OF_WEEK[i]));
    }
  }
  return { time: `${pad(hour)}:${pad(minute)}`, days: dayNames.filter((day) => days.has(day)) };
}

/** Skip calendars back into skips; undefined when one is not a whole day of the year. */
function skipsOf(calendars: CalendarSpecDescription[]): string[] | undefined {
  const pieces: SkipPiece[] = [];
  for (const calendar of calendars) {
    const month = single(calendar.month);
    const days = calendar.dayOfMonth.length === 1 ? calendar.dayOfMonth[0] : undefined;
    const wholeDay =
      matchesAll(calendar.hour, 0, 23) && matchesAll(calendar.minute, 0, 59) && matchesAll(calendar.second, 0, 59);
    const everyWeekday = matchesAll(calendar.dayOfWeek, DAYS_OF_WEEK[0], DAYS_OF_WEEK[6]);
    if (!month || days?.step !== 1 || !wholeDay || !everyWeekday || calendar.year.length > 0) return undefined;
    pieces.push({ month: MONTHS.indexOf(month) + 1, firstDay: days.start, lastDay: days.end });
  }
  return skipsOfPieces(pieces);
}

/**
 * An instant as the schedule's wall clock shows it, e.g. `2027-10-31 23:00 CET`: what `describe`
 * prints next to the UTC time, so a daylight saving change reads as the same 23:00.
 */
export function localClockText(instant: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}
