/**
 * The workflow types lockstep registers. Callers start them by name (see `workflowTypes` in
 * the contract) with plain JSON input.
 */
import type { LockActionInput, LockActionResult } from '../contract';
import { runLockAction } from './lock-action';

export { actionAttemptEndedSignal, progressQuery } from './lock-action';

/** Locks a door through Seam and reports how it ended. */
export async function LockDoorWorkflow(input: LockActionInput): Promise<LockActionResult> {
  return runLockAction('LOCK_DOOR', input);
}

/** Unlocks a door through Seam and reports how it ended; never sends after `notAfter`. */
export async function UnlockDoorWorkflow(input: LockActionInput): Promise<LockActionResult> {
  return runLockAction('UNLOCK_DOOR', input);
}
