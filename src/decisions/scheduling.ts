/**
 * The decisions of one run of a door schedule: which time it acts for, until when an unlock may
 * still be sent, and — for a door whose action did not succeed — whether to try again, wait,
 * call a person, or stop.
 */
import type { DoorAction, DoorFailureCode } from '../contract/scheduled-action';
import { lockRetryDelayMs } from './reservation';
import { lastSendStartMs, maySend } from './sending';

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

/** How one door's try in a run ended, as the next-step decision reads it. */
export interface ScheduledDoorFacts {
  action: DoorAction;
  /** The time the run acts for: attention and the retry horizon count from it. */
  scheduledAtMs: number;
  /** When the run's first round of tries started: the retry cadence counts from it. */
  firstTryAtMs: number;
  /** When the round of the door's last try ended (a round's doors are tried again together). */
  lastTryEndedMs: number;
  /** Unlock only: nothing may be sent from this time on. */
  notAfterMs: number | null;
  /** How many tries the door has had. */
  tries: number;
  lastOutcome: 'success' | DoorFailureCode;
  /** The last try's `commandSent` (null: the command may have gone out). */
  commandSent: boolean | null;
  /** Whether this door's alert is raised. */
  raised: boolean;
}

/** What a run does next for one door (the alert it may raise: door_not_locked for a lock, unlock_not_sent for an unlock). */
export type ScheduledDoorStep =
  /** Nothing more to try: it succeeded, a newer intent or another run took over, or an unlock may have gone out. */
  | { kind: 'done' }
  /** The door needs a person; the run goes on (a lock keeps trying). */
  | { kind: 'raise' }
  /** The retry horizon passed, or an unlock's window closed, with the door not acted on. */
  | { kind: 'give-up' }
  | { kind: 'retry' }
  | { kind: 'wait'; untilMs: number };

/** The bounds of a run's tries of one door (scheduleDefaults in the contract). */
export interface ScheduledRetryBounds {
  retryHorizonMs: number;
  attentionAfterMs: number;
}

/**
 * Outcomes after which a run tries a door no more: a newer request at the door won
 * (SUPERSEDED), or someone cancelled the door's action (CANCELLED: a person's decision, not a
 * fault). ALREADY_STARTED on a first try: a run for the same time already acts on the door.
 */
const settlingOutcomes: ReadonlySet<string> = new Set(['success', 'SUPERSEDED', 'CANCELLED']);

/**
 * A run's next step for one door, fail-secure like a stay's check-out but bounded by the
 * schedule's next times:
 * - a lock that did not succeed is tried again — every 30 s for the first 10 minutes, then
 *   backing off ({@link lockRetryDelayMs}) — until it locks or the retry horizon passes; a door
 *   still not locked `attentionAfterMs` after its scheduled time needs a person.
 * - an unlock that was not sent (refused, the door offline) is tried again on the same cadence
 *   while its window allows a send and the horizon has not passed; then it is never sent, and
 *   a person is told. An unlock that may have gone out is never sent again.
 * - ALREADY_STARTED on a later try (the run was reset: that try's workflow exists): a lock is
 *   tried again under the next number; an unlock is not (that try may have sent it).
 */
export function nextScheduledDoorStep(
  facts: ScheduledDoorFacts,
  nowMs: number,
  bounds: ScheduledRetryBounds,
): ScheduledDoorStep {
  if (settlingOutcomes.has(facts.lastOutcome)) return { kind: 'done' };
  if (facts.lastOutcome === 'ALREADY_STARTED' && facts.tries <= 1) return { kind: 'done' };
  const horizonAtMs = facts.scheduledAtMs + bounds.retryHorizonMs;
  const retryAtMs = facts.lastTryEndedMs + lockRetryDelayMs(facts.firstTryAtMs, facts.lastTryEndedMs);
  if (facts.action === 'unlock') return unlockStep(facts, nowMs, Math.min(retryAtMs, horizonAtMs), horizonAtMs);
  if (nowMs >= horizonAtMs) return { kind: 'give-up' };
  const attentionAtMs = facts.scheduledAtMs + bounds.attentionAfterMs;
  if (!facts.raised && nowMs >= attentionAtMs) return { kind: 'raise' };
  if (nowMs >= retryAtMs) return { kind: 'retry' };
  return { kind: 'wait', untilMs: Math.min(retryAtMs, horizonAtMs, facts.raised ? Infinity : attentionAtMs) };
}

function unlockStep(
  facts: ScheduledDoorFacts,
  nowMs: number,
  retryAtMs: number,
  horizonAtMs: number,
): ScheduledDoorStep {
  // ALREADY_STARTED included (commandSent null): that try may have sent it.
  if (facts.commandSent !== false) return { kind: 'done' };
  const windowEndMs = facts.notAfterMs ?? nowMs;
  if (facts.lastOutcome === 'DEADLINE_PASSED' || !maySend(nowMs, windowEndMs) || nowMs >= horizonAtMs)
    return { kind: 'give-up' };
  if (nowMs >= retryAtMs) return { kind: 'retry' };
  // Woken when the window no longer leaves room for a send, to say so at once.
  return { kind: 'wait', untilMs: Math.min(retryAtMs, lastSendStartMs(windowEndMs) + 1) };
}

/**
 * A door's step when its run is cancelled from outside: the run tries it no more, and a person
 * is told of every door it had not finished — including one whose try the cancel itself ended
 * (CANCELLED) — except an unlock that may have gone out: that one is no "unlock not sent"
 * (its lock action reports it: `lockstep attention`).
 */
export function scheduledDoorStepOnCancel(facts: ScheduledDoorFacts): ScheduledDoorStep {
  if (facts.lastOutcome === 'success' || facts.lastOutcome === 'SUPERSEDED') return { kind: 'done' };
  if (facts.action === 'unlock' && facts.commandSent !== false) return { kind: 'done' };
  return { kind: 'give-up' };
}
