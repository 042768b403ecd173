/**
 * How a lock action fails: the state it carries into every failure report, and the one
 * translation from a failed activity to a typed, non-retryable `ApplicationFailure` whose `type`
 * is a lockstep failure code and whose `details[0]` is the report. Every way a lock action ends,
 * other than success, goes through `lockActionFailure`.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';
import type { CapabilitySnapshot, FailureReport, Progress } from '../contract';
import type { Requester } from '../contract/door';
import {
  failureCodes,
  lockstepWarnings,
  type ActivityFailureDetails,
  type FailureCode,
  type LockAction,
} from '../contract/core';

/** The state a lock action carries; queries and failure reports read it. */
export interface LockActionState {
  action: LockAction;
  deviceId: string | null;
  progress: Progress;
  /** null: the command may have reached Seam, but no attempt id came back. */
  commandSent: boolean | null;
  capability: CapabilitySnapshot | null;
  /** A send try may have reached Seam without an answer. */
  ambiguousTry: boolean;
  /** A lock try went out after one that may have reached Seam: Seam may hold two attempts. */
  lockResent: boolean;
  /** The lock actions a door runs this command for (each try checks one still wants it); none outside a door. */
  requesters?: Requester[];
  /** A door's command whose send try also watches (`send-and-watch`, see command.ts). */
  watchInSendTry?: boolean;
  /**
   * Since the door's `send-try-ids`: the door's command number, which names its tries' activity
   * IDs (`send-try-<command>.<try>`) instead of a random UUID.
   */
  commandNumber?: number;
  /**
   * Since the door's `announced-unlock-send`, for a command that must not be sent twice (an
   * unlock): each try has Temporal record that it is about to send before it sends
   * (`sendCommandTryAnnounced`), so a try that timed out with no heartbeat has certainly not sent.
   */
  announcesSend?: boolean;
}

/** A lock action's state before anything is known: it starts by checking the device. */
export function checkingState(action: LockAction, deviceId: string | null): LockActionState {
  return {
    action,
    deviceId,
    progress: { phase: 'checking', polls: 0, actionAttemptId: null, lastStatus: null },
    commandSent: false,
    capability: null,
    ambiguousTry: false,
    lockResent: false,
  };
}

export function lockActionFailure(
  state: LockActionState,
  code: FailureCode,
  message: string,
  extra: Partial<Pick<FailureReport, 'seamError' | 'seamRequestId' | 'issues' | 'supersededBy'>> = {},
): ApplicationFailure {
  const report: FailureReport = {
    code,
    message,
    deviceId: state.deviceId,
    action: state.action,
    actionAttemptId: state.progress.actionAttemptId,
    lastStatus: state.progress.lastStatus,
    commandSent: state.commandSent,
    polls: state.progress.polls,
    seamError: extra.seamError ?? null,
    seamRequestId: extra.seamRequestId ?? null,
    capability: state.capability,
    issues: extra.issues ?? [],
    warnings: state.lockResent ? [lockstepWarnings.lockResent] : [],
    supersededBy: extra.supersededBy ?? null,
  };
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details: [report] });
}

/**
 * A failed activity as the lock action's typed failure. An activity that timed out on every
 * try (Seam or the network too slow for its budget, or no worker finished it) is
 * SEAM_UNAVAILABLE: the caller gets a code and a report, never a bare ActivityFailure.
 */
export function activityFailureAsLockFailure(state: LockActionState, err: ActivityFailure): ApplicationFailure {
  if (err.cause instanceof TimeoutFailure) {
    return lockActionFailure(
      state,
      'SEAM_UNAVAILABLE',
      `${err.activityType} did not finish in time on any try (${err.cause.message})`,
    );
  }
  const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
  const details: ActivityFailureDetails = (cause?.details?.[0] as ActivityFailureDetails | undefined) ?? {};
  if (details.commandMayHaveReachedSeam) state.commandSent = null;
  const message = cause?.message ?? err.message;
  return lockActionFailure(state, failureCodeOf(cause), message, {
    seamRequestId: details.seamRequestId ?? null,
    seamError: details.seamErrorType ? { type: details.seamErrorType, message } : null,
    issues: details.issues,
  });
}

/** Runs an activity; a failed one becomes the lock action's typed failure (cancellations pass through). */
export async function seamStep<T>(state: LockActionState, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    throw activityFailureAsLockFailure(state, err);
  }
}

/**
 * The lockstep failure code a failed activity stands for: its failure's type when that is one
 * of ours, else SEAM_UNAVAILABLE (transient errors that outlasted the retries).
 */
function failureCodeOf(cause: ApplicationFailure | undefined): FailureCode {
  const type = cause?.type ?? '';
  return (failureCodes as readonly string[]).includes(type) ? (type as FailureCode) : 'SEAM_UNAVAILABLE';
}

/** The CANCELLED failure, saying what the cancel left behind. */
export function cancelledFailure(state: LockActionState): ApplicationFailure {
  const message =
    state.commandSent === true
      ? `cancelled after the command was sent: action attempt ${state.progress.actionAttemptId} was ${state.progress.lastStatus} when lockstep stopped following it`
      : state.commandSent === null
        ? 'cancelled; the command may have reached Seam. Check the door'
        : 'cancelled before any command was sent';
  return lockActionFailure(state, 'CANCELLED', message);
}
