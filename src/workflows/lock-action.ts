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
} from '@temporalio/workflow';
import type { AttemptObservation, LockstepActivities } from '../activities';
import {
  actionAttemptEndedSignalName,
  failureCodes,
  lockActionInputSchema,
  planFromInput,
  progressQueryName,
  type ActionAttemptEndedSignal,
  type CapabilitySnapshot,
  type FailureCode,
  type FailureReport,
  type LockAction,
  type LockActionPlan,
  type LockActionResult,
  type Progress,
} from '../contract';
import { assessCapability, describeAction, deviceShowsDesiredState, isPastNotAfter, nextWaitMs } from '../decisions';

export const progressQuery = defineQuery<Progress>(progressQueryName);
export const actionAttemptEndedSignal = defineSignal<[ActionAttemptEndedSignal?]>(actionAttemptEndedSignalName);

/**
 * Quick Seam reads (devices.get, action_attempts.get): one HTTP call each, so 15 s is ample;
 * five tries over ~3 s ride out a blip or a 429 without holding the workflow long.
 */
const seamReads = proxyActivities<LockstepActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * The command and its in-process watch (at most 30 s by the input schema, plus a few Seam
 * calls). The heartbeat timeout notices a dead worker within 10 s; a retry resumes from the
 * heartbeat rather than sending again. WAIT_CANCELLATION_COMPLETED: on cancel we wait for the
 * activity to say whether it sent the command, so the failure can name the attempt.
 */
const seamCommands = proxyActivities<LockstepActivities>({
  startToCloseTimeout: '60s',
  heartbeatTimeout: '10s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 4 },
});

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
  commandSent: boolean;
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
  let wakeRequested = false;
  setHandler(progressQuery, () => state.progress);
  setHandler(actionAttemptEndedSignal, () => {
    wakeRequested = true;
  });

  try {
    const parsed = lockActionInputSchema.safeParse(rawInput);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
      throw lockActionFailure(state, 'INVALID_INPUT', `invalid ${action} input: ${issues.join('; ')}`, { issues });
    }
    const plan = planFromInput(parsed.data);
    const deadlineMs = startedAt.getTime() + plan.timeoutMs;
    refuseIfPastNotAfter(state, plan);

    log.info('checking device capability', { action, deviceId: plan.deviceId });
    state.capability = await seamStep(state, () => seamReads.captureCapabilitySnapshot(plan.deviceId));
    const verdict = assessCapability(state.capability, action);
    if (!verdict.act) throw lockActionFailure(state, verdict.code, verdict.reason);

    state.progress.phase = 'commanding';
    refuseIfPastNotAfter(state, plan);
    log.info('sending command', { action, deviceId: plan.deviceId });
    const outcome = await seamStep(state, () =>
      seamCommands.sendCommand({
        deviceId: plan.deviceId,
        action,
        notAfter: plan.notAfter,
        watchWindowMs: plan.watchWindowMs,
        readBackLockedState: plan.verifyLockedState,
      }),
    );
    state.commandSent = true;
    let observation = record(state, outcome);

    state.progress.phase = 'polling';
    if (observation.actionAttempt.status === 'pending') {
      log.info('polling action attempt with durable timers', { actionAttemptId: outcome.actionAttempt.actionAttemptId });
    }
    for (let readIndex = 0; observation.actionAttempt.status === 'pending'; readIndex++) {
      const waitMs = nextWaitMs(plan.pollInterval, readIndex, Date.now(), deadlineMs, maxDurableReads);
      if (waitMs === null) break;
      // A durable timer, cut short by the "attempt ended" signal (a webhook saw it end).
      await condition(() => wakeRequested, waitMs);
      wakeRequested = false;
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
          state.commandSent
            ? `cancelled after the command was sent: action attempt ${state.progress.actionAttemptId} was ${state.progress.lastStatus} when polling stopped`
            : 'cancelled before any command was sent',
        )
      : err;
    if (failure instanceof ApplicationFailure) {
      log.warn('lock action failed', { code: failure.type, action, deviceId: state.deviceId, actionAttemptId: state.progress.actionAttemptId });
    }
    throw failure;
  }
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
    warnings: state.capability?.warnings.map((w) => w.code) ?? [],
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
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const details = (cause?.details?.[0] ?? {}) as { seamRequestId?: string | null; seamErrorType?: string | null };
    throw lockActionFailure(state, failureCodeOf(err) ?? 'SEAM_UNAVAILABLE', cause?.message ?? err.message, {
      seamRequestId: details.seamRequestId ?? null,
      seamError: details.seamErrorType ? { type: details.seamErrorType, message: cause?.message ?? '' } : null,
    });
  }
}

/** The lockstep failure code an activity failure stands for. */
function failureCodeOf(err: unknown): FailureCode | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
  return (failureCodes as readonly string[]).includes(type ?? '') ? (type as FailureCode) : 'SEAM_UNAVAILABLE';
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
