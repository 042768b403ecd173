/**
 * One lock action, durable: check the device, send the command, wait for Seam to say how it
 * ended, and tell the caller exactly what happened. LockDoorWorkflow and UnlockDoorWorkflow
 * are this function with their action bound.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { AttemptObservation, CommandOutcome, LockstepActivities } from '../activities';
import type { ActionAttemptEndedSignal, CapabilitySnapshot, FailureReport, LockActionResult, Progress } from '../contract';
import {
  actionAttemptEndedSignalName,
  describeAction,
  failureCodes,
  progressQueryName,
  type FailureCode,
  type LockAction,
  type LockActionPlan,
  type SentCommand,
} from '../contract-core';
import { assessCapability, deviceShowsDesiredState, isPastNotAfter, mayRepeatCommand, nextWaitMs, outcomeWarnings } from '../decisions';
import { endedAttemptOf, sentCommandOf } from './payloads';

export const progressQuery = defineQuery<Progress>(progressQueryName);
export const actionAttemptEndedSignal = defineSignal<[ActionAttemptEndedSignal?]>(actionAttemptEndedSignalName);

/**
 * Quick Seam reads (devices.get, action_attempts.get): at most two HTTP calls each (a read and
 * its read-back), so 35 s covers two of the longest request timeouts (15 s); five tries over
 * ~3 s ride out a blip or a 429 without holding the workflow long.
 */
const seamReads = proxyActivities<LockstepActivities>({
  startToCloseTimeout: '35s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * The command and its in-process watch. Never retried by Temporal: a retry could not know
 * whether the first send reached Seam, and unlocking twice can reopen a relocked door. The
 * activity re-sends itself only while Seam cannot have received the command (refused, 429,
 * 503) and within a 20 s budget, so its first heartbeat (the attempt id) comes inside the 30 s
 * heartbeat timeout. Later heartbeats reach the server at most every 24 s (80% of the timeout),
 * so the default 6 s watch bills one. If the worker dies, the timeout failure carries that
 * heartbeat and polling goes on from it. WAIT_CANCELLATION_COMPLETED: on cancel we wait for the
 * activity to say whether it sent the command, so the failure can name the attempt.
 */
const seamCommands = proxyActivities<LockstepActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 1 },
});

/** Command activities a LOCK_DOOR may run when one dies before naming its attempt (re-locking is harmless). */
const maxCommandActivities = 3;

/**
 * At most this many durable reads per action: each costs ~11 history events, so 300 keeps a
 * day-long timeout near 3,300 events, far from the 10,240-event warning. Waits stretch to fit.
 */
const maxDurableReads = 300;

/** The state a lock action carries; queries and failure reports read it. */
interface LockActionState {
  action: LockAction;
  deviceId: string | null;
  progress: Progress;
  /** null: the command may have reached Seam, but no attempt id came back. */
  commandSent: boolean | null;
  capability: CapabilitySnapshot | null;
}

export async function runLockAction(action: LockAction, rawInput: unknown): Promise<LockActionResult> {
  const startedAt = new Date();
  const state: LockActionState = {
    action,
    deviceId: deviceIdOf(rawInput),
    progress: { phase: 'checking', polls: 0, actionAttemptId: null, lastStatus: null },
    commandSent: false,
    capability: null,
  };
  /** The attempt a signal said has ended ('*': whichever this action is waiting on). */
  let endedAttempt: string | null = null;
  setHandler(progressQuery, () => state.progress);
  setHandler(actionAttemptEndedSignal, (signal) => {
    endedAttempt = endedAttemptOf(signal) ?? endedAttempt;
  });

  try {
    log.info('checking device capability', { action, deviceId: state.deviceId });
    const { plan, capability } = await seamStep(state, () => seamReads.checkDevice({ input: rawInput, action }));
    state.capability = capability;
    const deadlineMs = startedAt.getTime() + plan.timeoutMs;
    const verdict = assessCapability(capability, action);
    if (!verdict.act) throw lockActionFailure(state, verdict.code, verdict.reason);

    state.progress.phase = 'commanding';
    refuseIfPastNotAfter(state, plan);
    log.info('sending command', { action, deviceId: plan.deviceId });
    const outcome = await sendCommand(state, plan);
    state.commandSent = true;
    let observation = record(state, outcome);

    state.progress.phase = 'polling';
    if (observation.actionAttempt.status === 'pending') {
      log.info('polling action attempt with durable timers', { actionAttemptId: outcome.actionAttempt.actionAttemptId });
    }
    for (let readIndex = 0; observation.actionAttempt.status === 'pending'; readIndex++) {
      const waitMs = nextWaitMs(plan.pollInterval, readIndex, Date.now(), deadlineMs, maxDurableReads);
      if (waitMs === null) break;
      // A durable timer, cut short by the "attempt ended" signal (a webhook saw it end) while
      // the reads budget lasts: a flood of signals cannot grow the history without bound.
      const woken = () => (endedAttempt === '*' || endedAttempt === observation.actionAttempt.actionAttemptId) && readIndex < maxDurableReads;
      await condition(woken, waitMs);
      endedAttempt = null;
      observation = record(state, await readDuringPolling(state, plan, observation));
    }

    const result = await conclude(state, plan, observation, { startedAt, commandSentAt: outcome.commandSentAt });
    state.progress.phase = 'done';
    log.info('lock action succeeded', { action, deviceId: plan.deviceId, confirmation: result.confirmation });
    return result;
  } catch (err) {
    state.progress.phase = 'done';
    const failure = isCancellation(err)
      ? lockActionFailure(
          state,
          'CANCELLED',
          state.commandSent === true
            ? `cancelled after the command was sent: action attempt ${state.progress.actionAttemptId} was ${state.progress.lastStatus} when polling stopped`
            : state.commandSent === null
              ? 'cancelled; the command may have reached Seam. Check the door'
              : 'cancelled before any command was sent',
        )
      : err;
    if (failure instanceof ApplicationFailure) {
      log.warn('lock action failed', { code: failure.type, action, deviceId: state.deviceId, actionAttemptId: state.progress.actionAttemptId });
    }
    throw failure;
  }
}

/**
 * Runs the command activity. If it dies after the send, its last heartbeat names the attempt
 * and the action goes on; if it dies before naming one, the command may or may not have reached
 * Seam: a lock is sent again (harmless), an unlock is not (COMMAND_OUTCOME_UNKNOWN).
 */
async function sendCommand(state: LockActionState, plan: LockActionPlan): Promise<CommandOutcome> {
  for (let commandActivities = 1; ; commandActivities++) {
    try {
      return await seamStep(state, () =>
        seamCommands.sendCommand({
          deviceId: plan.deviceId,
          action: state.action,
          notAfter: plan.notAfter,
          watchWindowMs: plan.watchWindowMs,
          readBackLockedState: plan.verifyLockedState,
        }),
      );
    } catch (err) {
      const lost = lostCommandOf(err);
      if (!lost) throw err;
      if (lost.sent) {
        log.warn('command activity died after the send; polling the attempt it named', { actionAttemptId: lost.sent.actionAttemptId });
        const actionAttempt = { actionAttemptId: lost.sent.actionAttemptId, status: 'pending' as const, wasConfirmedByDevice: null, error: null };
        return { actionAttempt, reads: 0, commandSentAt: lost.sent.commandSentAt };
      }
      state.commandSent = null;
      if (!mayRepeatCommand(state.action) || commandActivities >= maxCommandActivities) {
        throw lockActionFailure(state, 'COMMAND_OUTCOME_UNKNOWN', `the command activity died before naming an action attempt; the ${describeAction(state.action)} may have reached Seam and is not sent again. Check the door.`);
      }
      log.warn('command activity died before naming an attempt; locking again', { deviceId: plan.deviceId });
    }
  }
}

/** A command activity that timed out (its worker died): with the attempt it named, if any. */
function lostCommandOf(err: unknown): { sent: SentCommand | null } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) return undefined;
  return { sent: sentCommandOf(err.cause.lastHeartbeatDetails) };
}

/** The final word: success from the attempt, success from the door's state, or a typed failure. */
async function conclude(
  state: LockActionState,
  plan: LockActionPlan,
  observation: AttemptObservation,
  times: { startedAt: Date; commandSentAt: string },
): Promise<LockActionResult> {
  const { actionAttempt } = observation;
  const success = (confirmation: LockActionResult['confirmation'], lockedAfter: boolean | null): LockActionResult => ({
    deviceId: plan.deviceId,
    action: state.action,
    actionAttemptId: actionAttempt.actionAttemptId,
    wasConfirmedByDevice: actionAttempt.wasConfirmedByDevice,
    lockedAfter,
    confirmation,
    polls: state.progress.polls,
    warnings: [
      ...(state.capability?.warnings.map((w) => w.code) ?? []),
      ...outcomeWarnings(state.action, confirmation, state.capability?.locked ?? null, lockedAfter),
    ],
    startedAt: times.startedAt.toISOString(),
    commandSentAt: times.commandSentAt,
    finishedAt: new Date().toISOString(),
  });

  if (actionAttempt.status === 'success') return success('action_attempt', observation.lockedAfter ?? null);
  if (actionAttempt.status === 'error') {
    throw lockActionFailure(
      state,
      'ACTION_ATTEMPT_FAILED',
      `Seam reports the ${describeAction(state.action)} failed: ${actionAttempt.error?.type}: ${actionAttempt.error?.message}`,
      { seamError: actionAttempt.error },
    );
  }
  // Still pending at the deadline. Some providers never report back; the door itself may.
  const readBack = await seamReads.captureCapabilitySnapshot(plan.deviceId).catch((err) => {
    if (err instanceof ActivityFailure && !isCancellation(err)) return null;
    throw err;
  });
  if (readBack && deviceShowsDesiredState(state.action, readBack.locked)) return success('device_state', readBack.locked);
  throw lockActionFailure(
    state,
    'ACTION_ATTEMPT_TIMED_OUT',
    `action attempt ${actionAttempt.actionAttemptId} still ${actionAttempt.status} after ${plan.timeoutMs} ms` +
      (readBack ? `; the device reports locked=${readBack.locked}` : '; the device state could not be read back'),
  );
}

/**
 * One durable read. Its retries exhausted on a transient error, the loop goes on with what it
 * last saw (the overall timeout bounds it); a definite rejection ends the action.
 */
async function readDuringPolling(state: LockActionState, plan: LockActionPlan, last: AttemptObservation): Promise<AttemptObservation> {
  try {
    return await seamStep(state, () =>
      seamReads.readActionAttempt({
        actionAttemptId: last.actionAttempt.actionAttemptId,
        deviceId: plan.deviceId,
        readBackLockedState: plan.verifyLockedState,
      }),
    );
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'SEAM_UNAVAILABLE') {
      log.warn('action attempt read failed; polling goes on', { actionAttemptId: last.actionAttempt.actionAttemptId, error: err.message });
      return { ...last, reads: 0 };
    }
    throw err;
  }
}

function record(state: LockActionState, observation: AttemptObservation): AttemptObservation {
  state.progress.actionAttemptId = observation.actionAttempt.actionAttemptId;
  state.progress.lastStatus = observation.actionAttempt.status;
  state.progress.polls += observation.reads;
  return observation;
}

function refuseIfPastNotAfter(state: LockActionState, plan: LockActionPlan): void {
  if (isPastNotAfter(plan.notAfter, Date.now())) {
    throw lockActionFailure(state, 'DEADLINE_PASSED', `notAfter ${plan.notAfter} has passed; no command was sent`);
  }
}

/** Runs an activity; a failed one becomes the lock action's typed failure. */
async function seamStep<T>(state: LockActionState, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure) || err.cause instanceof TimeoutFailure) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const details = (cause?.details?.[0] ?? {}) as { seamRequestId?: string | null; seamErrorType?: string | null; commandMayHaveReachedSeam?: boolean; issues?: string[] };
    if (details.commandMayHaveReachedSeam) state.commandSent = null;
    throw lockActionFailure(state, failureCodeOf(cause), cause?.message ?? err.message, {
      seamRequestId: details.seamRequestId ?? null,
      seamError: details.seamErrorType ? { type: details.seamErrorType, message: cause?.message ?? '' } : null,
      issues: details.issues,
    });
  }
}

/**
 * The lockstep failure code a failed activity stands for: its failure's type when that is one
 * of ours, else SEAM_UNAVAILABLE (transient errors that outlasted the retries, timeouts).
 */
function failureCodeOf(cause: ApplicationFailure | undefined): FailureCode {
  const type = cause?.type ?? '';
  return (failureCodes as readonly string[]).includes(type) ? (type as FailureCode) : 'SEAM_UNAVAILABLE';
}

function lockActionFailure(
  state: LockActionState,
  code: FailureCode,
  message: string,
  extra: Partial<Pick<FailureReport, 'seamError' | 'seamRequestId' | 'issues'>> = {},
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
  };
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details: [report] });
}

function deviceIdOf(rawInput: unknown): string | null {
  const deviceId = (rawInput as { deviceId?: unknown } | null)?.deviceId;
  return typeof deviceId === 'string' ? deviceId : null;
}
