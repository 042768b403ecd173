/**
 * Waits for a lock action's outcome while reporting its progress (by query) as it changes.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { lockActionOutcome, queryProgress, type LockActionOutcome } from '../client';
import type { Progress } from '../contract';

/** How often progress is queried while following; queries are cheap and free of history. */
export const progressQueryIntervalMs = 250;

export async function followLockAction(
  handle: WorkflowHandle,
  onProgress?: (progress: Progress) => void,
): Promise<LockActionOutcome> {
  const outcome = lockActionOutcome(handle);
  if (!onProgress) return outcome;
  let done = false;
  void outcome
    .finally(() => {
      done = true;
    })
    .catch(() => undefined);
  let last = '';
  while (!done) {
    const progress = await queryProgress(handle).catch(() => undefined);
    const key = JSON.stringify(progress);
    if (progress && key !== last && !done) {
      last = key;
      onProgress(progress);
    }
    await Promise.race([outcome.catch(() => undefined), new Promise((r) => setTimeout(r, progressQueryIntervalMs))]);
  }
  return outcome;
}
