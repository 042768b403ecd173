/**
 * The workflow types lockstep registers. Callers start them by name (see `workflowTypes` in
 * the contract) with plain JSON input.
 */
import type { LockActionInput, LockActionResult } from '../contract';
import type { ScheduledDoorActionInput, ScheduledDoorActionResult } from '../contract/scheduled-action';
import { runLockAction } from './lock-action';
import { runScheduledDoorAction } from './scheduled-door-action';

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

/**
 * One run of a door schedule: a lock or unlock action per door, unlocks never after the run's
 * scheduled time plus its unlock window. Door schedules start it (src/contract/schedules.ts);
 * a direct start acts for its start time. One argument only.
 */
export async function ScheduledDoorActionWorkflow(
  input: ScheduledDoorActionInput,
  ...extraArguments: unknown[]
): Promise<ScheduledDoorActionResult> {
  return runScheduledDoorAction(input, extraArguments.length);
}
