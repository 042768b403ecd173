/**
 * The visibility queries that find what needs a person, shared by `lockstep attention` (which
 * then reads each stay and run for its doors) and the worker's attention gauge (which counts).
 */
import { workflowTypes } from '../contract';
import { attentionKey } from '../contract/search-attributes';

/** How far back failed lock actions count: a day, as long as a stay keeps trying to lock by default. */
export const failedActionLookbackMs = 24 * 60 * 60_000;

/**
 * The visibility queries behind the list, in one place: stays and lock actions whose
 * `LockstepAttention` search attribute is set, running or closed within the lookback. Only those
 * stays are then read (by query) for their doors.
 */
export function attentionListQueries(failedSince: Date): {
  stays: string;
  scheduleRuns: string;
  failedLockActions: string;
} {
  const lockActionTypes = [workflowTypes.LOCK_DOOR, workflowTypes.UNLOCK_DOOR].map((t) => `'${t}'`).join(',');
  const runningOrRecent = `(ExecutionStatus = 'Running' OR CloseTime > '${failedSince.toISOString()}')`;
  return {
    stays: `WorkflowType = '${workflowTypes.RESERVATION}' AND ${attentionKey.name} = true AND ${runningOrRecent}`,
    scheduleRuns: `WorkflowType = '${workflowTypes.SCHEDULED_DOOR_ACTION}' AND ${attentionKey.name} = true AND ${runningOrRecent}`,
    failedLockActions: `WorkflowType IN (${lockActionTypes}) AND ${attentionKey.name} = true AND CloseTime > '${failedSince.toISOString()}'`,
  };
}
