/**
 * make bench's baseline for door ordering (mode `unordered`): lockstep's workflows, with the
 * lock actions taking the route they took before door ordering — checked, sent and followed in
 * the lock action itself, no `door/<deviceId>`. Only bench/unordered/worker.ts registers it.
 */
import type { LockActionInput, LockActionResult } from '../../src/contract';
import { runLockAction } from '../../src/workflows/lock-action';

export * from '../../src/workflows';

export async function LockDoorWorkflow(input: LockActionInput): Promise<LockActionResult> {
  return runLockAction('LOCK_DOOR', input, 0, { withoutDoor: true });
}

export async function UnlockDoorWorkflow(input: LockActionInput): Promise<LockActionResult> {
  return runLockAction('UNLOCK_DOOR', input, 0, { withoutDoor: true });
}
