/**
 * lockstep's activities: every Seam call a lock action makes. Built by
 * `createActivities(seam)` so the client (and its API key) lives in the worker process only;
 * workflows see none of it.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { describeIssues, lockActionInputSchema, planFromInput, type ActionAttemptView, type CapabilitySnapshot, type LockAction, type LockActionPlan, type SentCommand } from '../contract';
import { isFinalStatus, isPastNotAfter, mayRepeatCommand, nextWaitMs, pollDelayMs, type Backoff } from '../decisions';
import type { SeamClient } from './seam-client';
import { callSeam, commandDelivery, toSeamFailure } from './seam-errors';
import { toActionAttemptView, toCapabilitySnapshot } from './seam-responses';

/**
 * Reads during the watch window: first soon (fast providers and Seam's fake finish at once),
 * then every 300 ms. A finished attempt is noticed ~150 ms after it ends on average, against
 * ~500 ms for the SDK's 1 s poll, for ~3 reads per second of pending time.
 */
export const watchBackoff: Backoff = { initialMs: 150, maxMs: 300, multiplier: 1.5 };

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
}

export interface CommandOutcome extends AttemptObservation {
  commandSentAt: string;
}

export interface ReadActionAttemptRequest {
  actionAttemptId: string;
  deviceId: string;
  readBackLockedState: boolean;
}

/**
 * Sends of one command activity: retried in process only while Seam cannot have received the
 * command (refused connection, 429, 503), or for a lock (locking twice is harmless). The
 * activity itself is never retried by Temporal, so no retry can re-send an unlock whose first
 * send may have gone through.
 */
export const commandSendBackoff: Backoff = { initialMs: 500, maxMs: 4_000, multiplier: 2 };
export const commandSendTries = 4;
/** Sends stop within this budget, well inside the command activity's 30 s heartbeat timeout. */
export const commandSendBudgetMs = 20_000;

export interface CheckDeviceRequest {
  /** The workflow's input exactly as the caller sent it. */
  input: unknown;
  action: LockAction;
}

export interface DeviceCheck {
  plan: LockActionPlan;
  capability: CapabilitySnapshot;
}

export function createActivities(seam: SeamClient) {
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
   * The attempt as it is now, with the lock state read back when it has just succeeded. The
   * read-back is best effort: Seam has already said success, so a failed read means "not
   * known" (null), never a failed action.
   */
  async function observe(actionAttempt: ActionAttemptView, deviceId: string, readBack: boolean, reads: number): Promise<AttemptObservation> {
    if (actionAttempt.status !== 'success' || !readBack) return { actionAttempt, reads };
    const lockedAfter = await captureCapabilitySnapshot(deviceId).then(
      (snapshot) => snapshot.locked,
      () => null,
    );
    return { actionAttempt, reads, lockedAfter };
  }

  function refuseIfTooLate(request: SendCommandRequest): void {
    // A request may take up to the timeout to reach Seam: start none that could land after
    // notAfter. Checked immediately before every send.
    if (isPastNotAfter(request.notAfter, Date.now() + requestTimeoutMs)) {
      throw ApplicationFailure.nonRetryable(
        `refusing to send ${request.action} to ${request.deviceId}: notAfter ${request.notAfter} has passed or is less than ${requestTimeoutMs} ms away`,
        'DEADLINE_PASSED',
        { notAfter: request.notAfter },
      );
    }
  }

  async function sendOnce(request: SendCommandRequest): Promise<SentCommand & { actionAttempt: ActionAttemptView }> {
    const params = { device_id: request.deviceId };
    const options = { waitForActionAttempt: false } as const;
    const response = await (request.action === 'LOCK_DOOR' ? http.locks.lockDoor(params, options) : http.locks.unlockDoor(params, options));
    const actionAttempt = toActionAttemptView(response);
    return { actionAttemptId: actionAttempt.actionAttemptId, commandSentAt: new Date().toISOString(), actionAttempt };
  }

  /** Sends the command; sends again only when Seam cannot have received it (or when re-locking is harmless). */
  async function send(request: SendCommandRequest): Promise<SentCommand & { actionAttempt: ActionAttemptView }> {
    const operation = request.action === 'LOCK_DOOR' ? 'locks.lock_door' : 'locks.unlock_door';
    let mayHaveReachedSeam = false;
    const startedMs = Date.now();
    for (let tryIndex = 0; ; tryIndex++) {
      refuseIfTooLate(request);
      try {
        return await sendOnce(request);
      } catch (err) {
        const failure = toSeamFailure(err, operation);
        // A 2xx we could not read (SEAM_RESPONSE_INVALID) was delivered all the same.
        const delivery = err instanceof ApplicationFailure ? 'maybe_delivered' : commandDelivery(err);
        if (delivery === 'rejected') throw failure;
        mayHaveReachedSeam ||= delivery === 'maybe_delivered';
        const details = { ...(failure.details?.[0] as object), commandMayHaveReachedSeam: mayHaveReachedSeam };
        // Locking twice is harmless; unlocking twice is not (a relocked door would open again).
        if (delivery === 'maybe_delivered' && !mayRepeatCommand(request.action)) {
          throw ApplicationFailure.nonRetryable(
            `${operation} may have reached Seam (${failure.message}); it is not sent again. Check the door.`,
            'COMMAND_OUTCOME_UNKNOWN',
            details,
          );
        }
        const delayMs = pollDelayMs(commandSendBackoff, tryIndex);
        const outOfBudget = Date.now() - startedMs + delayMs + requestTimeoutMs > commandSendBudgetMs;
        if (tryIndex + 1 >= commandSendTries || outOfBudget) throw ApplicationFailure.nonRetryable(failure.message, failure.type, details);
        await Context.current().sleep(delayMs);
      }
    }
  }

  /** Fast reads until the attempt ends, the window closes, a read fails, or the activity is cancelled. */
  async function watch(actionAttemptId: string, first: ActionAttemptView, windowMs: number, sent: SentCommand): Promise<{ actionAttempt: ActionAttemptView; reads: number }> {
    const ctx = Context.current();
    const deadlineMs = Date.now() + windowMs;
    let actionAttempt = first;
    let reads = 0;
    for (let readIndex = 0; !isFinalStatus(actionAttempt.status); readIndex++) {
      const waitMs = nextWaitMs(watchBackoff, readIndex, Date.now(), deadlineMs);
      if (waitMs === null) break;
      try {
        await ctx.sleep(waitMs);
        actionAttempt = await readAttempt(actionAttemptId);
        reads++;
      } catch {
        // Cancelled, shutting down, or Seam hiccuped: the workflow's durable polling takes over.
        break;
      }
      ctx.heartbeat(sent);
    }
    return { actionAttempt, reads };
  }

  return {
    /**
     * The lock action's first step: validates the caller's input with the contract's zod schema
     * (here, not in workflow code: see contract-core.ts), refuses a passed notAfter, and only
     * then reads the device. Invalid input never reaches Seam. The plan returned — input with
     * defaults applied — is recorded in the history, so the workflow replays with the defaults
     * it started with.
     */
    async checkDevice(request: CheckDeviceRequest): Promise<DeviceCheck> {
      const parsed = lockActionInputSchema.safeParse(request.input);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error);
        throw ApplicationFailure.nonRetryable(`invalid ${request.action} input: ${issues.join('; ')}`, 'INVALID_INPUT', { issues });
      }
      const plan = planFromInput(parsed.data);
      if (isPastNotAfter(plan.notAfter, Date.now())) {
        throw ApplicationFailure.nonRetryable(`notAfter ${plan.notAfter} has passed; no command was sent`, 'DEADLINE_PASSED', { notAfter: plan.notAfter });
      }
      return { plan, capability: await captureCapabilitySnapshot(plan.deviceId) };
    },

    /** `devices.get`, reduced to what decides whether the device can act now. */
    captureCapabilitySnapshot,

    /**
     * Sends lock_door / unlock_door, then watches the attempt for up to `watchWindowMs` with
     * fast reads. Once Seam has accepted the command nothing fails this activity: it returns
     * the attempt as last seen, and the workflow polls on. Never retried by Temporal (see
     * {@link commandSendTries}); if it dies after the send, its first heartbeat names the attempt.
     */
    async sendCommand(request: SendCommandRequest): Promise<CommandOutcome> {
      const { actionAttempt, ...sent } = await send(request);
      Context.current().heartbeat(sent);
      const watched = await watch(sent.actionAttemptId, actionAttempt, request.watchWindowMs, sent);
      return { ...(await observe(watched.actionAttempt, request.deviceId, request.readBackLockedState, watched.reads)), commandSentAt: sent.commandSentAt };
    },

    /** One `action_attempts/get` (no SDK waiting), with the lock state read back on success. */
    async readActionAttempt(request: ReadActionAttemptRequest): Promise<AttemptObservation> {
      const actionAttempt = await readAttempt(request.actionAttemptId);
      return observe(actionAttempt, request.deviceId, request.readBackLockedState, 1);
    },
  };
}

export type LockstepActivities = ReturnType<typeof createActivities>;
