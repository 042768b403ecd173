/**
 * What a stay does next, as a pure function of what it knows and the time: unlock at check-in
 * within its window (or record the miss), lock at check-out fail-secure with retries, raise
 * attention when a door is not locked in time, give up at the retry horizon, or wait.
 */
import type { DoorSeamEvent } from '../contract/door';
import {
  checkInRetryMs,
  checkOutRetry,
  stayLockEventMemory,
  type CheckOutLock,
  type HeardLockEvent,
  type StayDoor,
  type StayFacts,
} from '../contract/reservation-core';
import { lastSendStartMs, maySend } from './sending';

export type StayStep =
  /** Lock these doors (check-out, cancel, removed doors the stay unlocked). */
  | { kind: 'lock'; deviceIds: string[] }
  /** These doors are past due: a person is needed. */
  | { kind: 'raise-attention'; deviceIds: string[] }
  /** The retry horizon passed with these doors unlocked. */
  | { kind: 'give-up'; deviceIds: string[] }
  /** Unlock these doors for check-in; nothing may be sent from `notAfterMs` on. */
  | { kind: 'unlock'; deviceIds: string[]; notAfterMs: number }
  /** The unlock window closed before these doors were unlocked: never sent, a person is told. */
  | { kind: 'unlock-missed'; deviceIds: string[] }
  | { kind: 'end' }
  /** Nothing to do before `untilMs` (null: until something changes). */
  | { kind: 'wait'; untilMs: number | null; what: string };

/**
 * Whether the stay still owes this door a lock: every door of the stay once check-out began
 * (when it locks at check-out; a cancel then changes nothing), and any door it unlocked that it
 * no longer covers (a cancelled stay, a removed door).
 */
export function owesLock(door: StayDoor, facts: StayFacts): boolean {
  if (door.locked || door.stopped) return false;
  if (facts.checkOutBeganMs !== null && facts.plan.lockAtCheckOut && !door.removed) return true;
  return (facts.cancelled || door.removed) && door.unlockedByStay;
}

export function nextStayStep(facts: StayFacts, nowMs: number): StayStep {
  const { plan } = facts;
  const owed = facts.doors.filter((door) => owesLock(door, facts)).map((door) => door.deviceId);
  if (owed.length > 0) return lockingStep(facts, owed, nowMs);
  if (facts.cancelled || facts.checkOutBeganMs !== null) return { kind: 'end' };

  const unsettled = plan.unlockAtCheckIn
    ? facts.doors.filter((door) => !door.removed && !door.checkInSettled).map((door) => door.deviceId)
    : [];
  if (unsettled.length > 0) {
    if (nowMs < plan.checkInMs) return { kind: 'wait', untilMs: plan.checkInMs, what: 'check-in (unlock)' };
    const windowEndMs = plan.checkInMs + plan.unlockWindowMs;
    if (!maySend(nowMs, windowEndMs)) return { kind: 'unlock-missed', deviceIds: unsettled };
    if (facts.retryAtMs !== null && nowMs < facts.retryAtMs) {
      // Woken when the window no longer leaves room for a send, to say so at once.
      const missedAtMs = lastSendStartMs(windowEndMs) + 1;
      return { kind: 'wait', untilMs: Math.min(facts.retryAtMs, missedAtMs), what: 'the next check-in unlock try' };
    }
    return { kind: 'unlock', deviceIds: unsettled, notAfterMs: windowEndMs };
  }
  return { kind: 'wait', untilMs: plan.checkOutMs, what: plan.lockAtCheckOut ? 'check-out (lock)' : 'check-out' };
}

function lockingStep(facts: StayFacts, owed: string[], nowMs: number): StayStep {
  const since = facts.lockingSinceMs ?? nowMs;
  const horizonAtMs = since + facts.plan.lockRetryHorizonMs;
  if (nowMs >= horizonAtMs) return { kind: 'give-up', deviceIds: owed };
  const attentionAtMs = since + facts.plan.attentionAfterMs;
  const unattended = owed.filter(
    (id) => !facts.doors.find((door) => door.deviceId === id)?.attention.includes('door_not_locked'),
  );
  if (unattended.length > 0 && nowMs >= attentionAtMs) return { kind: 'raise-attention', deviceIds: unattended };
  if (facts.retryAtMs !== null && nowMs < facts.retryAtMs) {
    const untilMs = Math.min(facts.retryAtMs, horizonAtMs, unattended.length > 0 ? attentionAtMs : Infinity);
    return { kind: 'wait', untilMs, what: `the next lock try of ${owed.length} door(s)` };
  }
  return { kind: 'lock', deviceIds: owed };
}

/**
 * After check-out, once every door is locked (the stay would end): the stay watches its doors
 * until `watchAfterCheckOutMs` past check-out, so that a door unlocked meanwhile (Seam's
 * `lock.unlocked`) reaches a person; then it ends. A cancelled stay does not watch.
 */
export function watchStep(facts: StayFacts, nowMs: number): StayStep {
  const watchMs = facts.plan.watchAfterCheckOutMs ?? 0;
  if (facts.cancelled || facts.checkOutBeganMs === null || watchMs <= 0) return { kind: 'end' };
  // Nothing it locked, nothing to watch (doors a newer request took over, or given up on).
  if (!facts.doors.some((door) => door.locked && !door.removed)) return { kind: 'end' };
  const untilMs = Math.max(facts.plan.checkOutMs, facts.checkOutBeganMs) + watchMs;
  if (nowMs >= untilMs) return { kind: 'end' };
  return { kind: 'wait', untilMs, what: 'the end of the watch after check-out (a door unlocked meanwhile is raised)' };
}

/**
 * Whether a Seam event about a door of the stay calls for a lock or unlock round now rather
 * than at the retry timer: the device came back online while the stay owes it a lock (or a
 * check-in unlock) — waiting for the retry timer, or in a round that may fail for it.
 */
export function retriesAtOnceOn(event: DoorSeamEvent, door: StayDoor, facts: StayFacts): boolean {
  if (event.kind !== 'connected' || door.removed) return false;
  // A check-in unlock that failed and waits for its retry (a stay still booked has nothing to retry).
  const unlockPending =
    facts.plan.unlockAtCheckIn && !door.checkInSettled && facts.checkOutBeganMs === null && facts.retryAtMs !== null;
  return owesLock(door, facts) || unlockPending;
}

/**
 * Whether a door the stay locked at check-out needs a person now, from the lock-state events
 * heard of it: `raise` when the newest event after the stay's lock is an unlock, `resolve` when
 * it is a lock again (after one was raised), else `none`. The stay's lock took effect when Seam
 * says (its `lock.locked` names the stay's attempt), or — without that event — when the lock
 * action finished. Judged on every event and again once the lock is recorded: an unlock heard
 * while the stay still waited for its lock action's answer is not lost, and events come in any
 * order (the newest by `occurred_at` counts).
 */
export function afterCheckOutVerdict(
  door: StayDoor,
  facts: StayFacts,
  heard: readonly HeardLockEvent[],
  lock: CheckOutLock | undefined,
): 'raise' | 'resolve' | 'none' {
  if (!lock || facts.cancelled || facts.checkOutBeganMs === null || door.removed || !door.locked) return 'none';
  const ownLock = heard.find((e) => e.kind === 'locked' && e.actionAttemptId === lock.actionAttemptId);
  const lockedAtMs = ownLock?.atMs ?? lock.finishedAtMs;
  const newest = heard.filter((e) => e.atMs > lockedAtMs).sort((a, b) => b.atMs - a.atMs)[0];
  const raised = door.attention.includes('unlocked_after_check_out');
  if (newest?.kind === 'unlocked' && !raised) return 'raise';
  if (newest?.kind === 'locked' && raised) return 'resolve';
  return 'none';
}

/** The door's lock-state events with `event` added (once), at most {@link stayLockEventMemory}, newest last. */
export function withLockEvent(heard: readonly HeardLockEvent[], event: HeardLockEvent): HeardLockEvent[] {
  const known = heard.some((e) => e.kind === event.kind && e.atMs === event.atMs);
  return known ? [...heard] : [...heard, event].sort((a, b) => a.atMs - b.atMs).slice(-stayLockEventMemory);
}

/**
 * When a failed lock round is tried again: every 30 s for the first 10 minutes of locking, then
 * doubling up to every 15 minutes ({@link checkOutRetry}).
 */
export function lockRetryDelayMs(lockingSinceMs: number, nowMs: number): number {
  const elapsed = nowMs - lockingSinceMs;
  if (elapsed < checkOutRetry.fastForMs) return checkOutRetry.fastMs;
  const doublings = Math.floor((elapsed - checkOutRetry.fastForMs) / checkOutRetry.fastForMs) + 1;
  return Math.min(checkOutRetry.maxMs, checkOutRetry.fastMs * 2 ** doublings);
}

/** When a failed check-in unlock round is tried again (the window bounds it). */
export function unlockRetryDelayMs(): number {
  return checkInRetryMs;
}
