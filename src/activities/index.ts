/**
 * lockstep's activities: every Seam call a lock action makes. Built by
 * `createActivities(seam)` so the client (and its API key) lives in the worker process only;
 * workflows see none of it.
 */
import { trace } from '@opentelemetry/api';
import { Context, log } from '@temporalio/activity';
import { ActivityCancelledError, WorkflowNotFoundError } from '@temporalio/client';
import {
  doorVerdictSignalName,
  doorWorkflowId,
  type CommandFacts,
  type DoorRequest,
  type DoorVerdict,
  type Requester,
  isUpdateRequester,
} from '../contract/door';
import { deliverToDoor } from './door';
import { ApplicationFailure } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  checkLockActionInput,
  type ActionAttemptView,
  type ActivityFailureDetails,
  type CapabilitySnapshot,
  type LockAction,
  type LockActionPlan,
  pendingAttempt,
  sentCommandOf,
  type SentCommand,
} from '../contract';
import { isGrpcNotFound, unsentTry, type UnsentTry } from '../contract/core';
import {
  assessCapability,
  isFinalStatus,
  isPastNotAfter,
  mayRepeatCommand,
  maySend,
  nextWaitMs,
  pollDelayMs,
  sendByMs,
  sendAbortAtMs,
  type Backoff,
} from '../decisions';
import {
  minSendWindowMs,
  requesterDescribePauseMs,
  requesterDescribeTimeoutMs,
  requesterDescribeTries,
  sendAnnounceTimeoutMs,
  sendSlackMs,
  watchBackoff,
} from '../contract/timing-budget';
import { noMetrics, type LockstepMetrics } from './metrics';
import type { SeamClient } from './seam/client';
import type { SeamWorkspaces } from './seam/workspaces';
import { callSeam, commandDelivery, toSeamFailure, type CommandDelivery } from './seam/errors';
import { toActionAttemptView, toCapabilitySnapshot } from './seam/responses';

/** The command activity of workflows started before the send-by deadline (see {@link LockstepActivities.sendCommand}). */
export interface SendCommandRequest {
  deviceId: string;
  action: LockAction;
  /** ISO-8601; no send starts that could land at or after it (checked right before each send). */
  notAfter?: string;
  /** How long to watch the attempt in process after sending it; 0 returns at once. */
  watchWindowMs: number;
  /** Read `properties.locked` back when the attempt succeeds within the window. */
  readBackLockedState: boolean;
}

export interface AttemptObservation {
  actionAttempt: ActionAttemptView;
  /** Reads of the attempt this observation made. */
  reads: number;
  /** `properties.locked` read back after success; undefined when not read. */
  lockedAfter?: boolean | null;
  /** A door's watch signalled this (final) observation to its lock actions already. */
  verdictsSent?: boolean;
}

export interface CommandOutcome extends AttemptObservation {
  commandSentAt: string;
  /** Seam pushes the attempt's end (see {@link SendTryOutcome}): read it on the push, poll only as a safety net. */
  pushed?: boolean;
}

export interface ReadActionAttemptRequest {
  actionAttemptId: string;
  deviceId: string;
  readBackLockedState: boolean;
  /** The plan's Seam workspace alias; the default workspace when absent. */
  workspace?: string;
  /** ISO-8601: when Seam pushed that the attempt ended (a webhook woke this read); for the detection-delay metric. */
  endedAt?: string;
  /** A door's read: as in {@link WatchRequest}, the lock actions it tells when the attempt has ended. */
  verdictTo?: WatchRequest['verdictTo'];
}

/**
 * The legacy command activity's sends: retried in process only while Seam cannot have received
 * the command (refused connection, 429, 503), or for a lock, within a 20 s budget inside its 30 s
 * heartbeat timeout. Workflows started since the send-by deadline retry in the workflow instead.
 */
export const legacyCommandSendBackoff: Backoff = { initialMs: 500, maxMs: 4_000, multiplier: 2 };
export const legacyCommandSendTries = 4;
export const legacyCommandSendBudgetMs = 20_000;

/** One send try: the command, bounded so that it cannot reach Seam after `sendBy`. */
export interface SendTryRequest {
  deviceId: string;
  action: LockAction;
  /** The plan's Seam workspace alias; the default workspace when absent. */
  workspace?: string;
  /** ISO-8601: the action's send-by deadline, `min(notAfter, workflow start + timeout)`. */
  sendBy: string;
  /**
   * The lock actions a door sends this for. Right before the send, the try asks Temporal whether
   * any of them still wants it: one cancelled a moment ago may not have told its door yet.
   */
  requesters?: Requester[];
  /**
   * A door's try watches the attempt it sent, in the same activity: one activity and one door
   * workflow task fewer per command. Right after the send it heartbeats the attempt
   * ({@link SentCommand}), once: a worker that dies while watching leaves it in the timeout's
   * details, and a cancel reads it from the pending activity ({@link LockstepActivities.attemptSentByPendingTry}).
   */
  thenWatch?: {
    windowMs: number;
    readBackLockedState: boolean;
    /** As in {@link WatchRequest}; the facts as they stand once this try is sent. */
    verdictTo?: Omit<NonNullable<WatchRequest['verdictTo']>, 'commandSentAt'>;
  };
}

/**
 * How one send try ended when it did not end the action: `sent` (Seam accepted it and named the
 * attempt), or not sent with whether it may have reached Seam all the same (only ever `true`
 * for a lock: an unlock that may have landed fails COMMAND_OUTCOME_UNKNOWN instead).
 */
export type SendTryOutcome =
  | {
      sent: true;
      actionAttempt: ActionAttemptView;
      commandSentAt: string;
      /** What the try's own watch saw ({@link SendTryRequest.thenWatch}). */
      watched?: AttemptObservation;
      /**
       * The worker runs with push (LOCKSTEP_PUSH=on): Seam's webhook will say when the attempt
       * ends, so the try did not watch it (a door's try only; others watch as before).
       */
      pushed?: true;
    }
  | UnsentTry;

type Sent = Extract<SendTryOutcome, { sent: true }>;

export interface WatchRequest {
  actionAttemptId: string;
  deviceId: string;
  /** The plan's Seam workspace alias; the default workspace when absent. */
  workspace?: string;
  /** How long to read the attempt in process; the activity returns what it last saw. */
  windowMs: number;
  /** Read `properties.locked` back when the attempt succeeds within the window. */
  readBackLockedState: boolean;
  /**
   * A door's watch: when the attempt ends within the window, the activity signals the verdict to
   * these lock actions itself, at once — the door's own workflow task stays off the path from
   * "Seam says it ended" to the caller's result. The door then does not answer them again.
   */
  verdictTo?: { requesters: Requester[]; commandSentAt: string; facts: CommandFacts };
}

export interface CheckDeviceRequest {
  /** The workflow's input exactly as the caller sent it. */
  input: unknown;
  action: LockAction;
  /**
   * ISO-8601: the workflow's start time. With it, the check refuses an action whose send-by
   * deadline has passed before any Seam call. Absent from workflows started before it existed.
   */
  workflowStartedAt?: string;
  /** Arguments the workflow was started with beyond its one input: any is INVALID_INPUT. */
  extraArguments?: number;
}

export interface DeviceCheck {
  plan: LockActionPlan;
  capability: CapabilitySnapshot;
}

/** A device check that hands the request to the door when the device can act. */
export interface CheckAtDoorRequest extends CheckDeviceRequest {
  workflowStartedAt: string;
  door: { requester: Requester; taskQueue: string };
}

export interface DoorCheck extends DeviceCheck {
  /** Whether this try handed the request to the door (false: the device cannot act). */
  knocked: boolean;
  /** Whether the door may hold the request: this try handed it over, or an earlier try may have. */
  doorMayHoldRequest: boolean;
}

/** How the worker learns that attempts ended. */
export interface ActivityOptions {
  /**
   * Seam's webhooks reach a receiver for every workspace served (LOCKSTEP_PUSH=on): a door's
   * send try returns once sent instead of watching; the webhook wakes the door. @default false
   */
  push?: boolean;
}

/** The activities' work against one Seam workspace (see {@link createActivities}, which picks one per call). */
function workspaceActivities(seam: SeamClient, metrics: LockstepMetrics, options: ActivityOptions) {
  const { http, requestTimeoutMs } = seam;

  async function readAttempt(actionAttemptId: string): Promise<ActionAttemptView> {
    const attempt = await callSeam('action_attempts.get', () =>
      http.actionAttempts.get({ action_attempt_id: actionAttemptId }, { waitForActionAttempt: false }),
    );
    return toActionAttemptView(attempt);
  }

  async function captureCapabilitySnapshot(deviceId: string): Promise<CapabilitySnapshot> {
    const device = await callSeam('devices.get', () => http.devices.get({ device_id: deviceId }));
    return toCapabilitySnapshot(device);
  }

  /**
   * The attempt as it is now, with the lock state read back when it has just succeeded and the
   * device did not confirm it (`was_confirmed_by_device` not true): a device's own confirmation
   * is the stronger word, and the read-back is a Seam request on every lock's path. The
   * read-back is best effort: Seam has already said success, so a failed read means "not
   * known" (null), never a failed action.
   */
  async function observe(
    actionAttempt: ActionAttemptView,
    deviceId: string,
    readBack: boolean,
    reads: number,
  ): Promise<AttemptObservation> {
    if (actionAttempt.status !== 'success' || !readBack || actionAttempt.wasConfirmedByDevice === true)
      return { actionAttempt, reads };
    const lockedAfter = await captureCapabilitySnapshot(deviceId).then(
      (snapshot) => snapshot.locked,
      () => null,
    );
    return { actionAttempt, reads, lockedAfter };
  }

  function deadlinePassed(
    action: LockAction,
    deviceId: string,
    why: string,
    details: ActivityFailureDetails,
  ): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `refusing to send ${action} to ${deviceId}: ${why}; no command was sent`,
      'DEADLINE_PASSED',
      details,
    );
  }

  async function sendOnce(
    deviceId: string,
    action: LockAction,
  ): Promise<SentCommand & { actionAttempt: ActionAttemptView }> {
    const params = { device_id: deviceId };
    const options = { waitForActionAttempt: false } as const;
    const response = await (action === 'LOCK_DOOR'
      ? http.locks.lockDoor(params, options)
      : http.locks.unlockDoor(params, options));
    const actionAttempt = toActionAttemptView(response);
    metrics.commandSent(action);
    return { actionAttemptId: actionAttempt.actionAttemptId, commandSentAt: new Date().toISOString(), actionAttempt };
  }

  /** Whether a failed send can have reached Seam; a 2xx we could not read (SEAM_RESPONSE_INVALID) was delivered all the same. */
  function deliveryOf(err: unknown): CommandDelivery {
    return err instanceof ApplicationFailure ? 'maybe_delivered' : commandDelivery(err);
  }

  /**
   * A send that failed and may have reached Seam. Locking twice is harmless; unlocking twice is
   * not (a relocked door would open again), so an unlock is never sent again: the action ends.
   */
  function outcomeUnknown(
    operation: string,
    failure: ApplicationFailure,
    details: ActivityFailureDetails,
  ): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `${operation} may have reached Seam (${failure.message}); it is not sent again. Check the door.`,
      'COMMAND_OUTCOME_UNKNOWN',
      details,
    );
  }

  /** The legacy command activity's in-process send loop (see {@link legacyCommandSendTries}). */
  async function legacySend(request: SendCommandRequest): Promise<SentCommand & { actionAttempt: ActionAttemptView }> {
    const operation = commandOperation(request.action);
    let mayHaveReachedSeam = false;
    const startedMs = Date.now();
    for (let tryIndex = 0; ; tryIndex++) {
      // A request may take up to the timeout to reach Seam: start none that could land after notAfter.
      if (isPastNotAfter(request.notAfter, Date.now() + requestTimeoutMs)) {
        throw deadlinePassed(
          request.action,
          request.deviceId,
          `notAfter ${request.notAfter} has passed or is less than ${requestTimeoutMs} ms away`,
          { notAfter: request.notAfter },
        );
      }
      try {
        return await sendOnce(request.deviceId, request.action);
      } catch (err) {
        const failure = toSeamFailure(err, operation);
        const delivery = deliveryOf(err);
        if (delivery === 'rejected') throw failure;
        mayHaveReachedSeam ||= delivery === 'maybe_delivered';
        const details: ActivityFailureDetails = {
          ...(failure.details?.[0] as ActivityFailureDetails),
          commandMayHaveReachedSeam: mayHaveReachedSeam,
        };
        if (delivery === 'maybe_delivered' && !mayRepeatCommand(request.action))
          throw outcomeUnknown(operation, failure, details);
        const delayMs = pollDelayMs(legacyCommandSendBackoff, tryIndex);
        const outOfBudget = Date.now() - startedMs + delayMs + requestTimeoutMs > legacyCommandSendBudgetMs;
        if (tryIndex + 1 >= legacyCommandSendTries || outOfBudget)
          throw ApplicationFailure.nonRetryable(failure.message, failure.type, details);
        await Context.current().sleep(delayMs);
      }
    }
  }

  /**
   * Fast reads until the attempt ends, the window closes, a read fails, or the activity is
   * cancelled. `onRead` runs after each read (the legacy activity heartbeats there).
   */
  async function watch(
    actionAttemptId: string,
    first: ActionAttemptView,
    windowMs: number,
    onRead: () => void = () => undefined,
  ): Promise<{ actionAttempt: ActionAttemptView; reads: number }> {
    const ctx = Context.current();
    const deadlineMs = Date.now() + windowMs;
    let actionAttempt = first;
    let reads = 0;
    let pendingSeenAt = Date.now();
    for (let readIndex = 0; !isFinalStatus(actionAttempt.status); readIndex++) {
      const waitMs = nextWaitMs(watchBackoff, readIndex, Date.now(), deadlineMs);
      if (waitMs === null) break;
      try {
        await ctx.sleep(waitMs);
        actionAttempt = await readAttempt(actionAttemptId);
        reads++;
        if (isFinalStatus(actionAttempt.status)) metrics.attemptEnded(Date.now() - pendingSeenAt);
        else pendingSeenAt = Date.now();
      } catch {
        // Cancelled, shutting down, or Seam hiccuped: the workflow's durable polling takes over.
        break;
      }
      onRead();
    }
    return { actionAttempt, reads };
  }

  /** The watch activity's work (also a door's send-and-watch try's, after its send). */
  async function watchAttempt(request: WatchRequest): Promise<AttemptObservation> {
    const watched = await watch(request.actionAttemptId, pendingAttempt(request.actionAttemptId), request.windowMs);
    const observation = await observe(
      watched.actionAttempt,
      request.deviceId,
      request.readBackLockedState,
      watched.reads,
    );
    return tellRequesters(request.verdictTo, observation);
  }

  /**
   * The lock action's first step: validates the caller's input with the contract's zod schema
   * (here, not in workflow code: see contract/core.ts), refuses an action whose send-by
   * deadline has passed, and only then reads the device. Invalid or late input never reaches
   * Seam. The plan returned — input with defaults applied — is recorded in the history, so the
   * workflow replays with the defaults it started with.
   */
  async function checkDevice(request: CheckDeviceRequest): Promise<DeviceCheck> {
    const checked = checkLockActionInput(request.input, { extraArguments: request.extraArguments });
    if (!checked.ok) {
      throw ApplicationFailure.nonRetryable(
        `invalid ${request.action} input: ${checked.issues.join('; ')}`,
        'INVALID_INPUT',
        { issues: checked.issues } satisfies ActivityFailureDetails,
      );
    }
    const plan = checked.plan;
    const deviceId = plan.deviceId;
    if (request.workflowStartedAt !== undefined) {
      const sendBy = sendByMs(Date.parse(request.workflowStartedAt), plan);
      if (!maySend(Date.now(), sendBy)) {
        throw deadlinePassed(
          request.action,
          deviceId,
          `its send-by deadline ${new Date(sendBy).toISOString()} has passed or is too near`,
          { sendBy: new Date(sendBy).toISOString() },
        );
      }
    } else if (isPastNotAfter(plan.notAfter, Date.now())) {
      throw deadlinePassed(request.action, deviceId, `notAfter ${plan.notAfter} has passed`, {
        notAfter: plan.notAfter,
      });
    }
    return { plan, capability: await captureCapabilitySnapshot(deviceId) };
  }

  /**
   * One send of lock_door / unlock_door, checked against `sendBy` immediately before it goes
   * and aborted, end to end, so that no byte of it leaves later than `sendBy - sendSlackMs`.
   * Never retried by Temporal: the workflow decides whether to try again (only when the try
   * cannot have reached Seam, or for a lock), after a durable back-off that a cancel stops.
   * `announce`: see {@link LockstepActivities.sendCommandTryAnnounced}.
   */
  async function sendTry(request: SendTryRequest, announce: boolean): Promise<SendTryOutcome> {
    const operation = commandOperation(request.action);
    // Tries are never retried by Temporal (maximumAttempts 1). One run again — its retry policy
    // changed by hand, or reset by an operator (which sets the attempt back to 1 but keeps the
    // heartbeat) — cannot know what the first did: it sends nothing, and says the first may have landed.
    const { info } = Context.current();
    if (info.attempt > 1 || info.heartbeatDetails !== undefined) {
      const message = 'Temporal ran this send try again; its first run may have reached Seam';
      if (!mayRepeatCommand(request.action))
        throw outcomeUnknown(operation, ApplicationFailure.create({ message }), { commandMayHaveReachedSeam: true });
      return unsentTry('SEND_TRY_RETRIED', message, { mayHaveReachedSeam: true });
    }
    // A door's command serves lock actions in their own traces: the try's span names them.
    if (request.requesters)
      trace.getActiveSpan()?.setAttribute(
        'lockstep.requesters',
        request.requesters.map((r) => r.workflowId),
      );
    const sendBy = Date.parse(request.sendBy);
    // An unlock's announcement and the requester check run side by side: when the command leaves,
    // each answer is at most as old as the slower of the two. In sequence, the first would be
    // older by the whole second: a cancel missed, or an announced try not yet sent, for that long.
    const [unannounced, wanted] = await Promise.all([
      announce ? announceSend() : undefined,
      request.requesters ? anyStillWants(request.requesters) : true,
    ]);
    if (!wanted) {
      throw ApplicationFailure.nonRetryable(
        'every lock action this command was for was cancelled before it was sent; nothing was sent',
        'CANCELLED',
      );
    }
    if (unannounced) return unannounced;
    if (wanted === 'unknown')
      return unsentTry(
        'REQUESTERS_UNCONFIRMED',
        'Temporal could not confirm that a lock action still wants this command; nothing was sent',
      );
    const now = Date.now();
    if (!maySend(now, sendBy)) {
      throw deadlinePassed(
        request.action,
        request.deviceId,
        `less than ${minSendWindowMs + sendSlackMs} ms remain before its send-by deadline ${request.sendBy}`,
        { sendBy: request.sendBy },
      );
    }
    let sent: Sent;
    try {
      const { actionAttempt, commandSentAt } = await seam.boundedUntil(sendAbortAtMs(sendBy), () =>
        sendOnce(request.deviceId, request.action),
      );
      sent = { sent: true, actionAttempt, commandSentAt };
    } catch (err) {
      const failure = toSeamFailure(err, operation);
      const delivery = deliveryOf(err);
      if (delivery === 'rejected') throw failure;
      const details = failure.details?.[0] as ActivityFailureDetails | undefined;
      if (delivery === 'maybe_delivered' && !mayRepeatCommand(request.action)) {
        throw outcomeUnknown(operation, failure, { ...details, commandMayHaveReachedSeam: true });
      }
      return unsentTry(failure.type ?? 'SEAM_CALL_FAILED', failure.message, {
        mayHaveReachedSeam: delivery === 'maybe_delivered',
        seamRequestId: details?.seamRequestId ?? null,
      });
    }
    const { thenWatch } = request;
    if (!thenWatch || sent.actionAttempt.status !== 'pending') return sent;
    if (options.push) return { ...sent, pushed: true };
    const { actionAttemptId } = sent.actionAttempt;
    // The attempt, durable from here on: the SDK's first heartbeat for this try (never throttled).
    Context.current().heartbeat({ actionAttemptId, commandSentAt: sent.commandSentAt } satisfies SentCommand);
    try {
      const watched = await watchAttempt({
        actionAttemptId,
        deviceId: request.deviceId,
        windowMs: thenWatch.windowMs,
        readBackLockedState: thenWatch.readBackLockedState,
        ...(thenWatch.verdictTo ? { verdictTo: { ...thenWatch.verdictTo, commandSentAt: sent.commandSentAt } } : {}),
      });
      return { ...sent, watched };
    } catch {
      // Sent all the same: never let a watch's fault read as "not sent".
      return { ...sent, watched: { actionAttempt: sent.actionAttempt, reads: 0 } };
    }
  }

  return {
    checkDevice,

    /**
     * The device check of a lock action started since `check-at-door`: the same check, and —
     * when the device can act — the request handed to its door (signal-with-start) in the same
     * activity: one workflow task and one signal fewer than knocking from workflow code after the
     * check, and no `openDoor`. A retry may deliver the request twice; the door takes it once.
     */
    async checkDeviceAtDoor(request: CheckAtDoorRequest): Promise<DoorCheck> {
      // A retry follows a try that may have handed the request over (and then timed out or died).
      const retry = Context.current().info.attempt > 1;
      try {
        const check = await checkDevice(request);
        if (!assessCapability(check.capability, request.action).act)
          return { ...check, knocked: false, doorMayHoldRequest: retry };
        await knockAtDoor(request, check);
        return { ...check, knocked: true, doorMayHoldRequest: true };
      } catch (err) {
        throw retry ? markDoorMayHoldRequest(err) : err;
      }
    },

    /** `devices.get`, reduced to what decides whether the device can act now. */
    captureCapabilitySnapshot,

    /** One send try (see sendTry). */
    sendCommandTry: (request: SendTryRequest) => sendTry(request, false),

    /**
     * An unlock's send try since the door's `announced-unlock-send`: the same try, which, beside
     * its requester check, has Temporal record in its heartbeat that it is about to send
     * ({@link SendAnnouncement}), and sends only once Temporal has answered. A try that times out with no heartbeat at all
     * (its task lost between Temporal and a worker, or its worker gone before the announcement)
     * has certainly not sent, and its door may try again within the deadline instead of ending
     * COMMAND_OUTCOME_UNKNOWN. Its own activity type: a worker from before it, which sends
     * without announcing, cannot run it (it fails "not registered" instead of sending).
     */
    sendCommandTryAnnounced: (request: SendTryRequest) => sendTry(request, true),

    /**
     * The attempt that the calling workflow's pending send try `activityId` heartbeated
     * ({@link SendTryRequest.thenWatch}), read from Temporal; null while it has named no attempt
     * (nothing heartbeated, or only an unlock's announcement: its send may still be in flight) or
     * is no longer pending. A door asks (as a local activity) when a cancel stops waiting for the
     * try: the try learns of a cancel only from a heartbeat's answer, so it usually goes on watching.
     */
    async attemptSentByPendingTry(request: { activityId: string }): Promise<SentCommand | null> {
      const { client, info } = Context.current();
      if (!info.workflowExecution) return null;
      const { workflowId, runId } = info.workflowExecution;
      const described = await client.workflowService.describeWorkflowExecution({
        namespace: info.workflowNamespace,
        execution: { workflowId, runId },
      });
      const pending = described.pendingActivities?.find((a) => a.activityId === request.activityId);
      if (!pending?.heartbeatDetails?.payloads?.length) return null;
      const details = await decodeFromPayloadsAtIndex<unknown>(
        client.options.loadedDataConverter,
        0,
        pending.heartbeatDetails.payloads,
      );
      return sentCommandOf(details);
    },

    /**
     * Reads a just-sent attempt in process for `windowMs` (no workflow tasks, timers or history
     * while it waits) and returns it as last seen. Never fails once started: a read error ends
     * the watch and the workflow's durable polling goes on. It does not heartbeat: the workflow
     * abandons it on cancel (it only reads), and a dead worker shows as its start-to-close timeout.
     */
    watchActionAttempt: watchAttempt,

    /**
     * The command activity of workflows started before the send-by deadline existed (kept until
     * they have all finished): sends lock_door / unlock_door with in-process retries, then
     * watches the attempt for up to `watchWindowMs`. Once Seam has accepted the command nothing
     * fails it. Never retried by Temporal; its first heartbeat names the attempt.
     */
    async sendCommand(request: SendCommandRequest): Promise<CommandOutcome> {
      const { actionAttempt, ...sent } = await legacySend(request);
      Context.current().heartbeat(sent);
      const watched = await watch(sent.actionAttemptId, actionAttempt, request.watchWindowMs, () =>
        Context.current().heartbeat(sent),
      );
      return {
        ...(await observe(watched.actionAttempt, request.deviceId, request.readBackLockedState, watched.reads)),
        commandSentAt: sent.commandSentAt,
      };
    },

    /** One `action_attempts/get` (no SDK waiting), with the lock state read back on success. */
    async readActionAttempt(request: ReadActionAttemptRequest): Promise<AttemptObservation> {
      const actionAttempt = await readAttempt(request.actionAttemptId);
      // Pushed: how long from Seam's end to this read seeing it (the webhook, the door, this read).
      if (request.endedAt && isFinalStatus(actionAttempt.status))
        metrics.attemptEnded(Date.now() - Date.parse(request.endedAt));
      return tellRequesters(
        request.verdictTo,
        await observe(actionAttempt, request.deviceId, request.readBackLockedState, 1),
      );
    },
  };
}

/** What an announced send try heartbeats before it sends: that it is about to (its presence is what counts). */
export interface SendAnnouncement {
  aboutToSend: true;
  at: string;
}

/**
 * Has Temporal record, as the running try's heartbeat, that it is about to send, and waits for
 * Temporal's answer (the core SDK's own heartbeats are not awaited). Undefined once recorded;
 * otherwise an outcome that sends nothing — Temporal unreachable, the try no longer running
 * there (timed out already: the workflow has concluded it never sent), or recorded but paused or
 * reset by an operator meanwhile (the client's error says which) — or CANCELLED.
 */
async function announceSend(): Promise<SendTryOutcome | undefined> {
  const { client, info } = Context.current();
  const announcement: SendAnnouncement = { aboutToSend: true, at: new Date().toISOString() };
  try {
    await boundedTemporalCall(sendAnnounceTimeoutMs, () => client.activity.heartbeat(info.taskToken, announcement));
    return undefined;
  } catch (err) {
    if (err instanceof ActivityCancelledError)
      throw ApplicationFailure.nonRetryable(
        'the send try was cancelled before it was sent; nothing was sent',
        'CANCELLED',
      );
    return unsentTry(
      'SEND_NOT_ANNOUNCED',
      `Temporal did not confirm that the try was about to send (${err instanceof Error ? err.message : String(err)}); nothing was sent`,
    );
  }
}

/**
 * A call to Temporal from an activity, bounded in total at `ms`: the worker's connection retries
 * some errors by itself (each retry under the gRPC deadline), so a timer bounds the whole. A call
 * abandoned at the bound may still reach Temporal later.
 */
async function boundedTemporalCall<T>(ms: number, call: () => Promise<T>): Promise<T> {
  const { client } = Context.current();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Temporal within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([client.withDeadline(Date.now() + ms, call), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Hands the checked request to its door; a door that cannot be reached may have it all the same. */
async function knockAtDoor(request: CheckAtDoorRequest, check: DeviceCheck): Promise<void> {
  const doorRequest: DoorRequest = {
    requester: request.door.requester,
    action: request.action,
    plan: check.plan,
    sendBy: sendByMs(Date.parse(request.workflowStartedAt), check.plan),
    capability: check.capability,
  };
  try {
    await deliverToDoor({ request: doorRequest, taskQueue: request.door.taskQueue });
  } catch (err) {
    throw ApplicationFailure.retryable(
      `its door ${doorWorkflowId(check.plan.deviceId)} could not be reached (${err instanceof Error ? err.message : String(err)}); the lock action asks it before it concludes`,
      'DOOR_UNREACHABLE',
      { doorMayHoldRequest: true } satisfies ActivityFailureDetails,
    );
  }
}

/** The same failure, saying that an earlier try may have handed the request to the door. */
function markDoorMayHoldRequest(err: unknown): ApplicationFailure {
  const failure = err instanceof ApplicationFailure ? err : undefined;
  const details = (failure?.details?.[0] as ActivityFailureDetails | undefined) ?? {};
  return ApplicationFailure.create({
    type: failure?.type ?? (err instanceof Error ? err.name : 'Error'),
    message: err instanceof Error ? err.message : String(err),
    nonRetryable: failure?.nonRetryable ?? false,
    details: [{ ...details, doorMayHoldRequest: true } satisfies ActivityFailureDetails],
  });
}

function commandOperation(action: LockAction): string {
  return action === 'LOCK_DOOR' ? 'locks.lock_door' : 'locks.unlock_door';
}

/**
 * The lock actions' activities over every Seam workspace the worker serves: each call runs in
 * the workspace its request names (`workspace`, from the plan; the default one when absent).
 * - A check resolves the workspace only once the input is valid: an invalid input is
 *   INVALID_INPUT, and an alias the worker does not serve is UNKNOWN_WORKSPACE, before any Seam
 *   call. A send try in a workspace this worker does not serve sends nothing (UNKNOWN_WORKSPACE).
 * - Once a command may be out, a worker that does not serve its workspace (a fleet mid-deploy,
 *   an alias renamed) must not end the action as if nothing had happened: its reads fail as a
 *   retryable SEAM_UNAVAILABLE, so another worker may take them, and the action polls on to its
 *   deadline like any Seam outage, ending "check the door" if no read gets through.
 */
export function createActivities(
  workspaces: SeamWorkspaces,
  metrics: LockstepMetrics = noMetrics,
  options: ActivityOptions = {},
) {
  const sets = new Map<string, ReturnType<typeof workspaceActivities>>();
  const inWorkspace = (alias: string | undefined) => {
    const { alias: key, seam } = workspaces.resolve(alias);
    let set = sets.get(key);
    if (!set) sets.set(key, (set = workspaceActivities(seam, metrics, options)));
    return set;
  };
  const forCheck = (request: CheckDeviceRequest) => {
    const checked = checkLockActionInput(request.input, { extraArguments: request.extraArguments });
    return inWorkspace(checked.ok ? checked.plan.workspace : workspaces.anyAlias);
  };
  const afterSend = (alias: string | undefined) => {
    try {
      return inWorkspace(alias);
    } catch (err) {
      throw ApplicationFailure.retryable(
        `${err instanceof Error ? err.message : String(err)}; a command may be out, so another worker may read it`,
        'SEAM_UNAVAILABLE',
      );
    }
  };
  return {
    checkDevice: (request: CheckDeviceRequest) => forCheck(request).checkDevice(request),
    checkDeviceAtDoor: (request: CheckAtDoorRequest) => {
      let set;
      try {
        set = forCheck(request);
      } catch (err) {
        // As the check itself: an earlier try (on a worker that serves it) may have handed the request over.
        throw Context.current().info.attempt > 1 ? markDoorMayHoldRequest(err) : err;
      }
      return set.checkDeviceAtDoor(request);
    },
    captureCapabilitySnapshot: (deviceId: string, workspace?: string) =>
      afterSend(workspace).captureCapabilitySnapshot(deviceId),
    sendCommandTry: (request: SendTryRequest) => inWorkspace(request.workspace).sendCommandTry(request),
    sendCommandTryAnnounced: (request: SendTryRequest) =>
      inWorkspace(request.workspace).sendCommandTryAnnounced(request),
    // Reads Temporal, not Seam.
    attemptSentByPendingTry: (request: { activityId: string }) =>
      inWorkspace(workspaces.anyAlias).attemptSentByPendingTry(request),
    watchActionAttempt: (request: WatchRequest) => afterSend(request.workspace).watchActionAttempt(request),
    // Legacy: its workflows started before workspaces existed, in the default one.
    sendCommand: (request: SendCommandRequest) => inWorkspace(undefined).sendCommand(request),
    readActionAttempt: (request: ReadActionAttemptRequest) => afterSend(request.workspace).readActionAttempt(request),
  };
}

export type LockstepActivities = ReturnType<typeof createActivities>;

const sendTryActivityTypes: ReadonlySet<string> = new Set<keyof LockstepActivities>([
  'sendCommandTry',
  'sendCommandTryAnnounced',
]);

/** Whether an activity type sends a command (a history that schedules one may have sent). */
export function isSendTry(activityType: string | null | undefined): boolean {
  return activityType != null && sendTryActivityTypes.has(activityType);
}

/**
 * Whether any of these lock actions still wants its command: running, and no cancel requested.
 * A cancel reaches a door one signal later than its lock action; this closes that gap just before
 * a send (an unlock's announcement, beside it, may answer later). It fails closed: a requester Temporal cannot describe (after a few quick
 * tries) leaves the answer `unknown`, and the try sends nothing (the workflow tries again after
 * its back-off, within the deadline). A requester Temporal does not know wants nothing.
 */
async function anyStillWants(requesters: Requester[]): Promise<boolean | 'unknown'> {
  // A `lockAction` update is withdrawn inside the door itself: while the door runs its command, it wants it.
  if (requesters.some(isUpdateRequester)) return true;
  const states = await Promise.all(requesters.map(stillWants));
  if (states.includes(true)) return true;
  return states.includes('unknown') ? 'unknown' : false;
}

async function stillWants(execution: { workflowId: string; runId: string }): Promise<boolean | 'unknown'> {
  const { client, info } = Context.current();
  for (let tryIndex = 0; tryIndex < requesterDescribeTries; tryIndex++) {
    try {
      // Each try bounded: with the send after them they fit the send try (see timing-budget.ts).
      const described = await boundedTemporalCall(requesterDescribeTimeoutMs, () =>
        client.workflowService.describeWorkflowExecution({ namespace: info.workflowNamespace, execution }),
      );
      const running =
        described.workflowExecutionInfo?.status ===
        temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      return running && !described.workflowExtendedInfo?.cancelRequested;
    } catch (err) {
      if (isGrpcNotFound(err)) return false;
      if (tryIndex + 1 < requesterDescribeTries)
        await new Promise((resolve) => setTimeout(resolve, requesterDescribePauseMs));
    }
  }
  return 'unknown';
}

/**
 * A door's observation of an attempt that ended, told to its lock actions at once (the door's
 * own workflow task stays off the path from "Seam says it ended" to the caller's result). Only
 * when every lock action was told (or is gone) does the door leave them be (`verdictsSent`).
 */
async function tellRequesters(
  to: WatchRequest['verdictTo'],
  observation: AttemptObservation,
): Promise<AttemptObservation> {
  if (!to || observation.actionAttempt.status === 'pending') return observation;
  return (await signalVerdicts(to, observation)) ? { ...observation, verdictsSent: true } : observation;
}

/**
 * Signals the door's verdict for an attempt that ended to each lock action it was for; each gets
 * one signal, as from the door. Whether each was told or is gone (a lock action no longer running
 * needs no answer): false when a signal failed otherwise (this worker shutting down, Temporal
 * unreachable), and the door answers them itself.
 */
async function signalVerdicts(
  to: NonNullable<WatchRequest['verdictTo']>,
  observation: AttemptObservation,
): Promise<boolean> {
  const { client } = Context.current();
  const facts: CommandFacts = {
    ...to.facts,
    polls: to.facts.polls + observation.reads,
    actionAttemptId: observation.actionAttempt.actionAttemptId,
    lastStatus: observation.actionAttempt.status,
  };
  // A `lockAction` update is answered by the door, in the update itself.
  const lockActions = to.requesters.filter((requester) => !isUpdateRequester(requester));
  const told = await Promise.all(
    lockActions.map(async (requester) => {
      const verdict: DoorVerdict = {
        requester,
        kind: 'observed',
        actionAttempt: observation.actionAttempt,
        lockedAfter: observation.lockedAfter ?? null,
        commandSentAt: to.commandSentAt,
        facts,
      };
      try {
        await client.workflow.getHandle(requester.workflowId, requester.runId).signal(doorVerdictSignalName, verdict);
        return true;
      } catch (err) {
        const gone = err instanceof WorkflowNotFoundError;
        log.warn(
          gone
            ? 'could not signal a verdict (the lock action is no longer running)'
            : 'could not signal a verdict; the door answers',
          {
            requester: requester.workflowId,
            error: err instanceof Error ? err.message : String(err),
          },
        );
        return gone;
      }
    }),
  );
  return told.every(Boolean);
}
