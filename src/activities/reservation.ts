/**
 * The stay's one Seam-free activity: checking a reservation against the contract's schema. It
 * runs in an activity because workflow code stays zod-free (see contract/core.ts); a stay calls
 * it at its start and for each `upsert`, which property-management systems send rarely.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { checkReservationInput, type ReservationPlan } from '../contract';
import type { ActivityFailureDetails } from '../contract/core';

export function createReservationActivities() {
  return {
    /** The plan for a valid reservation; INVALID_INPUT (non-retryable) with one line per issue otherwise. */
    checkReservation(input: unknown): Promise<ReservationPlan> {
      const checked = checkReservationInput(input);
      if (checked.ok) return Promise.resolve(checked.plan);
      throw ApplicationFailure.nonRetryable(`invalid reservation: ${checked.issues.join('; ')}`, 'INVALID_INPUT', {
        issues: checked.issues,
      } satisfies ActivityFailureDetails);
    },
  };
}

export type ReservationActivities = ReturnType<typeof createReservationActivities>;
