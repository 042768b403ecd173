/**
 * The timing numbers of a lock action that must fit together, in one place. Workflow-safe (no
 * Node, no zod): the workflow, the activities and the configuration all read them here, and
 * test/timing-budget.test.ts proves they still fit.
 *
 * The guarantee they serve: no command reaches Seam after the action's send-by deadline
 * (`min(notAfter, workflow start + timeout)`), and a cancel takes effect within 2 s.
 */

/** Default end-to-end bound of one Seam HTTP request: DNS, connect, request and response. */
export const defaultRequestTimeoutMs = 10_000;
/** The largest request bound SEAM_REQUEST_TIMEOUT_MS may set. */
export const maxRequestTimeoutMs = 15_000;
/** The smallest request bound SEAM_REQUEST_TIMEOUT_MS may set. */
export const minRequestTimeoutMs = 100;

/**
 * No byte of a command leaves the worker later than this before the send-by deadline. It covers
 * the wire (bytes written just before the abort still travel) and clock skew: the deadline comes
 * from the Temporal server's clock (the workflow's start time), the check from the worker's.
 */
export const sendSlackMs = 1_000;

/**
 * A send starts only if it has at least this long before `sendBy - sendSlackMs`; its request is
 * then aborted at that instant at the latest, so it can never land after the deadline.
 */
export const minSendWindowMs = 1_000;

/** The shortest `timeout` an input may ask for: room for a check and a whole send window before the deadline. */
export const minActionTimeoutMs = 3_000;

/** Send tries per command: only tries that cannot have reached Seam (or locks) are repeated. */
export const commandSendTries = 4;
/** Durable back-off between send tries (workflow timers: a cancel stops it at once). */
export const commandSendBackoff = { initialMs: 500, maxMs: 4_000, multiplier: 2 } as const;

/**
 * A cancel that arrives while a send is in flight waits this long for the send to say whether
 * it reached Seam; after that the action ends CANCELLED with `commandSent: null` (unknown).
 * Typical Seam answers take a few hundred ms; 1 s leaves the 2 s cancel promise room for the
 * workflow tasks around it on a busy worker.
 */
export const cancelSendGraceMs = 1_000;

/**
 * One read of what a door's cancelled send-and-watch try heartbeated (a local activity: one
 * `DescribeWorkflowExecution`). A cancel may make two, around the grace, so both come out of the
 * 2 s cancel promise too; a read that takes longer counts as "named nothing".
 */
export const pendingTryReadTimeoutMs = 200;

/** A Seam read (an attempt or a device) and its read-back: two requests at the longest bound, plus slack. */
export const readActivityTimeoutMs = 2 * maxRequestTimeoutMs + 5_000;

/**
 * A door's send try asks Temporal, right before it sends (beside an unlock's announcement),
 * whether a lock action still wants the command: this many describes, each bounded by
 * {@link requesterDescribeTimeoutMs}, a short pause between them.
 */
export const requesterDescribeTries = 2;
export const requesterDescribeTimeoutMs = 1_500;
export const requesterDescribePauseMs = 200;
/** The requester check at its longest: every describe at its bound, the pauses between them. */
export const requesterCheckMaxMs =
  requesterDescribeTries * requesterDescribeTimeoutMs + (requesterDescribeTries - 1) * requesterDescribePauseMs;

/**
 * An unlock's send try (since `announced-unlock-send`) has Temporal record that it is about to
 * send, and waits this long at most for Temporal's answer; without one it sends nothing. Sized
 * for a saturated cluster: in the fault suite's 500-action row on a 2-core cluster the answer took
 * 133 ms p50, 510 ms p90, 1.35 s p99 and 1.6 s at most (a starved worker's event loop included);
 * at 0.5 s, 9% of the tries sent nothing and a few unlocks ran out of tries.
 */
export const sendAnnounceTimeoutMs = 3_000;

/**
 * One send try: an unlock's announcement and the requester check (side by side; the budget
 * counts their sum), one request at the longest bound, plus slack for the activity around it.
 */
export const sendActivityTimeoutMs = maxRequestTimeoutMs + 8_000;

/** The watch activity may read until its window ends; its last read (and read-back) may then take this long. */
export function watchActivityTimeoutMs(watchWindowMs: number): number {
  return watchWindowMs + readActivityTimeoutMs;
}

/**
 * Reads during the watch window: first soon (fast providers and Seam's fake finish at once),
 * then every 300 ms. A finished attempt is noticed ~150 ms after it ends on average, against
 * ~500 ms for the SDK's 1 s poll.
 */
export const watchBackoff = { initialMs: 150, maxMs: 300, multiplier: 1.5 } as const;

/**
 * At most this many durable reads per action: each costs ~11 history events, so 300 keeps a
 * day-long timeout near 3,300 events, far from the 10,240-event warning. Waits stretch to fit.
 */
export const maxDurableReads = 300;

/**
 * A door's reads of an attempt whose end Seam pushes (LOCKSTEP_PUSH=on): the webhook wakes the
 * door, which reads once to confirm; these reads only catch a webhook that never came. Most
 * attempts end within seconds, so the first read comes when a lost webhook would show, and the
 * rest back off to the plan's own cap. A lost webhook costs latency, never the outcome.
 */
export const pushSafetyNetPolling = { initialMs: 5_000, multiplier: 2 } as const;
