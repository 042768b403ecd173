/**
 * How long until the next read: back-off with a cap, cut at a deadline, stretched to a reads budget.
 */

export interface Backoff {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/** Delay before read number `readIndex` (0-based): initial, growing by multiplier, capped at max. */
export function pollDelayMs(backoff: Backoff, readIndex: number): number {
  const grown = backoff.initialMs * Math.pow(backoff.multiplier, readIndex);
  return Math.round(Math.min(backoff.maxMs, grown));
}

/**
 * The next wait of a poll loop: the backoff delay, cut short so that the loop makes one last
 * read at its deadline rather than sleeping past it. Null once the deadline has passed.
 *
 * With a `readsBudget`, waits stretch so that at most that many reads fit before the deadline
 * (a long timeout with a short max interval would otherwise grow the history without bound).
 */
export function nextWaitMs(
  backoff: Backoff,
  readIndex: number,
  nowMs: number,
  deadlineMs: number,
  readsBudget = Infinity,
): number | null {
  const remaining = deadlineMs - nowMs;
  if (remaining <= 0) return null;
  const readsLeft = readsBudget - readIndex;
  const evenShare = readsLeft >= 1 ? remaining / readsLeft : remaining;
  return Math.min(remaining, Math.max(pollDelayMs(backoff, readIndex), Math.ceil(evenShare)));
}
