/**
 * The stay's one Seam-free activity: checking a reservation against the contract's schema. It
 * runs in an activity because workflow code stays zod-free (see contract/core.ts); a stay calls
 * it at its start and for each `upsert`, which property-management systems send rarely.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { checkReservationInput, type ReservationPlan } from '../contract';
import type { ActivityFailureDetails } from '../contract/core';

/**
 * `serves`: whether the worker serves a workspace alias (undefined: the default). A stay naming
 * one it does not is refused now, not hours later at check-in.
 */
export function createReservationActivities(serves: (workspace: string | undefined) => boolean = () => true) {
  return {
    /**
     * The plan for a valid reservation; INVALID_INPUT (non-retryable) with one line per issue
     * otherwise — a workspace this worker does not serve among them.
     */
    checkReservation(input: unknown): Promise<ReservationPlan> {
      const checked = unservedWorkspace(checkReservationInput(input), serves);
      if (checked.ok) return Promise.resolve(checked.plan);
      throw ApplicationFailure.nonRetryable(`invalid reservation: ${checked.issues.join('; ')}`, 'INVALID_INPUT', {
        issues: checked.issues,
      } satisfies ActivityFailureDetails);
    },
  };
}

export type ReservationActivities = ReturnType<typeof createReservationActivities>;

function unservedWorkspace(
  checked: ReturnType<typeof checkReservationInput>,
  serves: (workspace: string | undefined) => boolean,
): ReturnType<typeof checkReservationInput> {
  if (!checked.ok || serves(checked.plan.workspace)) return checked;
  const workspace = checked.plan.workspace ?? '(the default)';
  return { ok: false, issues: [`workspace: ${workspace} is not one the workers serve (LOCKSTEP_SEAM_WORKSPACES)`] };
}
