/**
 * When a command may be sent: the one send-by deadline, the window a send needs before it, the
 * bound of its request, and whether a command of unknown fate may be sent again.
 */
import type { LockAction } from '../contract/core';
import { minSendWindowMs, sendSlackMs } from '../contract/timing-budget';

/**
 * Whether a command whose fate is unknown (it may have reached Seam) may be sent again.
 * Locking twice is harmless. Unlocking twice is not: a door that relocked after the first
 * unlock would open again, maybe long after it was meant to.
 */
export function mayRepeatCommand(action: LockAction): boolean {
  return action === 'LOCK_DOOR';
}

/** A command must not be sent at or after `notAfter` (ISO-8601). No `notAfter`: no limit. */
export function isPastNotAfter(notAfter: string | undefined, nowMs: number): boolean {
  return notAfter !== undefined && nowMs >= Date.parse(notAfter);
}

/**
 * The one deadline of a lock action: `min(notAfter, workflow start + timeout)`. No command may
 * reach Seam after it, and polling stops at it. It is the same for locks and unlocks: a late
 * lock can cross a newer unlock as surely as a late unlock can open a door nobody expects open.
 */
export function sendByMs(workflowStartMs: number, plan: { timeoutMs: number; notAfter?: string }): number {
  const timeoutAtMs = workflowStartMs + plan.timeoutMs;
  return plan.notAfter === undefined ? timeoutAtMs : Math.min(timeoutAtMs, Date.parse(plan.notAfter));
}

/**
 * Whether a send may start at `nowMs`: it needs {@link minSendWindowMs} before the instant its
 * request is aborted at the latest (`sendBy - sendSlackMs`).
 */
export function maySend(nowMs: number, sendBy: number): boolean {
  return nowMs <= lastSendStartMs(sendBy);
}

/** The last instant a send may start before `sendBy` (see {@link maySend}). */
export function lastSendStartMs(sendBy: number): number {
  return sendBy - minSendWindowMs - sendSlackMs;
}

/** The end-to-end bound of a request started at `nowMs`: the request timeout, cut at `abortAtMs` when given. */
export function requestBoundMs(nowMs: number, requestTimeoutMs: number, abortAtMs = Infinity): number {
  return Math.max(0, Math.min(requestTimeoutMs, abortAtMs - nowMs));
}

/** The instant a send's request is aborted at the latest: `sendBy - sendSlackMs`. */
export function sendAbortAtMs(sendBy: number): number {
  return sendBy - sendSlackMs;
}

/** The end-to-end bound of a send request started at `nowMs`. */
export function sendRequestBoundMs(nowMs: number, sendBy: number, requestTimeoutMs: number): number {
  return requestBoundMs(nowMs, requestTimeoutMs, sendAbortAtMs(sendBy));
}
