/**
 * A lock action's side of door ordering: hand its request to its door, wait for the door's
 * verdict, take the request back on cancel. Two billable actions in the usual case — the
 * request signal and the verdict signal — and no timer: the door answers every request it holds
 * (see door-keeper.ts), so the wait needs no bound of its own.
 */
import {
  ActivityFailure,
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
import type { AttemptObservation, CheckAtDoorRequest, CommandOutcome, DoorCheck } from '../activities';
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
import { describeAction, isIdentifier, type ActivityFailureDetails, type LockActionPlan } from '../contract/core';
import { seamReads } from './command';
import { cancelledFailure, lockActionFailure, type LockActionState } from './failures';
import { doorVerdictOf } from './payloads';

export const doorVerdictSignal = defineSignal<[unknown]>(doorVerdictSignalName);

/** A cancelled lock action waits this long for its door to say what the cancel left behind. */
export const withdrawAnswerTimeoutMs = 10_000;

/** A lock action at its door: who it is, and the door's verdict once it came. */
export interface DoorTicket {
  requester: Requester;
  verdict: DoorVerdict | undefined;
}

/** This lock action's ticket; from now on it listens for the door's verdict. Once per workflow. */
export function doorTicket(): DoorTicket {
  const ticket: DoorTicket = {
    requester: { workflowId: workflowInfo().workflowId, runId: workflowInfo().runId },
    verdict: undefined,
  };
  setHandler(doorVerdictSignal, (payload) => {
    ticket.verdict ??= doorVerdictOf(payload);
  });
  return ticket;
}

/**
 * Checks the device and, when it can act, hands this action's request to its door in the same
 * activity (`checkDeviceAtDoor`, retried like the other quick reads). Where the request may be
 * with the door although the check did not end with it handed over — a cancel meanwhile (the
 * activity is abandoned and may still deliver it), a check that failed after an earlier try
 * may have delivered it — the door is asked before the action concludes: the request is
 * withdrawn, and what the door did with it, if anything, becomes the action's (see
 * {@link askTheDoor}). A request that comes after its withdrawal is not run: a running door
 * knows it as answered; a door it starts finds, before any send, that the action is over.
 */
export async function checkAtTheDoor(
  state: LockActionState,
  ticket: DoorTicket,
  request: Omit<CheckAtDoorRequest, 'door'>,
): Promise<DoorCheck> {
  const door = { requester: ticket.requester, taskQueue: workflowInfo().taskQueue };
  // Only a valid device id can have reached a door (an invalid input fails before the handover).
  const deviceId = validDeviceId(state.deviceId);
  try {
    return await seamReads.checkDeviceAtDoor({ ...request, door });
  } catch (err) {
    if (deviceId === null) throw err;
    if (isCancellation(err))
      return CancellationScope.nonCancellable(() =>
        cancelAtTheDoor(state, ticket, deviceId, { doorMayBeAbsent: true }),
      );
    if (doorMayHoldRequest(err)) await askTheDoor(state, ticket, deviceId);
    throw err;
  }
}

/**
 * A lock action that will not go through with a request its door may hold takes it back, and
 * takes on what the door did with it: nothing (the usual answer), or a command sent — then the
 * action's failure says so (`commandSent`, the attempt), and a stay counts the door as possibly
 * opened. No answer from a door that was reached: the command may have gone out (`null`).
 */
export async function askTheDoor(state: LockActionState, ticket: DoorTicket, deviceId: string): Promise<void> {
  const reached = await CancellationScope.nonCancellable(() =>
    withdraw(ticket.requester, deviceId, () => ticket.verdict),
  );
  const verdict = ticket.verdict;
  if (!verdict) {
    if (reached) state.commandSent = null;
    return;
  }
  const facts = verdict.kind === 'failed' ? verdict.report : verdict.facts;
  state.commandSent = facts.commandSent;
  state.progress.actionAttemptId = facts.actionAttemptId;
  state.progress.lastStatus = facts.lastStatus;
}

/** Whether a failed check may have handed the request over before it failed. */
function doorMayHoldRequest(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  if (!(err.cause instanceof ApplicationFailure)) return true; // timed out: it may have got that far
  const details = err.cause.details?.[0] as ActivityFailureDetails | undefined;
  return details?.doorMayHoldRequest === true;
}

/** A device id a door can run under; null for anything else (no door can hold a request for it). */
export function validDeviceId(deviceId: string | null): string | null {
  return isIdentifier(deviceId) ? deviceId : null;
}

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
  mine: DoorTicket,
  plan: LockActionPlan,
  sendBy: number,
  knocked: boolean,
): Promise<{ observation: AttemptObservation; sent: CommandOutcome }> {
  const request: DoorRequest = {
    requester: mine.requester,
    action: state.action,
    plan,
    sendBy,
    capability: state.capability,
  };
  state.progress.phase = 'door';
  setCurrentDetails(
    `${describeAction(state.action)} ${plan.deviceId}: with its door, ${doorWorkflowId(plan.deviceId)} (its \`door\` query shows the command)`,
  );
  try {
    // Handed over whole even if a cancel comes meanwhile: the withdrawal below must follow it.
    if (!knocked) await CancellationScope.nonCancellable(() => knock(state, request));
    await condition(() => mine.verdict !== undefined);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return CancellationScope.nonCancellable(() =>
      cancelAtTheDoor(state, mine, plan.deviceId, { doorMayBeAbsent: false }),
    );
  }
  return adopt(state, mine.verdict!);
}

/**
 * A cancelled lock action takes its request back and ends CANCELLED, saying what the door did:
 * nothing sent, the attempt it left behind, or — no answer — that the command may have landed.
 * `doorMayBeAbsent`: the request may never have reached the door (the check was cancelled), so
 * a door that is not running had nothing of it to send.
 */
async function cancelAtTheDoor(
  state: LockActionState,
  mine: DoorTicket,
  deviceId: string,
  { doorMayBeAbsent }: { doorMayBeAbsent: boolean },
): Promise<never> {
  const reached = await withdraw(mine.requester, deviceId, () => mine.verdict);
  const verdict = mine.verdict;
  if (!verdict) {
    if (reached || !doorMayBeAbsent) state.commandSent = null;
    throw cancelledFailure(state);
  }
  // A failed verdict is the door's own CANCELLED (or the failure that came first); an observed
  // one means the attempt ended as the cancel came: the action is still cancelled, naming it.
  adopt(state, verdict);
  throw cancelledFailure(state);
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

/** Signals the withdrawal and waits a while for the door's answer; false when the door could not be reached. */
async function withdraw(me: Requester, deviceId: string, answered: () => DoorVerdict | undefined): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(doorWorkflowId(deviceId)).signal(doorSignalNames.withdraw, { requester: me });
  } catch (err) {
    log.warn('could not reach the door to withdraw', { deviceId, error: String(err) });
    return false;
  }
  await condition(() => answered() !== undefined, withdrawAnswerTimeoutMs);
  return true;
}

/** The door's verdict as this lock action's own: its facts into the state, or its failure thrown. */
export function adopt(
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
