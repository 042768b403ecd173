import { alertSchema } from '../../src/contract/alerts';
import { boundedAlertId, maxAlertIdLength } from '../../src/contract/alerts-core';
import {
  lastSendStartMs,
  nextScheduledDoorStep,
  scheduledDoorStepOnCancel,
  scheduledNotAfter,
  scheduledTimeOf,
  type ScheduledDoorFacts,
} from '../../src/decisions';

const scheduledAt = new Date('2026-12-01T07:00:00Z');
const startedLate = new Date('2026-12-01T07:40:00Z');

describe('scheduledTimeOf', () => {
  test('scheduledTimeOf: a scheduled run acts for its scheduled time, however late it started', () => {
    expect(scheduledTimeOf(scheduledAt, startedLate)).toBe(scheduledAt);
  });

  test('scheduledTimeOf: a direct start (no scheduled time) acts for its start time', () => {
    expect(scheduledTimeOf(undefined, startedLate)).toBe(startedLate);
    expect(scheduledTimeOf(new Date(Number.NaN), startedLate)).toBe(startedLate);
  });
});

describe('scheduledNotAfter', () => {
  test("scheduledNotAfter: an unlock's deadline is its scheduled time plus the unlock window, not its start plus the window", () => {
    expect(scheduledNotAfter('unlock', scheduledAt, 15 * 60_000)).toEqual(new Date('2026-12-01T07:15:00Z'));
    const runStartedLate = scheduledTimeOf(scheduledAt, startedLate);
    expect(scheduledNotAfter('unlock', runStartedLate, 15 * 60_000)!.getTime()).toBeLessThan(startedLate.getTime());
  });

  test('scheduledNotAfter: a lock has no deadline of its own (fail-secure)', () => {
    expect(scheduledNotAfter('lock', scheduledAt, 15 * 60_000)).toBeUndefined();
  });
});

describe('nextScheduledDoorStep', () => {
  const minute = 60_000;
  const t0 = scheduledAt.getTime();
  const bounds = { retryHorizonMs: 60 * minute, attentionAfterMs: 10 * minute };
  const lockFailed: ScheduledDoorFacts = {
    action: 'lock',
    scheduledAtMs: t0,
    firstTryAtMs: t0,
    lastTryEndedMs: t0,
    notAfterMs: null,
    tries: 1,
    lastOutcome: 'DEVICE_OFFLINE',
    commandSent: false,
    raised: false,
  };
  const unlockFailed: ScheduledDoorFacts = { ...lockFailed, action: 'unlock', notAfterMs: t0 + 15 * minute };

  test.each(['success', 'SUPERSEDED', 'CANCELLED'] as const)(
    'nextScheduledDoorStep: after %s a door is not tried again',
    (lastOutcome) => {
      expect(nextScheduledDoorStep({ ...lockFailed, lastOutcome }, t0, bounds)).toEqual({ kind: 'done' });
      expect(nextScheduledDoorStep({ ...unlockFailed, lastOutcome }, t0, bounds)).toEqual({ kind: 'done' });
    },
  );

  test('nextScheduledDoorStep: ALREADY_STARTED on a first try leaves the door to the run that has it; on a later try (a reset run) a lock goes on, an unlock (maybe sent) does not', () => {
    const taken = { lastOutcome: 'ALREADY_STARTED' as const, commandSent: null };
    expect(nextScheduledDoorStep({ ...lockFailed, ...taken }, t0, bounds)).toEqual({ kind: 'done' });
    expect(nextScheduledDoorStep({ ...unlockFailed, ...taken }, t0, bounds)).toEqual({ kind: 'done' });
    expect(nextScheduledDoorStep({ ...lockFailed, ...taken, tries: 3 }, t0 + 30_000, bounds)).toEqual({
      kind: 'retry',
    });
    expect(nextScheduledDoorStep({ ...unlockFailed, ...taken, tries: 3 }, t0 + 30_000, bounds)).toEqual({
      kind: 'done',
    });
  });

  test('nextScheduledDoorStep: a failed lock is tried again every 30 s for its first 10 minutes, then backing off (60 s, 120 s, ... up to 15 minutes)', () => {
    expect(nextScheduledDoorStep(lockFailed, t0 + 1_000, bounds)).toEqual({ kind: 'wait', untilMs: t0 + 30_000 });
    expect(nextScheduledDoorStep(lockFailed, t0 + 30_000, bounds)).toEqual({ kind: 'retry' });
    const waitAfter = (endedMs: number) =>
      nextScheduledDoorStep({ ...lockFailed, lastTryEndedMs: endedMs, raised: true }, endedMs, {
        ...bounds,
        retryHorizonMs: 24 * 60 * minute,
      });
    expect(waitAfter(t0 + 9 * minute)).toEqual({ kind: 'wait', untilMs: t0 + 9 * minute + 30_000 });
    expect(waitAfter(t0 + 12 * minute)).toEqual({ kind: 'wait', untilMs: t0 + 13 * minute });
    expect(waitAfter(t0 + 22 * minute)).toEqual({ kind: 'wait', untilMs: t0 + 24 * minute });
    expect(waitAfter(t0 + 5 * 60 * minute)).toEqual({ kind: 'wait', untilMs: t0 + 5 * 60 * minute + 15 * minute });
  });

  test('nextScheduledDoorStep: a lock not done 10 minutes after its scheduled time needs a person, once, and is still tried', () => {
    const atTen = { ...lockFailed, lastTryEndedMs: t0 + 9.9 * minute };
    expect(nextScheduledDoorStep(atTen, t0 + 9.95 * minute, bounds)).toEqual({
      kind: 'wait',
      untilMs: t0 + 10 * minute,
    });
    expect(nextScheduledDoorStep(atTen, t0 + 10 * minute, bounds)).toEqual({ kind: 'raise' });
    expect(nextScheduledDoorStep({ ...atTen, raised: true }, t0 + 10 * minute, bounds)).toEqual({
      kind: 'wait',
      untilMs: atTen.lastTryEndedMs + 30_000,
    });
  });

  test('nextScheduledDoorStep: attention counts from the scheduled time, the retry cadence from the first try (a run that starts late)', () => {
    const lateRun = { ...lockFailed, firstTryAtMs: t0 + 30 * minute, lastTryEndedMs: t0 + 30 * minute };
    expect(nextScheduledDoorStep(lateRun, t0 + 30 * minute, bounds)).toEqual({ kind: 'raise' });
    expect(nextScheduledDoorStep({ ...lateRun, raised: true }, t0 + 30 * minute, bounds)).toEqual({
      kind: 'wait',
      untilMs: t0 + 30 * minute + 30_000,
    });
  });

  test('nextScheduledDoorStep: a lock gives up at the retry horizon (1 h after its scheduled time), and no wait runs past it', () => {
    const nearEnd = { ...lockFailed, lastTryEndedMs: t0 + 55 * minute, raised: true };
    expect(nextScheduledDoorStep(nearEnd, nearEnd.lastTryEndedMs, bounds)).toEqual({
      kind: 'wait',
      untilMs: t0 + 60 * minute,
    });
    expect(nextScheduledDoorStep(nearEnd, t0 + 60 * minute, bounds)).toEqual({ kind: 'give-up' });
  });

  test('nextScheduledDoorStep: an unlock not sent is tried again on the same cadence inside its window, and woken when no send fits', () => {
    expect(nextScheduledDoorStep(unlockFailed, t0, bounds)).toEqual({ kind: 'wait', untilMs: t0 + 30_000 });
    expect(nextScheduledDoorStep(unlockFailed, t0 + 30_000, bounds)).toEqual({ kind: 'retry' });
    const nearEnd = { ...unlockFailed, lastTryEndedMs: t0 + 15 * minute - 20_000 };
    expect(nextScheduledDoorStep(nearEnd, nearEnd.lastTryEndedMs, bounds)).toEqual({
      kind: 'wait',
      untilMs: lastSendStartMs(t0 + 15 * minute) + 1,
    });
    expect(nextScheduledDoorStep(nearEnd, lastSendStartMs(t0 + 15 * minute) + 1, bounds)).toEqual({ kind: 'give-up' });
  });

  test('nextScheduledDoorStep: an unlock with a window longer than the horizon stops at the horizon, and backs off before it', () => {
    const longWindow = { ...unlockFailed, notAfterMs: t0 + 24 * 60 * minute, lastTryEndedMs: t0 + 12 * minute };
    expect(nextScheduledDoorStep(longWindow, longWindow.lastTryEndedMs, bounds)).toEqual({
      kind: 'wait',
      untilMs: t0 + 13 * minute,
    });
    const late = { ...longWindow, lastTryEndedMs: t0 + 59 * minute };
    expect(nextScheduledDoorStep(late, late.lastTryEndedMs, bounds)).toEqual({
      kind: 'wait',
      untilMs: t0 + 60 * minute,
    });
    expect(nextScheduledDoorStep(late, t0 + 60 * minute, bounds)).toEqual({ kind: 'give-up' });
  });

  test('nextScheduledDoorStep: an unlock that may have gone out, or whose deadline passed, is never tried again', () => {
    const mayHaveGone = { ...unlockFailed, commandSent: null, lastOutcome: 'COMMAND_OUTCOME_UNKNOWN' as const };
    expect(nextScheduledDoorStep(mayHaveGone, t0, bounds)).toEqual({ kind: 'done' });
    const sent = { ...unlockFailed, commandSent: true, lastOutcome: 'ACTION_ATTEMPT_FAILED' as const };
    expect(nextScheduledDoorStep(sent, t0, bounds)).toEqual({ kind: 'done' });
    const late = { ...unlockFailed, lastOutcome: 'DEADLINE_PASSED' as const };
    expect(nextScheduledDoorStep(late, t0, bounds)).toEqual({ kind: 'give-up' });
  });

  test('nextScheduledDoorStep: a lock whose command may have gone out is still tried again (a second lock is harmless)', () => {
    const unknown = { ...lockFailed, commandSent: null, lastOutcome: 'COMMAND_OUTCOME_UNKNOWN' as const };
    expect(nextScheduledDoorStep(unknown, t0 + 30_000, bounds)).toEqual({ kind: 'retry' });
  });

  test('nextScheduledDoorStep: tried until the horizon, a door takes about 40 rounds (a bounded history)', () => {
    let facts: ScheduledDoorFacts = { ...lockFailed, raised: true };
    let nowMs = t0;
    let tries = 1;
    for (;;) {
      const step = nextScheduledDoorStep(facts, nowMs, bounds);
      if (step.kind === 'give-up') break;
      if (step.kind === 'wait') nowMs = step.untilMs;
      else if (step.kind === 'retry') facts = { ...facts, tries: ++tries, lastTryEndedMs: nowMs };
      else throw new Error(`unexpected ${step.kind}`);
    }
    expect(tries).toBeGreaterThanOrEqual(35);
    expect(tries).toBeLessThanOrEqual(45);
  });
});

describe('boundedAlertId', () => {
  test('boundedAlertId: an id that fits is kept; a longer one is cut to 300 with a hash of the whole, stable and distinct', () => {
    expect(boundedAlertId('door-schedule/x/door_not_locked/front')).toBe('door-schedule/x/door_not_locked/front');
    const long = `door-schedule/${'s'.repeat(100)}-2026-12-01T22:00:00Z/door_not_locked/${'d'.repeat(199)}`;
    const bounded = boundedAlertId(long);
    expect(bounded).toHaveLength(maxAlertIdLength);
    expect(bounded).toMatch(/~[0-9a-f]{16}$/);
    expect(boundedAlertId(long)).toBe(bounded);
    expect(boundedAlertId(`${long.slice(0, -1)}e`)).not.toBe(bounded);
    expect(alertSchema.shape.alertId.safeParse(bounded).success).toBe(true);
  });
});

describe('scheduledDoorStepOnCancel', () => {
  const base: ScheduledDoorFacts = {
    action: 'lock',
    scheduledAtMs: 0,
    firstTryAtMs: 0,
    lastTryEndedMs: 0,
    notAfterMs: null,
    tries: 2,
    lastOutcome: 'CANCELLED',
    commandSent: false,
    raised: false,
  };

  test('scheduledDoorStepOnCancel: a door the cancel caught unfinished (its try CANCELLED, or between tries) is given up, so a person is told', () => {
    expect(scheduledDoorStepOnCancel(base)).toEqual({ kind: 'give-up' });
    expect(scheduledDoorStepOnCancel({ ...base, lastOutcome: 'DEVICE_OFFLINE' })).toEqual({ kind: 'give-up' });
    expect(scheduledDoorStepOnCancel({ ...base, action: 'unlock' })).toEqual({ kind: 'give-up' });
  });

  test('scheduledDoorStepOnCancel: a door done, taken over, or an unlock that may have gone out needs no alert from the run', () => {
    expect(scheduledDoorStepOnCancel({ ...base, lastOutcome: 'success', commandSent: true })).toEqual({ kind: 'done' });
    expect(scheduledDoorStepOnCancel({ ...base, lastOutcome: 'SUPERSEDED' })).toEqual({ kind: 'done' });
    expect(scheduledDoorStepOnCancel({ ...base, action: 'unlock', commandSent: null })).toEqual({ kind: 'done' });
  });
});
