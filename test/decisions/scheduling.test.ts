import { scheduledNotAfter, scheduledTimeOf } from '../../src/decisions';

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
