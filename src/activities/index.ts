/**
 * lockstep's activities: every Seam call a lock action makes. Built by
 * `createActivities(seam)` so the client (and its API key) lives in the worker process only;
 * workflows see none of it.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import type { ActionAttemptView, CapabilitySnapshot, LockAction } from '../contract';
import { isFinalStatus, isPastNotAfter, nextWaitMs, type Backoff } from '../decisions';
import type { SeamClient } from './seam-client';
import { callSeam, isTransientFailureType } from './seam-errors';
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
  /** ISO-8601; the command is refused at or after it, checked right before each send. */
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

/** What the command activity records in its heartbeat: a retry must not send again. */
const sentCommandSchema = z.object({ actionAttemptId: z.string(), commandSentAt: z.string() });
type SentCommand = z.infer<typeof sentCommandSchema>;

export function createActivities(seam: SeamClient) {
  async function readAttempt(actionAttemptId: string): Promise<ActionAttemptView> {
    const attempt = await callSeam('action_attempts.get', () =>
      seam.actionAttempts.get({ action_attempt_id: actionAttemptId }, { waitForActionAttempt: false }),
    );
    return toActionAttemptView(attempt);
  }

  async function captureCapabilitySnapshot(deviceId: string): Promise<CapabilitySnapshot> {
    const device = await callSeam('devices.get', () => seam.devices.get({ device_id: deviceId }));
    return toCapabilitySnapshot(device);
  }

  /** The attempt as it is now, with the lock state read back when it has just succeeded. */
  async function observe(actionAttempt: ActionAttemptView, deviceId: string, readBack: boolean, reads: number): Promise<AttemptObservation> {
    if (actionAttempt.status !== 'success' || !readBack) return { actionAttempt, reads };
    const { locked } = await captureCapabilitySnapshot(deviceId);
    return { actionAttempt, reads, lockedAfter: locked };
  }

  async function sendOnce(request: SendCommandRequest): Promise<SentCommand & { actionAttempt: ActionAttemptView }> {
    // Checked here, immediately before the HTTP call, on every attempt: a retry that lands
    // after the deadline must not open a door.
    if (isPastNotAfter(request.notAfter, Date.now())) {
      throw ApplicationFailure.nonRetryable(
        `refusing to send ${request.action} to ${request.deviceId}: notAfter ${request.notAfter} has passed`,
        'DEADLINE_PASSED',
        { notAfter: request.notAfter },
      );
    }
    const params = { device_id: request.deviceId };
    const options = { waitForActionAttempt: false } as const;
    const response = await callSeam(request.action === 'LOCK_DOOR' ? 'locks.lock_door' : 'locks.unlock_door', () =>
      request.action === 'LOCK_DOOR' ? seam.locks.lockDoor(params, options) : seam.locks.unlockDoor(params, options),
    );
    const actionAttempt = toActionAttemptView(response);
    return { actionAttemptId: actionAttempt.actionAttemptId, commandSentAt: new Date().toISOString(), actionAttempt };
  }

  return {
    /** `devices.get`, reduced to what decides whether the device can act now. */
    captureCapabilitySnapshot,

    /**
     * Sends lock_door / unlock_door once, then watches the attempt for up to
     * `watchWindowMs` with fast reads. The attempt id goes into a heartbeat the moment Seam
     * accepts the command, so a retry of this activity (worker crash, timeout) resumes the
     * watch instead of sending again. Cancellation (delivered with a heartbeat) or worker
     * shutdown ends the watch early and returns what was seen: the workflow decides next.
     */
    async sendCommand(request: SendCommandRequest): Promise<CommandOutcome> {
      const ctx = Context.current();
      const recorded = sentCommandSchema.safeParse(ctx.info.heartbeatDetails);
      let sent: SentCommand;
      let actionAttempt: ActionAttemptView;
      let reads = 0;
      if (recorded.success) {
        sent = recorded.data;
        actionAttempt = await readAttempt(sent.actionAttemptId);
        reads++;
      } else {
        ({ actionAttempt, ...sent } = await sendOnce(request));
        ctx.heartbeat(sent);
      }

      const watchStartedMs = Date.now();
      const watchDeadlineMs = watchStartedMs + request.watchWindowMs;
      let watchReads = 0;
      while (!isFinalStatus(actionAttempt.status)) {
        const waitMs = nextWaitMs(watchBackoff, watchReads, Date.now(), watchDeadlineMs);
        if (waitMs === null) break;
        try {
          await ctx.sleep(waitMs);
        } catch (err) {
          if (err instanceof CancelledFailure) break;
          throw err;
        }
        watchReads++;
        try {
          actionAttempt = await readAttempt(sent.actionAttemptId);
          reads++;
        } catch (err) {
          // A blip during the watch costs nothing: the next read (or the durable poll) follows.
          if (err instanceof ApplicationFailure && isTransientFailureType(err.type)) continue;
          throw err;
        }
        ctx.heartbeat(sent);
      }
      return { ...(await observe(actionAttempt, request.deviceId, request.readBackLockedState, reads)), commandSentAt: sent.commandSentAt };
    },

    /** One `action_attempts/get` (no SDK waiting), with the lock state read back on success. */
    async readActionAttempt(request: ReadActionAttemptRequest): Promise<AttemptObservation> {
      const actionAttempt = await readAttempt(request.actionAttemptId);
      return observe(actionAttempt, request.deviceId, request.readBackLockedState, 1);
    },
  };
}

export type LockstepActivities = ReturnType<typeof createActivities>;
