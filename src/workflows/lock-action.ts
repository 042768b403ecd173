/**
 * One lock action, durable: check the device, send the command before the action's send-by
 * deadline, wait for Seam to say how it ended, and tell the caller exactly what happened.
 * LockDoorWorkflow and UnlockDoorWorkflow are this function with their action bound.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AttemptObservation, CommandOutcome, DeviceCheck, DoorCheck } from '../activities';
import type { ActionAttemptEndedSignal, LockActionResult, Progress } from '../contract';
import {
  actionAttemptEndedSignalName,
  describeAction,
  lockstepWarnings,
  progressQueryName,
  type FailureCode,
  type LockAction,
  type LockActionPlan,
} from '../contract/core';
import {
  assessCapability,
  deviceShowsDesiredState,
  isPastNotAfter,
  mayRepeatCommand,
  needsPersonAfter,
  outcomeWarnings,
  sendByMs,
} from '../decisions';
import { attentionKey, deviceIdsKey, outcomeKey } from '../contract/search-attributes';
import { followAttempt, legacySendCommand, seamReads, sendAndWatch, type AttemptWakeups } from './command';
import {
  askTheDoor,
  checkAtTheDoor,
  doorTicket,
  forwardAttemptEnded,
  throughTheDoor,
  validDeviceId,
  type DoorTicket,
} from './door-request';
import { cancelledFailure, checkingState, lockActionFailure, seamStep, type LockActionState } from './failures';
import { countLockActionEnd } from './metrics';
import { endedAttemptOf } from './payloads';

export const progressQuery = defineQuery<Progress>(progressQueryName);
export const actionAttemptEndedSignal = defineSignal<[ActionAttemptEndedSignal?]>(actionAttemptEndedSignalName);

/**
 * Changes to the command sequence, each behind `patched()` so that workflows started before
 * it replay unchanged (their histories are in test/histories/).
 * - `send-by-deadline`: one deadline, `min(notAfter, workflow start + timeout)`, checked before
 *   any Seam call and before every send; send tries and their back-off in the workflow; the
 *   watch in an activity of its own.
 * - `door-ordering`: the command goes through the device's door (`door/<deviceId>`), which
 *   sends it, follows it and answers; implies `send-by-deadline` (its marker alone is recorded).
 * - `search-attributes`: at its end, the action writes LockstepDeviceIds, LockstepOutcome and
 *   LockstepAttention (see contract/search-attributes.ts).
 * - `check-at-door`: the device check activity also hands the request to the door
 *   (door-request.ts); implies `door-ordering` and `search-attributes` (its marker alone is
 *   recorded: one search-attribute upsert fewer, as each marker upserts TemporalChangeVersion).
 */
export const patchIds = {
  sendByDeadline: 'send-by-deadline',
  doorOrdering: 'door-ordering',
  searchAttributes: 'search-attributes',
  checkAtDoor: 'check-at-door',
} as const;

/** How a lock action's command is sent, by the version of the code that started it. */
type CommandRoute = 'check-at-door' | 'door' | 'send-by-deadline' | 'legacy';

/**
 * `withoutDoor`: the command sent and followed here, with no door (the send-by-deadline route:
 * a send try, then a watch activity), for new workflows too; the search attributes as today,
 * and an unlock's tries announced as a door's are. Only `make bench`'s baseline
 * (src/dev/bench-baseline/) passes it, to measure what door ordering costs; lockstep's own
 * workflows never do.
 */
export async function runLockAction(
  action: LockAction,
  rawInput: unknown,
  extraArguments = 0,
  { withoutDoor = false }: { withoutDoor?: boolean } = {},
): Promise<LockActionResult> {
  const firstTaskAt = new Date();
  const route: CommandRoute = withoutDoor
    ? 'send-by-deadline'
    : patched(patchIds.checkAtDoor)
      ? 'check-at-door'
      : patched(patchIds.doorOrdering)
        ? 'door'
        : patched(patchIds.sendByDeadline)
          ? 'send-by-deadline'
          : 'legacy';
  const withSendBy = route !== 'legacy';
  // The action's clock starts when the workflow did, not when a worker first ran it.
  const startedAt = withSendBy ? workflowInfo().startTime : firstTaskAt;
  const state: LockActionState = {
    ...checkingState(action, deviceIdOf(rawInput)),
    // As a door sends (no saved history holds a baseline action: no patch needed).
    ...(withoutDoor && !mayRepeatCommand(action) ? { announcesSend: true } : {}),
  };
  const wakeups: AttemptWakeups = { endedAttempt: null };
  const ticket = route === 'door' || route === 'check-at-door' ? doorTicket() : undefined;
  setHandler(progressQuery, () => state.progress);
  setHandler(actionAttemptEndedSignal, (signal) => {
    // At its door, the door follows the attempt: the word goes there (since check-at-door, from
    // the check on: the door may be sending while the check activity completes).
    const atTheDoor = state.progress.phase === 'door' || (route === 'check-at-door' && state.progress.phase !== 'done');
    const doorDevice = validDeviceId(state.deviceId);
    if (atTheDoor && doorDevice) forwardAttemptEnded(doorDevice, signal);
    else wakeups.endedAttempt = endedAttemptOf(signal) ?? wakeups.endedAttempt;
  });

  try {
    log.info('checking device capability', { action, deviceId: state.deviceId });
    const { plan, capability, knocked, doorMayHoldRequest } = await seamStep(state, () =>
      firstCheck(route, state, ticket, {
        input: rawInput,
        action,
        workflowStartedAt: startedAt.toISOString(),
        extraArguments,
      }),
    );
    state.capability = capability;
    const deadlineMs = withSendBy ? sendByMs(startedAt.getTime(), plan) : startedAt.getTime() + plan.timeoutMs;
    const verdict = assessCapability(capability, action);
    if (!verdict.act) {
      // The check at the door reached the same verdict, unless another build ran it; a retry's
      // earlier try may have handed the request over. Either way the door is asked first.
      if (doorMayHoldRequest && ticket) await askTheDoor(state, ticket, plan.deviceId);
      throw lockActionFailure(state, verdict.code, verdict.reason);
    }

    const { observation, sent } = await command(route, state, plan, deadlineMs, wakeups, ticket, knocked);
    const result = await conclude(state, plan, observation, {
      startedAt,
      commandSentAt: sent.commandSentAt,
      deadlineMs,
    });
    state.progress.phase = 'done';
    publishOutcome(route, state, 'success', startedAt);
    log.info('lock action succeeded', { action, deviceId: plan.deviceId, confirmation: result.confirmation });
    return result;
  } catch (err) {
    state.progress.phase = 'done';
    const failure = isCancellation(err) ? cancelledFailure(state) : err;
    if (failure instanceof ApplicationFailure) {
      publishOutcome(route, state, failure.type as FailureCode, startedAt);
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

/**
 * The first step: the device check, which also hands the request to the door (check-at-door).
 * Older routes check only; the legacy one without the start time.
 */
async function firstCheck(
  route: CommandRoute,
  state: LockActionState,
  ticket: DoorTicket | undefined,
  facts: { input: unknown; action: LockAction; workflowStartedAt: string; extraArguments: number },
): Promise<DeviceCheck & Pick<DoorCheck, 'knocked' | 'doorMayHoldRequest'>> {
  const { input, action, workflowStartedAt } = facts;
  const extra = facts.extraArguments > 0 ? { extraArguments: facts.extraArguments } : {};
  if (route === 'check-at-door') return checkAtTheDoor(state, ticket!, { input, action, workflowStartedAt, ...extra });
  const sendByFacts = route === 'legacy' ? {} : { workflowStartedAt, ...extra };
  return {
    ...(await seamReads.checkDevice({ input, action, ...sendByFacts })),
    knocked: false,
    doorMayHoldRequest: false,
  };
}

/**
 * The action's end where an operator filters and reads (search attributes: one history event;
 * the Web UI's current details and the metrics: none). Workflows started before it replay
 * without the search attributes.
 */
function publishOutcome(
  route: CommandRoute,
  state: LockActionState,
  outcome: 'success' | FailureCode,
  startedAt: Date,
): void {
  countLockActionEnd(state.action, outcome, startedAt);
  setCurrentDetails(`${describeAction(state.action)} ${state.deviceId ?? '(no device)'}: ${outcome}`);
  if (route !== 'check-at-door' && !patched(patchIds.searchAttributes)) return;
  // An invalid input's deviceId may be anything (huge, empty): only a valid one is indexed.
  const deviceId = outcome === 'INVALID_INPUT' ? null : state.deviceId;
  upsertSearchAttributes([
    ...(deviceId ? [{ key: deviceIdsKey, value: [deviceId] }] : []),
    { key: outcomeKey, value: outcome },
    { key: attentionKey, value: needsPersonAfter(outcome, state.commandSent) },
  ]);
}

/** Sends the command and follows the attempt: through the door, or (older workflows) here. */
async function command(
  route: CommandRoute,
  state: LockActionState,
  plan: LockActionPlan,
  deadlineMs: number,
  wakeups: AttemptWakeups,
  ticket: DoorTicket | undefined,
  knocked: boolean,
): Promise<{ observation: AttemptObservation; sent: CommandOutcome }> {
  if (ticket) return throughTheDoor(state, ticket, plan, deadlineMs, knocked);
  state.progress.phase = 'commanding';
  if (route === 'legacy') refuseIfPastNotAfter(state, plan);
  const sent = route === 'legacy' ? await legacySendCommand(state, plan) : await sendAndWatch(state, plan, deadlineMs);
  return { observation: await followAttempt(state, plan, sent, deadlineMs, wakeups), sent };
}

/** The final word: success from the attempt, success from the door's state, or a typed failure. */
export async function conclude(
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

  if (actionAttempt.status === 'success')
    return success('action_attempt', lockedAfterSuccess(state, plan, observation));
  if (actionAttempt.status === 'error') {
    throw lockActionFailure(
      state,
      'ACTION_ATTEMPT_FAILED',
      `Seam reports the ${describeAction(state.action)} failed: ${actionAttempt.error?.type}: ${actionAttempt.error?.message}`,
      { seamError: actionAttempt.error },
    );
  }
  // Still pending at the deadline. Some providers never report back; the door itself may.
  const readBack = await seamReads.captureCapabilitySnapshot(plan.deviceId, plan.workspace).catch((err) => {
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
 * The door's state after a successful attempt: read back, or — when the device confirmed the
 * action (nothing is read back then) — the state it confirmed; null when neither is known, and
 * always with `verifyLockedState: false` (the caller asked for no state).
 */
function lockedAfterSuccess(
  state: LockActionState,
  plan: LockActionPlan,
  observation: AttemptObservation,
): boolean | null {
  if (!plan.verifyLockedState) return null;
  if (observation.lockedAfter !== undefined && observation.lockedAfter !== null) return observation.lockedAfter;
  return observation.actionAttempt.wasConfirmedByDevice === true ? state.action === 'LOCK_DOOR' : null;
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
