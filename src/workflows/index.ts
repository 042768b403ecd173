/**
 * The workflow types lockstep registers. Callers start them by name (see `workflowTypes` in
 * the contract) with plain JSON input.
 */
import type { LockActionInput, LockActionResult } from '../contract';
import { runLockAction } from './lock-action';

export { actionAttemptEndedSignal, progressQuery } from './lock-action';
export { DoorWorkflow, doorQuery } from './door';
export { ReservationWorkflow } from './reservation';

/** Locks a door through Seam and reports how it ended. Takes exactly one argument: more fail INVALID_INPUT. */
export async function LockDoorWorkflow(
  input: LockActionInput,
  ...extraArguments: unknown[]
): Promise<LockActionResult> {
  return runLockAction('LOCK_DOOR', input, extraArguments.length);
}

/** Unlocks a door through Seam and reports how it ended; never sends after its deadline. One argument only. */
export async function UnlockDoorWorkflow(
  input: LockActionInput,
  ...extraArguments: unknown[]
): Promise<LockActionResult> {
  return runLockAction('UNLOCK_DOOR', input, extraArguments.length);
}
