/**
 * A lock action's side of door ordering: hand its request to its door, wait for the door's
 * verdict, take the request back on cancel. Two billable actions in the usual case — the
 * request signal and the verdict signal — and no timer: the door answers every request it holds
 * (see door-keeper.ts), so the wait needs no bound of its own.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  defineSignal,
  workflowInfo,
} from '@temporalio/workflow';
import type { AttemptObservation, CommandOutcome } from '../activities';
import type { DoorActivities } from '../activities/door';
import type { ActionAttemptEndedSignal } from '../contract';
import {
  doorSignalNames,
  doorVerdictSignalName,
  doorWorkflowId,
  type DoorRequest,
  type DoorVerdict,
  type Requester,
} from '../contract/door';
import { describeAction, type LockActionPlan } from '../contract/core';
import { cancelledFailure, lockActionFailure, type LockActionState } from './failures';
import { doorVerdictOf } from './payloads';

export const doorVerdictSignal = defineSignal<[unknown]>(doorVerdictSignalName);

/** A cancelled lock action waits this long for its door to say what the cancel left behind. */
export const withdrawAnswerTimeoutMs = 10_000;

/** Opening a door is one signal-with-start: quick, retried a few times over ~10 s. */
const doorOpening = proxyActivities<DoorActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 6 },
});

/**
 * Sends the command through the device's door and returns the attempt as the door last saw it.
 * @throws the door's typed failure (DEADLINE_PASSED, SUPERSEDED, CANCELLED, any command failure)
 */
export async function throughTheDoor(
  state: LockActionState,
  plan: LockActionPlan,
  sendBy: number,
): Promise<{ observation: AttemptObservation; sent: CommandOutcome }> {
  const me: Requester = { workflowId: workflowInfo().workflowId, runId: workflowInfo().runId };
  let verdict: DoorVerdict | undefined;
  setHandler(doorVerdictSignal, (payload) => {
    verdict ??= doorVerdictOf(payload);
  });
  const request: DoorRequest = { requester: me, action: state.action, plan, sendBy, capability: state.capability };
  state.progress.phase = 'door';
  setCurrentDetails(
    `${describeAction(state.action)} ${plan.deviceId}: with its door, ${doorWorkflowId(plan.deviceId)} (its \`door\` query shows the command)`,
  );
  try {
    // Handed over whole even if a cancel comes meanwhile: the withdrawal below must follow it.
    await CancellationScope.nonCancellable(() => knock(state, request));
    await condition(() => verdict !== undefined);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    verdict = await CancellationScope.nonCancellable(() => withdraw(me, plan.deviceId, () => verdict));
    if (!verdict) {
      state.commandSent = null;
      throw cancelledFailure(state);
    }
    // The attempt ended as the cancel came: the action is still cancelled, naming it.
    if (verdict.kind === 'observed') {
      adopt(state, verdict);
      throw cancelledFailure(state);
    }
  }
  return adopt(state, verdict!);
}

/** Forwards an "attempt ended" signal to the door following the attempt. */
export function forwardAttemptEnded(deviceId: string, signal: ActionAttemptEndedSignal | undefined): void {
  getExternalWorkflowHandle(doorWorkflowId(deviceId))
    .signal(doorSignalNames.attemptEnded, signal)
    .catch((err: unknown) => log.warn('could not forward attempt-ended to the door', { deviceId, error: String(err) }));
}

/**
 * Signals the door; a door that is not running is started with the request. A door that cannot
 * be reached even so (Temporal refusing the start) ends the action SEAM_UNAVAILABLE with nothing
 * sent: the command never left this workflow.
 */
async function knock(state: LockActionState, request: DoorRequest): Promise<void> {
  const doorId = doorWorkflowId(request.plan.deviceId);
  try {
    await getExternalWorkflowHandle(doorId).signal(doorSignalNames.request, request);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.info('door not running; opening it', { deviceId: request.plan.deviceId });
    try {
      await doorOpening.openDoor({ request, taskQueue: workflowInfo().taskQueue });
    } catch (openErr) {
      if (isCancellation(openErr)) throw openErr;
      throw lockActionFailure(
        state,
        'SEAM_UNAVAILABLE',
        `its door ${doorId} could not be reached (${String(openErr)}); nothing was sent`,
      );
    }
  }
}

async function withdraw(
  me: Requester,
  deviceId: string,
  answered: () => DoorVerdict | undefined,
): Promise<DoorVerdict | undefined> {
  try {
    await getExternalWorkflowHandle(doorWorkflowId(deviceId)).signal(doorSignalNames.withdraw, { requester: me });
  } catch (err) {
    log.warn('could not reach the door to withdraw', { deviceId, error: String(err) });
    return answered();
  }
  await condition(() => answered() !== undefined, withdrawAnswerTimeoutMs);
  return answered();
}

/** The door's verdict as this lock action's own: its facts into the state, or its failure thrown. */
function adopt(
  state: LockActionState,
  verdict: DoorVerdict,
): { observation: AttemptObservation; sent: CommandOutcome } {
  if (verdict.kind === 'failed') {
    const report = { ...verdict.report, action: state.action, deviceId: state.deviceId, capability: state.capability };
    state.commandSent = report.commandSent;
    state.progress.actionAttemptId = report.actionAttemptId;
    state.progress.lastStatus = report.lastStatus;
    state.progress.polls = report.polls;
    throw ApplicationFailure.create({
      type: report.code,
      message: report.message,
      nonRetryable: true,
      details: [report],
    });
  }
  const { facts } = verdict;
  state.commandSent = facts.commandSent;
  state.lockResent = facts.lockResent;
  state.progress.polls = facts.polls;
  state.progress.actionAttemptId = verdict.actionAttempt.actionAttemptId;
  state.progress.lastStatus = verdict.actionAttempt.status;
  const observation: AttemptObservation = {
    actionAttempt: verdict.actionAttempt,
    reads: 0,
    ...(verdict.lockedAfter !== null ? { lockedAfter: verdict.lockedAfter } : {}),
  };
  return { observation, sent: { ...observation, commandSentAt: verdict.commandSentAt } };
}
