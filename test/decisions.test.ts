import type { CapabilitySnapshot } from '../src/contract';
import {
  assessCapability,
  deviceShowsDesiredState,
  isFinalStatus,
  isPastNotAfter,
  mayRepeatCommand,
  needsPersonAfter,
  nextWaitMs,
  outcomeWarnings,
  pollDelayMs,
} from '../src/decisions';

const ready: CapabilitySnapshot = {
  deviceId: 'front-door',
  canRemotelyLock: true,
  canRemotelyUnlock: true,
  online: true,
  locked: false,
  errors: [],
  warnings: [],
};

describe('assessCapability', () => {
  test('assessCapability: an online device with the flag true may act', () => {
    expect(assessCapability(ready, 'LOCK_DOOR')).toEqual({ act: true });
    expect(assessCapability(ready, 'UNLOCK_DOOR')).toEqual({ act: true });
  });

  test('assessCapability: an absent flag is CAPABILITY_MISSING, not permission', () => {
    const verdict = assessCapability({ ...ready, canRemotelyUnlock: null }, 'UNLOCK_DOOR');
    expect(verdict).toEqual({
      act: false,
      code: 'CAPABILITY_MISSING',
      reason: expect.stringContaining('can_remotely_unlock is absent'),
    });
  });

  test('assessCapability: a false flag is CAPABILITY_MISSING for that action only', () => {
    const snapshot = { ...ready, canRemotelyLock: false };
    expect(assessCapability(snapshot, 'LOCK_DOOR')).toMatchObject({ act: false, code: 'CAPABILITY_MISSING' });
    expect(assessCapability(snapshot, 'UNLOCK_DOOR')).toEqual({ act: true });
  });

  test('assessCapability: offline is DEVICE_OFFLINE and names the error codes', () => {
    const verdict = assessCapability(
      { ...ready, online: false, errors: [{ code: 'hub_disconnected', message: '' }] },
      'LOCK_DOOR',
    );
    expect(verdict).toEqual({
      act: false,
      code: 'DEVICE_OFFLINE',
      reason: 'device front-door is offline (hub_disconnected)',
    });
  });

  test('assessCapability: a missing capability is reported before being offline', () => {
    expect(assessCapability({ ...ready, online: false, canRemotelyLock: null }, 'LOCK_DOOR')).toMatchObject({
      code: 'CAPABILITY_MISSING',
    });
  });
});

describe('polling', () => {
  const backoff = { initialMs: 1_000, maxMs: 15_000, multiplier: 2 };

  test('pollDelayMs: starts at initial, grows by the multiplier, stops at max', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((i) => pollDelayMs(backoff, i))).toEqual([
      1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000,
    ]);
  });

  test('nextWaitMs: shortens the last wait to land on the deadline, then stops', () => {
    expect(nextWaitMs(backoff, 3, 0, 100_000)).toBe(8_000);
    expect(nextWaitMs(backoff, 3, 95_000, 100_000)).toBe(5_000);
    expect(nextWaitMs(backoff, 0, 100_000, 100_000)).toBeNull();
  });

  test('nextWaitMs: a reads budget stretches waits so the reads left fit before the deadline', () => {
    const day = 24 * 60 * 60_000;
    expect(nextWaitMs(backoff, 10, 0, day, 300)).toBe(Math.ceil(day / 290));
    expect(nextWaitMs(backoff, 299, day - 60_000, day, 300)).toBe(60_000);
    expect(nextWaitMs(backoff, 400, day - 60_000, day, 300)).toBe(60_000);
    // A budget that does not bind leaves the backoff alone.
    expect(nextWaitMs(backoff, 3, 0, 120_000, 300)).toBe(8_000);
  });

  test('isFinalStatus: success and error are final, pending is not', () => {
    expect([isFinalStatus('pending'), isFinalStatus('success'), isFinalStatus('error')]).toEqual([false, true, true]);
  });
});

describe('deadlines and state', () => {
  test('isPastNotAfter: at or after notAfter is past; no notAfter never is', () => {
    const notAfter = '2026-11-25T20:00:00Z';
    expect(isPastNotAfter(notAfter, Date.parse(notAfter) - 1)).toBe(false);
    expect(isPastNotAfter(notAfter, Date.parse(notAfter))).toBe(true);
    expect(isPastNotAfter(undefined, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  test('deviceShowsDesiredState: locked for LOCK_DOOR, unlocked for UNLOCK_DOOR, unknown is neither', () => {
    expect(deviceShowsDesiredState('LOCK_DOOR', true)).toBe(true);
    expect(deviceShowsDesiredState('UNLOCK_DOOR', false)).toBe(true);
    expect(deviceShowsDesiredState('LOCK_DOOR', false)).toBe(false);
    expect(deviceShowsDesiredState('LOCK_DOOR', null)).toBe(false);
    expect(deviceShowsDesiredState('UNLOCK_DOOR', null)).toBe(false);
  });
});

test('mayRepeatCommand: a lock may be sent again when its fate is unknown; an unlock never', () => {
  expect(mayRepeatCommand('LOCK_DOOR')).toBe(true);
  expect(mayRepeatCommand('UNLOCK_DOOR')).toBe(false);
});

describe('outcomeWarnings', () => {
  const facts = (
    action: 'LOCK_DOOR' | 'UNLOCK_DOOR',
    confirmation: 'action_attempt' | 'device_state',
    lockedBefore: boolean | null,
    lockedAfter: boolean | null,
  ) => ({ action, confirmation, lockedBefore, lockedAfter, seenAfterNotAfter: false }) as const;

  test('outcomeWarnings: a success whose read-back shows the other state warns of a mismatch', () => {
    expect(outcomeWarnings(facts('LOCK_DOOR', 'action_attempt', false, false))).toEqual([
      'lockstep_locked_state_mismatch',
    ]);
    expect(outcomeWarnings(facts('LOCK_DOOR', 'action_attempt', false, true))).toEqual([]);
    expect(outcomeWarnings(facts('LOCK_DOOR', 'action_attempt', false, null))).toEqual([]);
  });

  test('outcomeWarnings: a device_state success says so, and says when the door was already in that state', () => {
    expect(outcomeWarnings(facts('UNLOCK_DOOR', 'device_state', false, false))).toEqual([
      'lockstep_confirmed_by_device_state',
      'lockstep_already_in_desired_state',
    ]);
    expect(outcomeWarnings(facts('UNLOCK_DOOR', 'device_state', true, false))).toEqual([
      'lockstep_confirmed_by_device_state',
    ]);
    expect(outcomeWarnings(facts('UNLOCK_DOOR', 'device_state', null, false))).toEqual([
      'lockstep_confirmed_by_device_state',
    ]);
  });

  test('outcomeWarnings: a success first seen at or after notAfter says the door may have moved late', () => {
    expect(
      outcomeWarnings({ ...facts('UNLOCK_DOOR', 'action_attempt', true, false), seenAfterNotAfter: true }),
    ).toEqual(['lockstep_succeeded_after_not_after']);
  });
});

describe('needsPersonAfter', () => {
  test('needsPersonAfter: an unknown command outcome or an attempt that never ended needs a person', () => {
    expect(needsPersonAfter('COMMAND_OUTCOME_UNKNOWN', null)).toBe(true);
    expect(needsPersonAfter('ACTION_ATTEMPT_TIMED_OUT', true)).toBe(true);
  });

  test('needsPersonAfter: any failure whose command may have gone out unanswered (commandSent null) needs a person', () => {
    expect(needsPersonAfter('CANCELLED', null)).toBe(true);
    expect(needsPersonAfter('SEAM_UNAVAILABLE', null)).toBe(true);
  });

  test('needsPersonAfter: success, and failures that sent nothing or said why, do not', () => {
    expect(needsPersonAfter('success', true)).toBe(false);
    expect(needsPersonAfter('CANCELLED', false)).toBe(false);
    expect(needsPersonAfter('DEVICE_OFFLINE', false)).toBe(false);
    expect(needsPersonAfter('ACTION_ATTEMPT_FAILED', true)).toBe(false);
  });
});
