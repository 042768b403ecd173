/**
 * Is the attempt over, did the door get where we wanted it, and which of lockstep's warnings a
 * success carries.
 */
import type { ActionAttemptStatus } from '../contract';
import { lockstepWarnings, type FailureCode, type LockAction } from '../contract/core';

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

/**
 * Whether a lock action's end needs a person at the door: its command may have reached Seam
 * with no answer (COMMAND_OUTCOME_UNKNOWN, or any failure whose report says `commandSent:
 * null` — e.g. a cancel during a send), or Seam never said how it ended and the door could not
 * show it (ACTION_ATTEMPT_TIMED_OUT). Other failures sent nothing, or said plainly why.
 */
export function needsPersonAfter(outcome: 'success' | FailureCode, commandSent: boolean | null = true): boolean {
  if (outcome === 'success') return false;
  return outcome === 'COMMAND_OUTCOME_UNKNOWN' || outcome === 'ACTION_ATTEMPT_TIMED_OUT' || commandSent === null;
}
