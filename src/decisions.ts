/**
 * The decisions of a lock action, as plain functions over plain data: may we act, is the
 * attempt over, how long until the next read, did the door end up where we wanted it. Workflows
 * and activities call these; unit tests prove them without Temporal. No Node APIs (the workflow
 * sandbox imports this file).
 */
import type { ActionAttemptStatus, CapabilitySnapshot, FailureCode } from './contract';
import { describeAction, lockstepWarnings, type LockAction } from './contract-core';
import { minSendWindowMs, sendSlackMs } from './timing-budget';

export type CapabilityVerdict =
  { act: true } | { act: false; code: Extract<FailureCode, 'CAPABILITY_MISSING' | 'DEVICE_OFFLINE'>; reason: string };

/**
 * A device may be commanded when Seam says it can do the action remotely (the flag must be
 * present and true: absent means Seam does not know it can) and it is online.
 */
export function assessCapability(snapshot: CapabilitySnapshot, action: LockAction): CapabilityVerdict {
  const flag = action === 'LOCK_DOOR' ? 'canRemotelyLock' : 'canRemotelyUnlock';
  const value = snapshot[flag];
  if (value !== true) {
    const seamField = action === 'LOCK_DOOR' ? 'can_remotely_lock' : 'can_remotely_unlock';
    return {
      act: false,
      code: 'CAPABILITY_MISSING',
      reason: `device ${snapshot.deviceId} cannot ${describeAction(action)} remotely (${seamField} is ${value === null ? 'absent' : 'false'})`,
    };
  }
  if (!snapshot.online) {
    const errors = snapshot.errors.map((e) => e.code);
    return {
      act: false,
      code: 'DEVICE_OFFLINE',
      reason: `device ${snapshot.deviceId} is offline${errors.length > 0 ? ` (${errors.join(', ')})` : ''}`,
    };
  }
  return { act: true };
}

export function isFinalStatus(status: ActionAttemptStatus): boolean {
  return status !== 'pending';
}

/** The `locked` value the door should report once the action took effect. */
export function desiredLockedState(action: LockAction): boolean {
  return action === 'LOCK_DOOR';
}

/** True when a read-back of `properties.locked` shows the action took effect. */
export function deviceShowsDesiredState(action: LockAction, locked: boolean | null): boolean {
  return locked === desiredLockedState(action);
}

/** What a successful lock action knew when it concluded. */
export interface SuccessFacts {
  action: LockAction;
  confirmation: 'action_attempt' | 'device_state';
  /** `properties.locked` before the command (from the capability check). */
  lockedBefore: boolean | null;
  /** `properties.locked` read back after success; null when not read. */
  lockedAfter: boolean | null;
  /** The success was first seen at or after the caller's `notAfter`. */
  seenAfterNotAfter: boolean;
}

/**
 * lockstep's own warnings on a success, next to the device's. Each says where the success is
 * weaker than "Seam confirmed it in time":
 * - the door read back in the other state after Seam said success;
 * - the success was read from the door's state, not from Seam's attempt, and when the door was
 *   already in that state before the command, the command may have done nothing;
 * - the success was first seen at or after `notAfter`: the door may have moved after the deadline.
 */
export function outcomeWarnings(facts: SuccessFacts): string[] {
  const { action, confirmation, lockedBefore, lockedAfter } = facts;
  const warnings: string[] = [];
  if (confirmation === 'action_attempt' && lockedAfter !== null && !deviceShowsDesiredState(action, lockedAfter)) {
    warnings.push(lockstepWarnings.lockedStateMismatch);
  }
  if (confirmation === 'device_state') {
    warnings.push(lockstepWarnings.confirmedByDeviceState);
    if (deviceShowsDesiredState(action, lockedBefore)) warnings.push(lockstepWarnings.alreadyInDesiredState);
  }
  if (facts.seenAfterNotAfter) warnings.push(lockstepWarnings.succeededAfterNotAfter);
  return warnings;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/** Delay before read number `readIndex` (0-based): initial, growing by multiplier, capped at max. */
export function pollDelayMs(backoff: Backoff, readIndex: number): number {
  const grown = backoff.initialMs * Math.pow(backoff.multiplier, readIndex);
  return Math.round(Math.min(backoff.maxMs, grown));
}

/**
 * The next wait of a poll loop: the backoff delay, cut short so that the loop makes one last
 * read at its deadline rather than sleeping past it. Null once the deadline has passed.
 *
 * With a `readsBudget`, waits stretch so that at most that many reads fit before the deadline
 * (a long timeout with a short max interval would otherwise grow the history without bound).
 */
export function nextWaitMs(
  backoff: Backoff,
  readIndex: number,
  nowMs: number,
  deadlineMs: number,
  readsBudget = Infinity,
): number | null {
  const remaining = deadlineMs - nowMs;
  if (remaining <= 0) return null;
  const readsLeft = readsBudget - readIndex;
  const evenShare = readsLeft >= 1 ? remaining / readsLeft : remaining;
  return Math.min(remaining, Math.max(pollDelayMs(backoff, readIndex), Math.ceil(evenShare)));
}

/**
 * Whether a command whose fate is unknown (it may have reached Seam) may be sent again.
 * Locking twice is harmless. Unlocking twice is not: a door that relocked after the first
 * unlock would open again, maybe long after it was meant to.
 */
export function mayRepeatCommand(action: LockAction): boolean {
  return action === 'LOCK_DOOR';
}

/** A command must not be sent at or after `notAfter` (ISO-8601). No `notAfter`: no limit. */
export function isPastNotAfter(notAfter: string | undefined, nowMs: number): boolean {
  return notAfter !== undefined && nowMs >= Date.parse(notAfter);
}

/**
 * The one deadline of a lock action: `min(notAfter, workflow start + timeout)`. No command may
 * reach Seam after it, and polling stops at it. It is the same for locks and unlocks: a late
 * lock can cross a newer unlock as surely as a late unlock can open a door nobody expects open.
 */
export function sendByMs(workflowStartMs: number, plan: { timeoutMs: number; notAfter?: string }): number {
  const timeoutAtMs = workflowStartMs + plan.timeoutMs;
  return plan.notAfter === undefined ? timeoutAtMs : Math.min(timeoutAtMs, Date.parse(plan.notAfter));
}

/**
 * Whether a send may start at `nowMs`: it needs {@link minSendWindowMs} before the instant its
 * request is aborted at the latest (`sendBy - sendSlackMs`).
 */
export function maySend(nowMs: number, sendBy: number): boolean {
  return nowMs + minSendWindowMs + sendSlackMs <= sendBy;
}

/** The end-to-end bound of a send request started at `nowMs`: the request timeout, cut at `sendBy - sendSlackMs`. */
export function sendRequestBoundMs(nowMs: number, sendBy: number, requestTimeoutMs: number): number {
  return Math.max(0, Math.min(requestTimeoutMs, sendBy - sendSlackMs - nowMs));
}
