import {
  stayLockEventMemory,
  reservationDefaults,
  type ReservationPlan,
  type StayDoor,
  type StayFacts,
  newStayDoor,
} from '../../src/contract/reservation-core';
import type { DoorSeamEvent } from '../../src/contract/door';
import {
  afterCheckOutVerdict,
  lastSendStartMs,
  lockRetryDelayMs,
  nextStayStep,
  owesLock,
  retriesAtOnceOn,
  watchStep,
  withLockEvent,
} from '../../src/decisions';

const minute = 60_000;
const checkInMs = Date.parse('2026-11-25T15:00:00Z');
const checkOutMs = Date.parse('2026-11-27T11:00:00Z');

function door(deviceId: string, overrides: Partial<StayDoor> = {}): StayDoor {
  return { ...newStayDoor(deviceId), ...overrides };
}

/** A stay's facts: two doors, the defaults, nothing happened yet; `plan` overrides merge into the plan. */
function stay(overrides: Omit<Partial<StayFacts>, 'plan'> & { plan?: Partial<ReservationPlan> } = {}): StayFacts {
  const { plan, ...rest } = overrides;
  const doors = rest.doors ?? [door('front-door'), door('back-door')];
  return {
    plan: {
      reservationKey: 'room-12-2026-11-25',
      deviceIds: doors.map((d) => d.deviceId),
      checkInMs,
      checkOutMs,
      ...reservationDefaults,
      metadata: {},
      ...plan,
    },
    doors,
    cancelled: false,
    checkOutBeganMs: null,
    lockingSinceMs: null,
    retryAtMs: null,
    ...rest,
  };
}

/** Check-out began at check-out time and the stay owes locks since then. */
function checkingOut(overrides: Omit<Partial<StayFacts>, 'plan'> & { plan?: Partial<ReservationPlan> } = {}) {
  return stay({ checkOutBeganMs: checkOutMs, lockingSinceMs: checkOutMs, ...overrides });
}

const midStayMs = checkInMs + 6 * 60 * minute;

describe('nextStayStep before check-out', () => {
  const unlocking = { plan: { unlockAtCheckIn: true } };

  test('nextStayStep: a booked stay that unlocks at check-in waits for check-in', () => {
    expect(nextStayStep(stay(unlocking), checkInMs - 24 * 60 * minute)).toEqual({
      kind: 'wait',
      untilMs: checkInMs,
      what: 'check-in (unlock)',
    });
    expect(nextStayStep(stay(unlocking), checkInMs - 1)).toMatchObject({ kind: 'wait', untilMs: checkInMs });
  });

  test('nextStayStep: a stay that does not unlock at check-in waits for check-out, even past check-in', () => {
    for (const nowMs of [checkInMs - minute, checkInMs, midStayMs]) {
      expect(nextStayStep(stay(), nowMs)).toEqual({ kind: 'wait', untilMs: checkOutMs, what: 'check-out (lock)' });
      expect(nextStayStep(stay({ plan: { lockAtCheckOut: false } }), nowMs)).toEqual({
        kind: 'wait',
        untilMs: checkOutMs,
        what: 'check-out',
      });
    }
  });

  test('nextStayStep: at check-in, unlock every door still to settle, sent before checkIn + unlockWindow', () => {
    const facts = stay({
      plan: { unlockAtCheckIn: true, unlockWindowMs: 5 * minute },
      doors: [
        door('front-door'),
        door('settled-door', { checkInSettled: true }),
        door('removed-door', { removed: true }),
        door('back-door'),
      ],
    });
    expect(nextStayStep(facts, checkInMs)).toEqual({
      kind: 'unlock',
      deviceIds: ['front-door', 'back-door'],
      notAfterMs: checkInMs + 5 * minute,
    });
  });

  test('nextStayStep: once every door settled its check-in unlock, wait for check-out', () => {
    const settled = [door('front-door', { checkInSettled: true, unlockedByStay: true })];
    expect(nextStayStep(stay({ ...unlocking, doors: settled }), checkInMs + minute)).toEqual({
      kind: 'wait',
      untilMs: checkOutMs,
      what: 'check-out (lock)',
    });
  });

  test("nextStayStep: the unlock is sent up to the window's last send start, then it is missed", () => {
    const windowEndMs = checkInMs + reservationDefaults.unlockWindowMs;
    const lastStart = lastSendStartMs(windowEndMs);
    expect(nextStayStep(stay(unlocking), lastStart)).toEqual({
      kind: 'unlock',
      deviceIds: ['front-door', 'back-door'],
      notAfterMs: windowEndMs,
    });
    expect(nextStayStep(stay(unlocking), lastStart + 1)).toEqual({
      kind: 'unlock-missed',
      deviceIds: ['front-door', 'back-door'],
    });
    const oneLeft = [door('front-door', { checkInSettled: true }), door('back-door')];
    expect(nextStayStep(stay({ ...unlocking, doors: oneLeft }), windowEndMs)).toEqual({
      kind: 'unlock-missed',
      deviceIds: ['back-door'],
    });
  });

  test('nextStayStep: after a failed unlock round, wait until its retryAtMs (the last send start of the window at the latest)', () => {
    const nowMs = checkInMs + minute;
    const windowEndMs = checkInMs + reservationDefaults.unlockWindowMs;
    const what = 'the next check-in unlock try';
    expect(nextStayStep(stay({ ...unlocking, retryAtMs: nowMs + 30_000 }), nowMs)).toEqual({
      kind: 'wait',
      untilMs: nowMs + 30_000,
      what,
    });
    expect(nextStayStep(stay({ ...unlocking, retryAtMs: windowEndMs + minute }), nowMs)).toEqual({
      kind: 'wait',
      untilMs: lastSendStartMs(windowEndMs) + 1,
      what,
    });
    expect(nextStayStep(stay({ ...unlocking, retryAtMs: nowMs }), nowMs)).toMatchObject({ kind: 'unlock' });
  });

  test('nextStayStep: a removed door the stay unlocked is locked at once, before check-out', () => {
    const doors = [
      door('front-door', { checkInSettled: true, unlockedByStay: true }),
      door('back-door', { checkInSettled: true, unlockedByStay: true, removed: true }),
    ];
    expect(nextStayStep(stay({ doors, lockingSinceMs: midStayMs }), midStayMs)).toEqual({
      kind: 'lock',
      deviceIds: ['back-door'],
    });
    doors[1] = { ...doors[1], locked: true };
    expect(nextStayStep(stay({ doors, lockingSinceMs: midStayMs }), midStayMs)).toMatchObject({
      kind: 'wait',
      untilMs: checkOutMs,
    });
  });

  test('nextStayStep: a removed door the stay did not unlock is left alone', () => {
    const doors = [door('front-door'), door('back-door', { removed: true })];
    expect(nextStayStep(stay({ doors }), midStayMs)).toMatchObject({ kind: 'wait', untilMs: checkOutMs });
  });
});

describe('nextStayStep at check-out and cancel', () => {
  test('nextStayStep: check-out began: lock every door not removed, unlocked by the stay or not', () => {
    const doors = [
      door('front-door', { unlockedByStay: true }),
      door('back-door'),
      door('removed-door', { removed: true }),
      door('garage-door'),
    ];
    expect(nextStayStep(checkingOut({ doors }), checkOutMs)).toEqual({
      kind: 'lock',
      deviceIds: ['front-door', 'back-door', 'garage-door'],
    });
  });

  test('nextStayStep: check-out began without lockAtCheckOut: nothing is locked, the stay ends', () => {
    const doors = [door('front-door', { unlockedByStay: true, checkInSettled: true }), door('back-door')];
    const facts = stay({ doors, checkOutBeganMs: checkOutMs, plan: { lockAtCheckOut: false, unlockAtCheckIn: true } });
    expect(nextStayStep(facts, checkOutMs)).toEqual({ kind: 'end' });
  });

  test('nextStayStep: check-out began ends the check-in unlock: doors still to settle are not unlocked', () => {
    const facts = stay({ checkOutBeganMs: checkInMs + minute, plan: { unlockAtCheckIn: true, lockAtCheckOut: false } });
    expect(nextStayStep(facts, checkInMs + minute)).toEqual({ kind: 'end' });
  });

  test('nextStayStep: every door locked or stopped: the stay ends', () => {
    const doors = [
      door('front-door', { locked: true }),
      door('back-door', { stopped: 'superseded' }),
      door('garage-door', { stopped: 'gave_up', attention: ['door_not_locked'] }),
    ];
    expect(nextStayStep(checkingOut({ doors }), checkOutMs + minute)).toEqual({ kind: 'end' });
  });

  test('nextStayStep: cancelled: lock only the doors the stay unlocked', () => {
    const doors = [
      door('front-door', { unlockedByStay: true }),
      door('back-door'),
      door('garage-door', { unlockedByStay: true }),
    ];
    expect(nextStayStep(stay({ doors, cancelled: true, lockingSinceMs: midStayMs }), midStayMs)).toEqual({
      kind: 'lock',
      deviceIds: ['front-door', 'garage-door'],
    });
  });

  test('nextStayStep: cancelled with no door unlocked by the stay: it ends, before or after check-in', () => {
    const facts = stay({ cancelled: true, plan: { unlockAtCheckIn: true } });
    expect(nextStayStep(facts, checkInMs - minute)).toEqual({ kind: 'end' });
    expect(nextStayStep(facts, checkInMs + minute)).toEqual({ kind: 'end' });
  });
});

describe('nextStayStep while locking', () => {
  const { attentionAfterMs, lockRetryHorizonMs } = reservationDefaults;
  const attentionAtMs = checkOutMs + attentionAfterMs;

  test('nextStayStep: attention is raised at lockingSinceMs + attentionAfter, not before', () => {
    expect(nextStayStep(checkingOut(), attentionAtMs - 1)).toEqual({
      kind: 'lock',
      deviceIds: ['front-door', 'back-door'],
    });
    expect(nextStayStep(checkingOut(), attentionAtMs)).toEqual({
      kind: 'raise-attention',
      deviceIds: ['front-door', 'back-door'],
    });
  });

  test('nextStayStep: attention counts from lockingSinceMs, not from check-out', () => {
    const lockingSinceMs = checkOutMs + 5 * minute;
    expect(nextStayStep(checkingOut({ lockingSinceMs }), attentionAtMs)).toMatchObject({ kind: 'lock' });
    expect(nextStayStep(checkingOut({ lockingSinceMs }), lockingSinceMs + attentionAfterMs)).toMatchObject({
      kind: 'raise-attention',
    });
  });

  test('nextStayStep: attention is raised only for the owed doors nobody was told of yet', () => {
    const doors = [
      door('front-door', { attention: ['door_not_locked'] }),
      door('back-door'),
      door('locked-door', { locked: true }),
    ];
    expect(nextStayStep(checkingOut({ doors }), attentionAtMs + minute)).toEqual({
      kind: 'raise-attention',
      deviceIds: ['back-door'],
    });
  });

  test('nextStayStep: with every owed door attended, locking goes on', () => {
    const doors = [door('front-door', { attention: ['door_not_locked'] }), door('back-door', { locked: true })];
    expect(nextStayStep(checkingOut({ doors }), attentionAtMs + minute)).toEqual({
      kind: 'lock',
      deviceIds: ['front-door'],
    });
    const nowMs = attentionAtMs + minute;
    expect(nextStayStep(checkingOut({ doors, retryAtMs: nowMs + 60_000 }), nowMs)).toEqual({
      kind: 'wait',
      untilMs: nowMs + 60_000,
      what: 'the next lock try of 1 door(s)',
    });
  });

  test('nextStayStep: after a failed lock round, wait for retryAtMs, or for attention when it comes first', () => {
    const what = 'the next lock try of 2 door(s)';
    const early = checkOutMs + minute;
    expect(nextStayStep(checkingOut({ retryAtMs: early + 30_000 }), early)).toEqual({
      kind: 'wait',
      untilMs: early + 30_000,
      what,
    });
    const nearAttention = attentionAtMs - 10_000;
    expect(nextStayStep(checkingOut({ retryAtMs: nearAttention + 30_000 }), nearAttention)).toEqual({
      kind: 'wait',
      untilMs: attentionAtMs,
      what,
    });
    expect(nextStayStep(checkingOut({ retryAtMs: early }), early)).toMatchObject({ kind: 'lock' });
  });

  test('nextStayStep: at the retry horizon the stay gives up on the doors it still owes a lock', () => {
    const horizonMs = checkOutMs + lockRetryHorizonMs;
    const doors = [
      door('front-door', { attention: ['door_not_locked'] }),
      door('back-door', { locked: true }),
      door('garage-door', { attention: ['door_not_locked'] }),
    ];
    expect(nextStayStep(checkingOut({ doors }), horizonMs - 1)).toMatchObject({ kind: 'lock' });
    expect(nextStayStep(checkingOut({ doors }), horizonMs)).toEqual({
      kind: 'give-up',
      deviceIds: ['front-door', 'garage-door'],
    });
  });

  test('nextStayStep: giving up comes before raising attention and before waiting for a retry', () => {
    const horizonMs = checkOutMs + lockRetryHorizonMs;
    expect(nextStayStep(checkingOut({ retryAtMs: horizonMs + minute }), horizonMs)).toEqual({
      kind: 'give-up',
      deviceIds: ['front-door', 'back-door'],
    });
  });

  test('nextStayStep: without lockingSinceMs the locking clock starts now (no give-up, no attention)', () => {
    const nowMs = checkOutMs + 2 * lockRetryHorizonMs;
    expect(nextStayStep(stay({ checkOutBeganMs: checkOutMs }), nowMs)).toEqual({
      kind: 'lock',
      deviceIds: ['front-door', 'back-door'],
    });
  });
});

describe('owesLock', () => {
  const checkOutBegan = { checkOutBeganMs: checkOutMs };

  test('owesLock: a locked door is owed nothing, whatever else holds', () => {
    const locked = door('front-door', { locked: true, unlockedByStay: true });
    expect(owesLock(locked, stay(checkOutBegan))).toBe(false);
    expect(owesLock(locked, stay({ cancelled: true }))).toBe(false);
    expect(owesLock({ ...locked, removed: true }, stay())).toBe(false);
  });

  test("owesLock: a stopped door ('gave_up' or 'superseded') is owed nothing", () => {
    for (const stopped of ['gave_up', 'superseded'] as const) {
      const stoppedDoor = door('front-door', { stopped, unlockedByStay: true });
      expect(owesLock(stoppedDoor, stay(checkOutBegan))).toBe(false);
      expect(owesLock(stoppedDoor, stay({ cancelled: true }))).toBe(false);
      expect(owesLock({ ...stoppedDoor, removed: true }, stay())).toBe(false);
    }
  });

  test('owesLock: cancelled before check-out: owed exactly when the stay unlocked the door', () => {
    const facts = stay({ cancelled: true });
    expect(owesLock(door('front-door', { unlockedByStay: true }), facts)).toBe(true);
    expect(owesLock(door('front-door'), facts)).toBe(false);
    const noLockAtCheckOut = stay({ cancelled: true, plan: { lockAtCheckOut: false } });
    expect(owesLock(door('front-door', { unlockedByStay: true }), noLockAtCheckOut)).toBe(true);
  });

  test('owesLock: a cancel during check-out keeps every check-out lock owed', () => {
    const facts = stay({ cancelled: true, ...checkOutBegan });
    expect(owesLock(door('front-door'), facts)).toBe(true);
    expect(owesLock(door('front-door', { unlockedByStay: true }), facts)).toBe(true);
  });

  test('owesLock: removed: owed exactly when the stay unlocked the door, before or after check-out', () => {
    for (const facts of [stay(), stay(checkOutBegan), stay({ ...checkOutBegan, plan: { lockAtCheckOut: false } })]) {
      expect(owesLock(door('front-door', { removed: true, unlockedByStay: true }), facts)).toBe(true);
      expect(owesLock(door('front-door', { removed: true }), facts)).toBe(false);
    }
  });

  test('owesLock: otherwise owed once check-out began, and only with lockAtCheckOut', () => {
    for (const unlockedByStay of [false, true]) {
      const stayDoor = door('front-door', { unlockedByStay });
      expect(owesLock(stayDoor, stay())).toBe(false);
      expect(owesLock(stayDoor, stay(checkOutBegan))).toBe(true);
      expect(owesLock(stayDoor, stay({ ...checkOutBegan, plan: { lockAtCheckOut: false } }))).toBe(false);
    }
  });
});

test('lockRetryDelayMs: 30 s for the first 10 minutes, then 60 s, 120 s, ... up to 15 minutes', () => {
  const since = checkOutMs;
  const at = (elapsedMs: number) => lockRetryDelayMs(since, since + elapsedMs);
  expect([0, 30_000, 10 * minute - 1].map(at)).toEqual([30_000, 30_000, 30_000]);
  expect([10 * minute, 20 * minute - 1].map(at)).toEqual([60_000, 60_000]);
  expect([20, 30, 40].map((m) => at(m * minute))).toEqual([120_000, 240_000, 480_000]);
  expect([50 * minute - 1, 50 * minute, 60 * minute, 24 * 60 * minute].map(at)).toEqual([
    480_000,
    15 * minute,
    15 * minute,
    15 * minute,
  ]);
});

describe('the watch after check-out', () => {
  const locked = () => [
    door('front-door', { locked: true, lastOutcomeAt: new Date(checkOutMs + minute).toISOString() }),
  ];
  const event = (kind: DoorSeamEvent['kind'], atMs: number): DoorSeamEvent => ({
    eventId: `${kind}-${atMs}`,
    kind,
    occurredAt: new Date(atMs).toISOString(),
  });

  test('watchStep: a checked-out stay waits until watchAfterCheckOut past check-out, then ends', () => {
    const facts = checkingOut({ doors: locked() });
    const untilMs = checkOutMs + reservationDefaults.watchAfterCheckOutMs;
    expect(watchStep(facts, checkOutMs + 2 * minute)).toMatchObject({ kind: 'wait', untilMs });
    expect(watchStep(facts, untilMs)).toEqual({ kind: 'end' });
  });

  test('watchStep: no watch when cancelled, set to 0, planned before it existed, or nothing was locked', () => {
    expect(watchStep(checkingOut({ doors: locked(), cancelled: true }), checkOutMs)).toEqual({ kind: 'end' });
    expect(watchStep(checkingOut({ doors: locked(), plan: { watchAfterCheckOutMs: 0 } }), checkOutMs)).toEqual({
      kind: 'end',
    });
    expect(watchStep(checkingOut({ doors: locked(), plan: { watchAfterCheckOutMs: undefined } }), checkOutMs)).toEqual({
      kind: 'end',
    });
    expect(watchStep(checkingOut({ doors: [door('front-door', { stopped: 'superseded' })] }), checkOutMs)).toEqual({
      kind: 'end',
    });
  });

  test('retriesAtOnceOn: a connect of a door the stay owes a lock (or a check-in unlock) retries at once', () => {
    const owing = checkingOut({ retryAtMs: checkOutMs + 30_000 });
    expect(retriesAtOnceOn(event('connected', checkOutMs), owing.doors[0], owing)).toBe(true);
    expect(retriesAtOnceOn(event('disconnected', checkOutMs), owing.doors[0], owing)).toBe(false);
    const unlocking = stay({ plan: { unlockAtCheckIn: true }, retryAtMs: checkInMs + 30_000 });
    expect(retriesAtOnceOn(event('connected', checkInMs), unlocking.doors[0], unlocking)).toBe(true);
    const midStay = stay();
    expect(retriesAtOnceOn(event('connected', midStayMs), midStay.doors[0], midStay)).toBe(false);
  });

  test("afterCheckOutVerdict: the newest event after the stay's lock decides: an unlock raises, a lock again resolves", () => {
    const facts = checkingOut({ doors: locked() });
    const [front] = facts.doors;
    const lock = { actionAttemptId: 'a-1', finishedAtMs: checkOutMs + minute };
    const ownLocked = { kind: 'locked' as const, atMs: checkOutMs + 30_000, actionAttemptId: 'a-1' };
    const unlocked = (atMs: number) => ({ kind: 'unlocked' as const, atMs });
    expect(afterCheckOutVerdict(front, facts, [ownLocked], lock)).toBe('none');
    // Seconds after Seam's lock, before the stay had its lock action's answer: still after the lock.
    expect(afterCheckOutVerdict(front, facts, [ownLocked, unlocked(checkOutMs + 40_000)], lock)).toBe('raise');
    // Without Seam's own lock event, the lock counts from when the lock action finished.
    expect(afterCheckOutVerdict(front, facts, [unlocked(checkOutMs + 40_000)], lock)).toBe('none');
    expect(afterCheckOutVerdict(front, facts, [unlocked(checkOutMs + 2 * minute)], lock)).toBe('raise');
    // Before the lock took effect: what check-out was locking.
    expect(afterCheckOutVerdict(front, facts, [unlocked(checkOutMs + 10_000), ownLocked], lock)).toBe('none');
    const raised = { ...front, attention: ['unlocked_after_check_out' as const] };
    const relocked = [
      ownLocked,
      unlocked(checkOutMs + 2 * minute),
      { kind: 'locked' as const, atMs: checkOutMs + 3 * minute },
    ];
    expect(afterCheckOutVerdict(raised, facts, relocked, lock)).toBe('resolve');
    // Arrived out of order: the newest by occurred_at counts.
    expect(afterCheckOutVerdict(raised, facts, [...relocked].reverse(), lock)).toBe('resolve');
    expect(afterCheckOutVerdict(raised, facts, [ownLocked, unlocked(checkOutMs + 2 * minute)], lock)).toBe('none');
    // Not the stay's to judge: no lock of its own, a cancelled stay, before check-out.
    expect(afterCheckOutVerdict(front, facts, [unlocked(checkOutMs + 2 * minute)], undefined)).toBe('none');
    expect(afterCheckOutVerdict(front, { ...facts, cancelled: true }, [unlocked(checkOutMs + 2 * minute)], lock)).toBe(
      'none',
    );
    expect(afterCheckOutVerdict(front, stay({ doors: locked() }), [unlocked(checkOutMs + 2 * minute)], lock)).toBe(
      'none',
    );
  });

  test('withLockEvent: keeps each event once, in occurred_at order, at most stayLockEventMemory', () => {
    let heard = withLockEvent([], { kind: 'unlocked', atMs: 5 });
    heard = withLockEvent(heard, { kind: 'locked', atMs: 3 });
    heard = withLockEvent(heard, { kind: 'unlocked', atMs: 5 });
    expect(heard).toEqual([
      { kind: 'locked', atMs: 3 },
      { kind: 'unlocked', atMs: 5 },
    ]);
    for (let i = 0; i < stayLockEventMemory + 5; i++) heard = withLockEvent(heard, { kind: 'locked', atMs: 100 + i });
    expect(heard).toHaveLength(stayLockEventMemory);
    expect(heard.at(-1)!.atMs).toBe(100 + stayLockEventMemory + 4);
  });
});
