/**
 * The command step of a lock action: send tries against the one send-by deadline, with the
 * back-off between them on durable timers, then a watch of the attempt. Kept beside the script
 * (lock-action.ts) so that the script reads like the steps it takes.
 *
 * Why each send try is its own activity, and the watch another:
 * - a cancel during the back-off between tries stops a durable timer at once, so nothing is sent
 *   after it — an activity sleeping in process would learn of the cancel only through a
 *   heartbeat, up to the heartbeat throttle (80% of its timeout) later;
 * - a cancel during the watch abandons an activity that only reads: the action ends at once,
 *   naming the attempt, and no heartbeat is billed (for a door's try that watches too, see below);
 * - a cancel while a send is in flight waits at most {@link cancelSendGraceMs} for the send to
 *   say whether it reached Seam, then says "unknown — check the door".
 *
 * A door's try (`watchInSendTry`) watches in the same activity once its send is accepted: one
 * activity and one door workflow task fewer per command, on the path of every lock. What the
 * separate watch gave, it keeps through its heartbeat, which names the attempt right after the
 * send (usually its only one): a worker that dies while watching leaves the attempt in the
 * timeout's details, and a cancel reads it from the pending activity instead of waiting for the
 * try (which learns of a cancel only from a heartbeat's answer).
 */
import { workspaceField } from '../contract/core';
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TimeoutFailure,
  uuid4,
} from '@temporalio/workflow';
import type { AttemptObservation, CommandOutcome, LockstepActivities, SendTryOutcome } from '../activities';
import type { ActionAttemptView } from '../contract';
import type { CommandFacts } from '../contract/door';
import {
  describeAction,
  pendingAttempt,
  sentCommandOf,
  unsentTry,
  type LockActionPlan,
  type SentCommand,
} from '../contract/core';
import { maySend, mayRepeatCommand, nextWaitMs, pollDelayMs } from '../decisions';
import {
  cancelSendGraceMs,
  commandSendBackoff,
  pendingTryReadTimeoutMs,
  commandSendTries,
  maxDurableReads,
  pushSafetyNetPolling,
  readActivityTimeoutMs,
  sendActivityTimeoutMs,
  watchActivityTimeoutMs,
} from '../contract/timing-budget';
import { activityFailureAsLockFailure, lockActionFailure, seamStep, type LockActionState } from './failures';

/**
 * Quick Seam reads (devices.get, action_attempts.get): at most two HTTP calls each (a read and
 * its read-back); five tries over ~3 s ride out a blip or a 429 without holding the workflow long.
 */
export const seamReads = proxyActivities<LockstepActivities>({
  startToCloseTimeout: readActivityTimeoutMs,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * What every send try shares: never retried by Temporal (a retry could not know whether the
 * first send reached Seam); WAIT_CANCELLATION_COMPLETED so that a cancel learns what the try did.
 */
const oneSendTry = {
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 1 },
} as const;

/** One send try. */
const sendTries = proxyActivities<LockstepActivities>({ ...oneSendTry, startToCloseTimeout: sendActivityTimeoutMs });

/**
 * A door's send try that watches too, under an ID of its own (a cancel asks for its heartbeat
 * by it), bounded by the send try's and the watch's timeouts together. Its heartbeat right after
 * the send names the attempt (an unlock's try announced its send before it). No heartbeat
 * timeout: that would take a heartbeat with every read (throttled, but a cost on every lock's
 * path); a worker that dies shows as this start-to-close timeout instead.
 */
function sendTryThatWatches(watchWindowMs: number, activityId: string) {
  return proxyActivities<LockstepActivities>({
    ...oneSendTry,
    activityId,
    startToCloseTimeout: sendActivityTimeoutMs + watchActivityTimeoutMs(watchWindowMs),
  });
}

/** A door asks what its cancelled send try heartbeated: one read of Temporal, in the worker (no queue). */
const pendingTryReads = proxyLocalActivities<LockstepActivities>({
  startToCloseTimeout: pendingTryReadTimeoutMs,
  retry: { maximumAttempts: 1 },
});

type Sent = Extract<SendTryOutcome, { sent: true }>;

/** Sends the command (trying again only where that is safe), then watches the attempt. */
export async function sendAndWatch(
  state: LockActionState,
  plan: LockActionPlan,
  sendBy: number,
): Promise<CommandOutcome> {
  const sent = await sendWithinDeadline(state, plan, sendBy);
  if (sent.watched) return { ...sent.watched, commandSentAt: sent.commandSentAt };
  if (sent.pushed)
    return { actionAttempt: sent.actionAttempt, reads: 0, commandSentAt: sent.commandSentAt, pushed: true };
  if (sent.actionAttempt.status !== 'pending' || plan.watchWindowMs === 0) {
    return { actionAttempt: sent.actionAttempt, reads: 0, commandSentAt: sent.commandSentAt };
  }
  state.progress.phase = 'watching';
  return { ...(await watch(state, plan, sent)), commandSentAt: sent.commandSentAt };
}

/** Where a signal saying "the attempt ended" (a webhook saw it) is left for the poll loop. */
export interface AttemptWakeups {
  /** The attempt a signal said has ended ('*': whichever is being followed); null: none. */
  endedAttempt: string | null;
  /** ISO-8601: when Seam says it ended (a webhook's `occurred_at`), for the detection-delay metric. */
  endedAt?: string;
}

/**
 * Follows a sent attempt on durable timers until it ends or the deadline passes. Each wait is a
 * timer cut short by the "attempt ended" signal while the reads budget lasts: a flood of
 * signals cannot grow the history without bound.
 */
export async function followAttempt(
  state: LockActionState,
  plan: LockActionPlan,
  sent: CommandOutcome,
  deadlineMs: number,
  wakeups: AttemptWakeups,
): Promise<AttemptObservation> {
  let observation = record(state, sent);
  state.progress.phase = 'polling';
  if (observation.actionAttempt.status === 'pending') {
    log.info('polling action attempt with durable timers', { actionAttemptId: sent.actionAttempt.actionAttemptId });
  }
  // Pushed (webhooks): reads only as a safety net; the webhook's wake-up reads at once.
  const schedule = sent.pushed ? { ...pushSafetyNetPolling, maxMs: plan.pollInterval.maxMs } : plan.pollInterval;
  for (let readIndex = 0; observation.actionAttempt.status === 'pending'; readIndex++) {
    const waitMs = nextWaitMs(schedule, readIndex, Date.now(), deadlineMs, maxDurableReads);
    if (waitMs === null) break;
    const following = observation.actionAttempt.actionAttemptId;
    const woken = () =>
      (wakeups.endedAttempt === '*' || wakeups.endedAttempt === following) && readIndex < maxDurableReads;
    const pushedEndAt = (await condition(woken, waitMs)) ? wakeups.endedAt : undefined;
    wakeups.endedAttempt = null;
    delete wakeups.endedAt;
    observation = record(state, await readDuringPolling(state, plan, observation, { pushedEndAt, sent }));
  }
  return observation;
}

/**
 * One durable read. Its retries exhausted on a transient error, the loop goes on with what it
 * last saw (the deadline bounds it); a definite rejection ends the action.
 */
async function readDuringPolling(
  state: LockActionState,
  plan: LockActionPlan,
  last: AttemptObservation,
  { pushedEndAt, sent }: { pushedEndAt: string | undefined; sent: CommandOutcome },
): Promise<AttemptObservation> {
  // A door's read tells its lock actions itself when the attempt has ended, as its watch does.
  const verdictTo = state.requesters && {
    requesters: state.requesters,
    commandSentAt: sent.commandSentAt,
    facts: factsOnceSent(state, last.actionAttempt),
  };
  try {
    return await seamStep(state, () =>
      seamReads.readActionAttempt({
        actionAttemptId: last.actionAttempt.actionAttemptId,
        deviceId: plan.deviceId,
        ...workspaceField(plan.workspace),
        readBackLockedState: plan.verifyLockedState,
        ...(pushedEndAt ? { endedAt: pushedEndAt } : {}),
        ...(verdictTo ? { verdictTo } : {}),
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

/**
 * Send tries until one is accepted. A try is repeated only when it cannot have reached Seam
 * (refused connection, 429, 503) or, for a lock, when it may have (locking twice is harmless);
 * never once the deadline no longer leaves room for a whole send.
 */
async function sendWithinDeadline(state: LockActionState, plan: LockActionPlan, sendBy: number): Promise<Sent> {
  for (let tryIndex = 0; ; tryIndex++) {
    if (!maySend(Date.now(), sendBy)) throw deadlineFailure(state, sendBy);
    log.info('sending command', { action: state.action, deviceId: plan.deviceId, try: tryIndex + 1 });
    const outcome = await sendTry(state, plan, sendBy, tryIndex);
    recordTry(state, outcome);
    if (outcome.sent) return outcome;
    if (tryIndex + 1 >= commandSendTries) {
      throw lockActionFailure(state, 'SEAM_UNAVAILABLE', `${outcome.message} (after ${commandSendTries} tries)`, {
        seamRequestId: outcome.seamRequestId,
      });
    }
    log.warn('command not accepted; trying again after a durable back-off', {
      deviceId: plan.deviceId,
      reason: outcome.failureType,
    });
    await sleep(pollDelayMs(commandSendBackoff, tryIndex));
  }
}

/**
 * One send try. A cancel while it runs waits a moment for it to say what it did; a try whose
 * activity timed out (its worker died) may or may not have reached Seam.
 */
async function sendTry(
  state: LockActionState,
  plan: LockActionPlan,
  sendBy: number,
  tryIndex: number,
): Promise<SendTryOutcome> {
  const watchesToo = state.requesters !== undefined && state.watchInSendTry === true && plan.watchWindowMs > 0;
  const tryId = watchesToo ? sendTryId(state, tryIndex) : undefined;
  const tries = tryId ? sendTryThatWatches(plan.watchWindowMs, tryId) : sendTries;
  const sending = (state.announcesSend ? tries.sendCommandTryAnnounced : tries.sendCommandTry)({
    deviceId: plan.deviceId,
    action: state.action,
    ...workspaceField(plan.workspace),
    sendBy: new Date(sendBy).toISOString(),
    ...(state.requesters ? { requesters: state.requesters } : {}),
    ...(watchesToo
      ? {
          thenWatch: {
            windowMs: plan.watchWindowMs,
            readBackLockedState: plan.verifyLockedState,
            verdictTo: { requesters: state.requesters!, facts: factsOnceSent(state) },
          },
        }
      : {}),
  }).catch((err: unknown) => {
    const lost = lostTry(state, err, sendBy);
    if (lost.sent) log.warn('send try died after the send; polling the attempt it named', { ...lost.actionAttempt });
    return lost;
  });
  const scope = CancellationScope.current();
  try {
    return await Promise.race([sending, scope.cancelRequested]);
  } catch (err) {
    if (isCancellation(err)) await learnWhatTheCancelledTryDid(state, sending, tryId);
    throw err;
  }
}

/** A watching try's activity ID: counted since the door's `send-try-ids`, a UUID before it (see door.ts). */
function sendTryId(state: LockActionState, tryIndex: number): string {
  return state.commandNumber !== undefined ? `send-try-${state.commandNumber}.${tryIndex + 1}` : `send-try-${uuid4()}`;
}

/** What a door's lock actions are told of the command once an accepted try is recorded. */
function factsOnceSent(state: LockActionState, attempt?: ActionAttemptView): CommandFacts {
  return {
    commandSent: true,
    // recordTry's rule: a try that went out after one that may have landed makes a lock re-sent.
    lockResent: state.lockResent || state.ambiguousTry,
    polls: state.progress.polls,
    actionAttemptId: attempt?.actionAttemptId ?? null,
    lastStatus: attempt?.status ?? null,
  };
}

/**
 * A failed send try as the action's failure, except one whose activity timed out (its worker
 * died): a lock may be tried again; an unlock ends COMMAND_OUTCOME_UNKNOWN, unless its try was
 * announced and announced nothing (it never got as far as its send: tried again). An announced
 * try that a worker without it refused (NotFoundError) never ran: tried again.
 */
export function lostTry(state: LockActionState, err: unknown, sendBy: number): SendTryOutcome {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
  // The activity's own deadline check: the same verdict as the workflow's, earlier tries included.
  if (err.cause instanceof ApplicationFailure && err.cause.type === 'DEADLINE_PASSED')
    throw deadlineFailure(state, sendBy);
  // A worker from before announced tries (a rolling deploy) fails one unrun: nothing was sent.
  if (state.announcesSend && err.cause instanceof ApplicationFailure && err.cause.type === 'NotFoundError')
    return unsentTry(
      'SEND_TRY_NOT_REGISTERED',
      `a worker that cannot run this try refused it (${err.cause.message}); nothing was sent`,
    );
  if (!(err.cause instanceof TimeoutFailure)) throw activityFailureAsLockFailure(state, err);
  // A send-and-watch try that died while watching named its attempt first: durable polling follows it.
  const sent = sentCommandOf(err.cause.lastHeartbeatDetails);
  if (sent) return sentUnwatched(sent);
  // An announced try that announced nothing never reached its send: it may be tried again.
  if (state.announcesSend && err.cause.lastHeartbeatDetails === undefined)
    return unsentTry(
      'SEND_NOT_REACHED',
      'the send try timed out before it announced its send (its task lost, or its worker gone first); nothing was sent',
    );
  if (!mayRepeatCommand(state.action)) {
    state.commandSent = null;
    throw lockActionFailure(
      state,
      'COMMAND_OUTCOME_UNKNOWN',
      `the send try did not finish (its worker may have died); the ${describeAction(state.action)} may have reached Seam and is not sent again. Check the door.`,
    );
  }
  return mayHaveLanded('SEND_TRY_TIMED_OUT', 'the send try did not finish in time');
}

/** An accepted try known from its heartbeat: its attempt as sent, its watch over. */
function sentUnwatched(sent: SentCommand): SendTryOutcome {
  const actionAttempt = pendingAttempt(sent.actionAttemptId);
  return { sent: true, actionAttempt, commandSentAt: sent.commandSentAt, watched: { actionAttempt, reads: 0 } };
}

/** A try with no answer that may have reached Seam all the same. */
function mayHaveLanded(failureType: string, message: string): SendTryOutcome {
  return unsentTry(failureType, message, { mayHaveReachedSeam: true });
}

/**
 * What a try did, into the state: sent (naming the attempt), or may have reached Seam. A try that
 * went out after one that may have landed makes a lock re-sent: Seam may hold two attempts.
 */
function recordTry(state: LockActionState, outcome: SendTryOutcome): void {
  const wentOut = outcome.sent || outcome.mayHaveReachedSeam;
  if (wentOut && state.ambiguousTry) state.lockResent = true;
  if (outcome.sent) {
    state.commandSent = true;
    state.progress.actionAttemptId = outcome.actionAttempt.actionAttemptId;
    state.progress.lastStatus = outcome.actionAttempt.status;
  } else if (outcome.mayHaveReachedSeam) {
    state.commandSent = null;
    state.ambiguousTry = true;
  }
}

/**
 * On cancel: give the in-flight try {@link cancelSendGraceMs} to report; after that its fate is
 * unknown. A try that watches too (`tryId`) reports only when its watch ends: its heartbeat says
 * sooner — asked at once, and once more when the grace is over (its send may have been in
 * flight at first). The race is not cancelled by the cancel that started it; its grace timer
 * outlives it when the try answers first (a workflow task later, it fires unheeded), as before.
 */
async function learnWhatTheCancelledTryDid(
  state: LockActionState,
  sending: Promise<SendTryOutcome>,
  tryId: string | undefined,
): Promise<void> {
  const settled = await CancellationScope.nonCancellable(async () => {
    const reported = sending.then(
      (outcome) => ({ outcome }),
      () => ({ outcome: undefined }),
    );
    const early = tryId ? await Promise.race([reported, heartbeatOf(tryId)]) : undefined;
    if (early) return early;
    const late = await Promise.race([reported, sleep(cancelSendGraceMs).then(() => undefined)]);
    return late ?? (tryId ? heartbeatOf(tryId) : undefined);
  });
  // No word within the grace: it may have gone out.
  if (settled === undefined) recordTry(state, mayHaveLanded('CANCELLED', 'cancelled in flight'));
  else if (settled.outcome) recordTry(state, settled.outcome);
}

/** What the pending try `activityId` heartbeated, as its outcome; undefined when it named no attempt. */
async function heartbeatOf(activityId: string): Promise<{ outcome: SendTryOutcome } | undefined> {
  const sent = await pendingTryReads.attemptSentByPendingTry({ activityId }).catch(() => null);
  return sent ? { outcome: sentUnwatched(sent) } : undefined;
}

function deadlineFailure(state: LockActionState, sendBy: number) {
  const deadline = new Date(sendBy).toISOString();
  if (state.commandSent === null) {
    return lockActionFailure(
      state,
      'COMMAND_OUTCOME_UNKNOWN',
      `the send-by deadline ${deadline} came before a try was accepted, and an earlier try may have reached Seam. Check the door.`,
    );
  }
  return lockActionFailure(
    state,
    'DEADLINE_PASSED',
    `the send-by deadline ${deadline} (notAfter, or start + timeout) has passed or is too near; no command was sent`,
  );
}

/**
 * Fast reads of the sent attempt in one activity. Abandoned on cancel (TRY_CANCEL: it only
 * reads). If it fails or its worker dies, durable polling takes over from the attempt as sent.
 */
async function watch(state: LockActionState, plan: LockActionPlan, sent: Sent): Promise<AttemptObservation> {
  const watcher = proxyActivities<LockstepActivities>({
    startToCloseTimeout: watchActivityTimeoutMs(plan.watchWindowMs),
    retry: { maximumAttempts: 1 },
  });
  // A door's watch tells its lock actions itself when the attempt ends (see WatchRequest).
  const verdictTo = state.requesters && {
    requesters: state.requesters,
    commandSentAt: sent.commandSentAt,
    facts: factsOnceSent(state, sent.actionAttempt),
  };
  try {
    return await watcher.watchActionAttempt({
      actionAttemptId: sent.actionAttempt.actionAttemptId,
      deviceId: plan.deviceId,
      ...workspaceField(plan.workspace),
      windowMs: plan.watchWindowMs,
      readBackLockedState: plan.verifyLockedState,
      ...(verdictTo ? { verdictTo } : {}),
    });
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    log.warn('watch ended without an answer; durable polling takes over', {
      actionAttemptId: sent.actionAttempt.actionAttemptId,
      error: err.message,
    });
    return { actionAttempt: sent.actionAttempt, reads: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// Workflows started before the send-by deadline (no `send-by-deadline` patch marker): one
// command activity sends with in-process retries, watches, and heartbeats the attempt id. Kept
// unchanged so that their histories replay; remove once none is running.

/** Legacy: send and watch in one heartbeating activity; see the block comment above. */
const legacyCommands = proxyActivities<LockstepActivities>({
  ...oneSendTry,
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30s',
});

/** Legacy: command activities a LOCK_DOOR may run when one dies before naming its attempt. */
const legacyMaxCommandActivities = 3;

/**
 * Legacy: runs the command activity. If it dies after the send, its last heartbeat names the
 * attempt and the action goes on; if it dies before naming one, a lock is sent again
 * (harmless), an unlock is not (COMMAND_OUTCOME_UNKNOWN).
 */
export async function legacySendCommand(state: LockActionState, plan: LockActionPlan): Promise<CommandOutcome> {
  log.info('sending command', { action: state.action, deviceId: plan.deviceId });
  for (let commandActivities = 1; ; commandActivities++) {
    try {
      const outcome = await legacyCommands.sendCommand({
        deviceId: plan.deviceId,
        action: state.action,
        notAfter: plan.notAfter,
        watchWindowMs: plan.watchWindowMs,
        readBackLockedState: plan.verifyLockedState,
      });
      state.commandSent = true;
      return outcome;
    } catch (err) {
      const lost =
        err instanceof ActivityFailure && err.cause instanceof TimeoutFailure
          ? { sent: sentCommandOf(err.cause.lastHeartbeatDetails) }
          : undefined;
      if (!lost)
        throw err instanceof ActivityFailure && !isCancellation(err) ? activityFailureAsLockFailure(state, err) : err;
      if (lost.sent) {
        log.warn('command activity died after the send; polling the attempt it named', {
          actionAttemptId: lost.sent.actionAttemptId,
        });
        state.commandSent = true;
        return {
          actionAttempt: pendingAttempt(lost.sent.actionAttemptId),
          reads: 0,
          commandSentAt: lost.sent.commandSentAt,
        };
      }
      state.commandSent = null;
      if (!mayRepeatCommand(state.action) || commandActivities >= legacyMaxCommandActivities) {
        throw lockActionFailure(
          state,
          'COMMAND_OUTCOME_UNKNOWN',
          `the command activity died before naming an action attempt; the ${describeAction(state.action)} may have reached Seam and is not sent again. Check the door.`,
        );
      }
      state.lockResent = true;
      log.warn('command activity died before naming an attempt; locking again', { deviceId: plan.deviceId });
    }
  }
}
