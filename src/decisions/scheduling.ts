/**
 * The decisions of one run of a door schedule: which time it acts for, and until when an unlock
 * may still be sent.
 */
import type { DoorAction } from '../contract/scheduled-action';

/**
 * The time a run acts for: the time the schedule meant it for (the `TemporalScheduledStartTime`
 * search attribute Temporal sets on every scheduled, triggered, caught-up or backfilled run),
 * else — a run started directly, not by a schedule — the time the workflow started. Never the
 * time a worker first ran it: a run that waited for a worker keeps the time it was due.
 */
export function scheduledTimeOf(scheduledStartTime: Date | undefined, workflowStartTime: Date): Date {
  return scheduledStartTime !== undefined && Number.isFinite(scheduledStartTime.getTime())
    ? scheduledStartTime
    : workflowStartTime;
}

/**
 * The `notAfter` of a run's unlocks: its scheduled time plus the unlock window. Counted from the
 * scheduled time, not the run's start, so a run that starts late (every worker down, a backfill
 * of a past time, a catch-up after a server outage) never sends an unlock after its window —
 * each door's unlock then ends DEADLINE_PASSED with nothing sent. A lock has none: a late lock
 * still locks (fail-secure), bounded only by the lock action's own timeout.
 */
export function scheduledNotAfter(action: DoorAction, scheduledAt: Date, unlockWindowMs: number): Date | undefined {
  return action === 'unlock' ? new Date(scheduledAt.getTime() + unlockWindowMs) : undefined;
}
