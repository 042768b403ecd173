/**
 * The decisions of a lock action, as plain functions over plain data: may we act, is the
 * attempt over, how long until the next read, did the door end up where we wanted it. Workflows
 * and activities call these; unit tests prove them without Temporal. No Node APIs (the workflow
 * sandbox imports this file).
 */
import type { ActionAttemptStatus, CapabilitySnapshot, FailureCode } from './contract';
import { describeAction, type LockAction } from './contract-core';

export type CapabilityVerdict =
  | { act: true }
  | { act: false; code: Extract<FailureCode, 'CAPABILITY_MISSING' | 'DEVICE_OFFLINE'>; reason: string };

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

/**
 * lockstep's own warnings on a success, next to the device's: the door read back in the other
 * state after Seam said success, or a success read from the door's state when the door was
 * already in it before the command (the command may have done nothing).
 */
export function outcomeWarnings(
  action: LockAction,
  confirmation: 'action_attempt' | 'device_state',
  lockedBefore: boolean | null,
  lockedAfter: boolean | null,
): string[] {
  if (confirmation === 'action_attempt') {
    return lockedAfter !== null && !deviceShowsDesiredState(action, lockedAfter) ? ['lockstep_locked_state_mismatch'] : [];
  }
  return deviceShowsDesiredState(action, lockedBefore) ? ['lockstep_already_in_desired_state'] : [];
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
export function nextWaitMs(backoff: Backoff, readIndex: number, nowMs: number, deadlineMs: number, readsBudget = Infinity): number | null {
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
