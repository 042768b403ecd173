/**
 * DoorWorkflow (`door/<deviceId>`): one lock action at a time per door. Every lock action sends
 * its request here before anything reaches Seam; the door runs one command at a time, the
 * newest intent among requests not yet sent wins, and its answer goes back to the lock action,
 * which concludes. It lives as long as its device is used (idle, it costs nothing: no timer
 * runs) and continues as new between commands to keep its history bounded.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActionAttemptEndedSignal, LockActionResult } from '../contract';
import { lockActions } from '../contract/core';
import {
  doorCommandsPerRun,
  doorQueryName,
  doorRollingOverType,
  doorSignalNames,
  doorUpdateNames,
  doorWorkflowId,
  type DoorInput,
  type DoorLockActionRequest,
  type DoorView,
  type WaitingCommand,
} from '../contract/door';
import { commandSendBy, mayRepeatCommand, nextCommandAtMs, nextExpiryMs } from '../decisions';
import { followAttempt, sendAndWatch } from './command';
import { DoorKeeper, doorPatchIds, requestState } from './door-keeper';
import { checkingState, lockActionFailure, type LockActionState } from './failures';
import { serveLockActionUpdate } from './door-update';
import {
  doorLockActionRequestOf,
  doorRequestOf,
  doorSeamEventOf,
  endedAttemptOf,
  requesterOf,
  withdrawnUpdateOf,
} from './payloads';

export const doorRequestSignal = defineSignal<[unknown]>(doorSignalNames.request);
export const doorWithdrawSignal = defineSignal<[unknown]>(doorSignalNames.withdraw);
export const doorAttemptEndedSignal = defineSignal<[ActionAttemptEndedSignal?]>(doorSignalNames.attemptEnded);
export const doorSeamEventSignal = defineSignal<[unknown]>(doorSignalNames.seamEvent);
export const doorQuery = defineQuery<DoorView>(doorQueryName);
export const doorLockActionUpdate = defineUpdate<LockActionResult, [DoorLockActionRequest]>(doorUpdateNames.lockAction);

export async function DoorWorkflow(input: DoorInput): Promise<void> {
  refuseForeignDoor(input);
  const door = new DoorKeeper(input.deviceId, input.carried);
  const commandsAtStart = door.commandsRun;
  const rollOverDue = () =>
    workflowInfo().continueAsNewSuggested || door.commandsRun - commandsAtStart >= doorCommandsPerRun;
  setDoorHandlers(door, rollOverDue);
  // An update cannot be carried into the next run: the door rolls over only once none is served.
  const rollOver = () => rollOverDue() && !door.servesUpdates();

  try {
    for (;;) {
      await condition(() => (door.waiting !== null || rollOver()) && door.updatesSettled());
      if (rollOver()) break;
      // Seam allows 15 commands a minute per device: wait for room rather than be refused.
      const waitMs = nextCommandAtMs(door.recentCommands, Date.now()) - Date.now();
      if (waitMs > 0) await whileReaping(door, sleep(waitMs));
      const command = door.takeNext(Date.now());
      await updatesEnded(door);
      if (command) await runCommand(door, command);
    }
  } catch (err) {
    // An operator cancelled the door: every request it holds is told, none is left waiting.
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      door.abandonWaiting('its door was cancelled before the command was sent');
      await door.answersDelivered();
      // Updates answered CANCELLED (or still in a device check, which the cancel stops) end first.
      await condition(allHandlersFinished);
    });
    throw err;
  }
  // Verdicts still in flight would be lost with this run; requests arriving meanwhile are carried.
  // One condition: no verdict may be signalled between the check and the continue-as-new.
  await condition(() => door.answersPending() === 0 && allHandlersFinished());
  log.info('door continues as new', { deviceId: door.deviceId, commandsRun: door.commandsRun });
  await continueAsNew<typeof DoorWorkflow>({ deviceId: door.deviceId, carried: door.carry(Date.now()) });
}

function setDoorHandlers(door: DoorKeeper, rollOverDue: () => boolean): void {
  setHandler(doorRequestSignal, (raw) => {
    const request = doorRequestOf(raw, door.deviceId);
    if (request) {
      door.admit(request);
      return;
    }
    log.warn('refused a malformed door request', { deviceId: door.deviceId });
    // A requester that can be named is told; it would wait for an answer otherwise.
    const requester = requesterOf(raw);
    if (requester) door.refuse(requester, `its door (${door.deviceId}) could not read the request`);
  });
  setHandler(doorWithdrawSignal, (raw) => {
    const requester = requesterOf(raw);
    const updateId = withdrawnUpdateOf(raw);
    if (requester) door.withdraw(requester);
    else if (updateId !== undefined) door.withdrawUpdate(updateId);
  });
  setHandler(doorLockActionUpdate, (request) => serveLockActionUpdate(door, request), {
    // Rejected here, an update leaves no trace in the history; its caller is told why at once.
    validator: (request) => {
      if (!doorLockActionRequestOf(request)) {
        const action = lockActions.find((a) => a === (request as { action?: unknown } | null)?.action) ?? 'LOCK_DOOR';
        throw lockActionFailure(
          checkingState(action, door.deviceId),
          'INVALID_INPUT',
          'a lockAction update takes {action: "LOCK_DOOR" | "UNLOCK_DOOR", input: {...}} and nothing else; nothing was sent',
        );
      }
      if (rollOverDue())
        throw ApplicationFailure.create({
          type: doorRollingOverType,
          message: `${doorWorkflowId(door.deviceId)} is continuing as new and took nothing; send the request again`,
        });
    },
  });
  setHandler(doorAttemptEndedSignal, (signal) => {
    door.wakeups.endedAttempt = endedAttemptOf(signal) ?? door.wakeups.endedAttempt;
  });
  setHandler(doorSeamEventSignal, (raw) => {
    const event = doorSeamEventOf(raw);
    if (event) door.hear(event);
    else log.warn('ignored a malformed Seam event', { deviceId: door.deviceId });
  });
  setHandler(doorQuery, () => door.view(Date.now()));
}

/**
 * Sends the command and follows its attempt to the end, on the same steps a lock action used to
 * take itself (command.ts), in a scope that the last withdrawing member cancels.
 */
async function runCommand(door: DoorKeeper, command: WaitingCommand): Promise<void> {
  const first = command.members[0];
  // Each try asks whether one of the members still wants it (see sendCommandTry).
  const state: LockActionState = {
    ...requestState(first),
    requesters: command.members.map((m) => m.requester),
    ...(patched(doorPatchIds.sendAndWatch) ? { watchInSendTry: true } : {}),
    ...(!mayRepeatCommand(command.action) && patched(doorPatchIds.announcedUnlockSend) ? { announcesSend: true } : {}),
  };
  const scope = new CancellationScope();
  const current = door.begin(command, state, scope, Date.now());
  if (state.watchInSendTry && patched(doorPatchIds.sendTryIds)) state.commandNumber = door.commandsRun;
  log.info('door runs a command', {
    deviceId: door.deviceId,
    action: command.action,
    requesters: command.members.map((m) => m.requester.workflowId),
  });
  const work = scope.run(async () => {
    const sendBy = commandSendBy(current.command);
    const sent = await sendAndWatch(state, first.plan, sendBy);
    const last = await followAttempt(state, first.plan, sent, sendBy, door.wakeups);
    return { ...last, commandSentAt: sent.commandSentAt };
  });
  try {
    door.finishObserved(await whileReaping(door, work));
  } catch (err) {
    // The door itself cancelled (an operator): the command stops with it, and what its send try
    // did (sent, or not) is learned before its requesters are told. Before the patch they were
    // told at once, as if nothing had been sent.
    if (isCancellation(err) && patched(doorPatchIds.cancelLearnsTheSend)) {
      const ended = await CancellationScope.nonCancellable(() => work.then((observed) => ({ observed }), noop));
      // Ended as the cancel came: its requesters get the end, not a cancel.
      if (ended) return door.finishObserved(ended.observed);
    }
    door.finishFailed(err);
  }
}

const noop = () => undefined;

/** A door runs as `door/<deviceId>` of its own device: two doors for one device would not order anything. */
function refuseForeignDoor(input: DoorInput): void {
  const expected = doorWorkflowId(input.deviceId);
  if (workflowInfo().workflowId !== expected) {
    throw ApplicationFailure.nonRetryable(
      `a door for ${JSON.stringify(input.deviceId)} must run as workflow ID ${expected}`,
      'INVALID_INPUT',
    );
  }
}

/**
 * Waits for `work` while answering DEADLINE_PASSED to waiting requests as their deadlines come:
 * a request waiting behind a long command learns at once that it will not be sent. The timer
 * runs only while something waits.
 */
async function whileReaping<T>(door: DoorKeeper, work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  // A cancel ends the wait early, and `done` may then fail unawaited: that is no fault of the task.
  done.catch(noop);
  while (!settled) {
    const version = door.waitingVersion;
    const expiry = nextExpiryMs(door.waiting, Date.now());
    const changed = () => (settled || door.waitingVersion !== version) && door.updatesSettled();
    if (expiry === undefined) await condition(changed);
    else await condition(changed, Math.max(1, expiry - Date.now()));
    door.reapExpired(Date.now());
    await updatesEnded(door);
  }
  return done;
}

/**
 * Lets every `lockAction` update the door has just answered end before the door acts again (see
 * DoorKeeper.updatesSettled). A door that serves no update never waits here: its steps are as before.
 */
async function updatesEnded(door: DoorKeeper): Promise<void> {
  if (!door.updatesSettled()) await condition(() => door.updatesSettled());
}
