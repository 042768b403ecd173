/**
 * make bench's baseline for door ordering (its `unordered` mode): lockstep's workflows as they
 * are, except that a lock action sends and follows its command itself, with no
 * `door/<deviceId>` — the send-by-deadline route (a send try, then a watch activity), with the
 * search attributes of today's workflows. Only make bench's baseline worker
 * (./worker.ts) runs this code; lockstep's workers never do.
 */
import type { LockActionInput, LockActionResult } from '../../contract';
import { runLockAction } from '../../workflows/lock-action';

export * from '../../workflows';

export async function LockDoorWorkflow(
  input: LockActionInput,
  ...extraArguments: unknown[]
): Promise<LockActionResult> {
  return runLockAction('LOCK_DOOR', input, extraArguments.length, { withoutDoor: true });
}

export async function UnlockDoorWorkflow(
  input: LockActionInput,
  ...extraArguments: unknown[]
): Promise<LockActionResult> {
  return runLockAction('UNLOCK_DOOR', input, extraArguments.length, { withoutDoor: true });
}
