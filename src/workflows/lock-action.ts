/**
 * One lock action, durable: check the device, send the command before the action's send-by
 * deadline, wait for Seam to say how it ended, and tell the caller exactly what happened.
 * LockDoorWorkflow and UnlockDoorWorkflow are this function with their action bound.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AttemptObservation, LockstepActivities } from '../activities';
import type { ActionAttemptEndedSignal, LockActionResult, Progress } from '../contract';
import {
  actionAttemptEndedSignalName,
  describeAction,
  lockstepWarnings,
  progressQueryName,
  type LockAction,
  type LockActionPlan,
} from '../contract/core';
import {
  assessCapability,
  deviceShowsDesiredState,
  isPastNotAfter,
  nextWaitMs,
  outcomeWarnings,
  sendByMs,
} from '../decisions';
import { maxDurableReads, readActivityTimeoutMs } from '../contract/timing-budget';
import { legacySendCommand, sendAndWatch } from './command';
import { cancelledFailure, lockActionFailure, seamStep, type LockActionState } from './failures';
import { endedAttemptOf } from './payloads';

export const progressQuery = defineQuery<Progress>(progressQueryName);
export const actionAttemptEndedSignal = defineSignal<[ActionAttemptEndedSignal?]>(actionAttemptEndedSignalName);

/**
 * Changes to the command sequence, each behind `patched()` so that workflows started before
 * it replay unchanged (their histories are in test/histories/).
 * - `send-by-deadline`: one deadline, `min(notAfter, workflow start + timeout)`, checked before
 *   any Seam call and before every send; send tries and their back-off in the workflow; the
 *   watch in an activity of its own.
 */
export const patchIds = { sendByDeadline: 'send-by-deadline' } as const;

/**
 * Quick Seam reads (devices.get, action_attempts.get): at most two HTTP calls each (a read and
 * its read-back); five tries over ~3 s ride out a blip or a 429 without holding the workflow long.
 */
const seamReads = proxyActivities<LockstepActivities>({
  startToCloseTimeout: readActivityTimeoutMs,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

export async function runLockAction(
  action: LockAction,
  rawInput: unknown,
  extraArguments = 0,
): Promise<LockActionResult> {
  const firstTaskAt = new Date();
  const withSendBy = patched(patchIds.sendByDeadline);
  // The action's clock starts when the workflow did, not when a worker first ran it.
  const startedAt = withSendBy ? workflowInfo().startTime : firstTaskAt;
  const state: LockActionState = {
    action,
    deviceId: deviceIdOf(rawInput),
    progress: { phase: 'checking', polls: 0, actionAttemptId: null, lastStatus: null },
    commandSent: false,
    capability: null,
    ambiguousTry: false,
    lockResent: false,
  };
  /** The attempt a signal said has ended ('*': whichever this action is waiting on). */
  let endedAttempt: string | null = null;
  setHandler(progressQuery, () => state.progress);
  setHandler(actionAttemptEndedSignal, (signal) => {
    endedAttempt = endedAttemptOf(signal) ?? endedAttempt;
  });

  try {
    log.info('checking device capability', { action, deviceId: state.deviceId });
    const sendByFacts = withSendBy
      ? { workflowStartedAt: startedAt.toISOString(), ...(extraArguments > 0 ? { extraArguments } : {}) }
      : {};
    const { plan, capability } = await seamStep(state, () =>
      seamReads.checkDevice({ input: rawInput, action, ...sendByFacts }),
    );
    state.capability = capability;
    const deadlineMs = withSendBy ? sendByMs(startedAt.getTime(), plan) : startedAt.getTime() + plan.timeoutMs;
    const verdict = assessCapability(capability, action);
    if (!verdict.act) throw lockActionFailure(state, verdict.code, verdict.reason);

    state.progress.phase = 'commanding';
    if (!withSendBy) refuseIfPastNotAfter(state, plan);
    const outcome = withSendBy ? await sendAndWatch(state, plan, deadlineMs) : await legacySendCommand(state, plan);
    let observation = record(state, outcome);

    state.progress.phase = 'polling';
    if (observation.actionAttempt.status === 'pending') {
      log.info('polling action attempt with durable timers', {
        actionAttemptId: outcome.actionAttempt.actionAttemptId,
      });
    }
    for (let readIndex = 0; observation.actionAttempt.status === 'pending'; readIndex++) {
      const waitMs = nextWaitMs(plan.pollInterval, readIndex, Date.now(), deadlineMs, maxDurableReads);
      if (waitMs === null) break;
      // A durable timer, cut short by the "attempt ended" signal (a webhook saw it end) while
      // the reads budget lasts: a flood of signals cannot grow the history without bound.
      const woken = () =>
        (endedAttempt === '*' || endedAttempt === observation.actionAttempt.actionAttemptId) &&
        readIndex < maxDurableReads;
      await condition(woken, waitMs);
      endedAttempt = null;
      observation = record(state, await readDuringPolling(state, plan, observation));
    }

    const result = await conclude(state, plan, observation, {
      startedAt,
      commandSentAt: outcome.commandSentAt,
      deadlineMs,
    });
    state.progress.phase = 'done';
    log.info('lock action succeeded', { action, deviceId: plan.deviceId, confirmation: result.confirmation });
    return result;
  } catch (err) {
    state.progress.phase = 'done';
    const failure = isCancellation(err) ? cancelledFailure(state) : err;
    if (failure instanceof ApplicationFailure) {
      log.warn('lock action failed', {
        code: failure.type,
        action,
        deviceId: state.deviceId,
        actionAttemptId: state.progress.actionAttemptId,
      });
    }
    throw failure;
  }
}

/** The final word: success from the attempt, success from the door's state, or a typed failure. */
async function conclude(
  state: LockActionState,
  plan: LockActionPlan,
  observation: AttemptObservation,
  times: { startedAt: Date; commandSentAt: string; deadlineMs: number },
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
      ...outcomeWarnings({
        action: state.action,
        confirmation,
        lockedBefore: state.capability?.locked ?? null,
        lockedAfter,
        seenAfterNotAfter: plan.notAfter !== undefined && Date.now() >= Date.parse(plan.notAfter),
      }),
      ...(state.lockResent ? [lockstepWarnings.lockResent] : []),
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
  if (readBack && deviceShowsDesiredState(state.action, readBack.locked))
    return success('device_state', readBack.locked);
  throw lockActionFailure(
    state,
    'ACTION_ATTEMPT_TIMED_OUT',
    `action attempt ${actionAttempt.actionAttemptId} still ${actionAttempt.status} at the deadline ${new Date(times.deadlineMs).toISOString()}` +
      (readBack ? `; the device reports locked=${readBack.locked}` : '; the device state could not be read back') +
      '. Seam may still act on it: check the door',
  );
}

/**
 * One durable read. Its retries exhausted on a transient error, the loop goes on with what it
 * last saw (the deadline bounds it); a definite rejection ends the action.
 */
async function readDuringPolling(
  state: LockActionState,
  plan: LockActionPlan,
  last: AttemptObservation,
): Promise<AttemptObservation> {
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
      log.warn('action attempt read failed; polling goes on', {
        actionAttemptId: last.actionAttempt.actionAttemptId,
        error: err.message,
      });
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

/** Legacy (workflows without the send-by-deadline patch): the notAfter check before the command activity. */
function refuseIfPastNotAfter(state: LockActionState, plan: LockActionPlan): void {
  if (isPastNotAfter(plan.notAfter, Date.now())) {
    throw lockActionFailure(state, 'DEADLINE_PASSED', `notAfter ${plan.notAfter} has passed; no command was sent`);
  }
}

function deviceIdOf(rawInput: unknown): string | null {
  const deviceId = (rawInput as { deviceId?: unknown } | null)?.deviceId;
  return typeof deviceId === 'string' ? deviceId : null;
}
