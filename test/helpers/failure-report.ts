/**
 * A lock action's failure report for renderer tests: one that knows nothing yet but that the
 * unlock may have landed, with whatever a test changes.
 */
import type { FailureReport } from '../../src/contract';

const unknown = { commandSent: null, polls: 0, issues: [], warnings: [], supersededBy: null };
const unset = { actionAttemptId: null, lastStatus: null, seamError: null, seamRequestId: null, capability: null };

export function outcomeUnknownReport(patch: Partial<FailureReport> = {}): FailureReport {
  return {
    ...unknown,
    ...unset,
    code: 'COMMAND_OUTCOME_UNKNOWN',
    message: 'locks.unlock_door may have reached Seam; it is not sent again. Check the door.',
    deviceId: 'front-door',
    action: 'UNLOCK_DOOR',
    ...patch,
  };
}
