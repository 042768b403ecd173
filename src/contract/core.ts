/**
 * The zod-free core of the contract: names, codes, defaults and the workflow-ID scheme.
 *
 * The workflow sandbox imports only this. Every module a workflow imports is evaluated again
 * for each workflow execution, and zod's (plus our schemas') cost ~20 ms of workflow-thread CPU
 * per workflow — on 2 cores, the difference between starting a burst of lock actions in 0.3 s
 * or in 1 s (measured by `make bench`). The schemas live in ./index.ts.
 */

export const defaultTaskQueue = 'lock-actions';
export const taskQueueEnvVar = 'LOCKSTEP_TASK_QUEUE';

export const workflowTypes = {
  LOCK_DOOR: 'LockDoorWorkflow',
  UNLOCK_DOOR: 'UnlockDoorWorkflow',
  DOOR: 'DoorWorkflow',
  RESERVATION: 'ReservationWorkflow',
  /** One run of a door schedule: a lock or unlock action per door (src/contract/schedules.ts). */
  SCHEDULED_DOOR_ACTION: 'ScheduledDoorActionWorkflow',
} as const;

export const lockActions = ['LOCK_DOOR', 'UNLOCK_DOOR'] as const;
export type LockAction = (typeof lockActions)[number];

export function describeAction(action: LockAction): 'lock' | 'unlock' {
  return action === 'LOCK_DOOR' ? 'lock' : 'unlock';
}

/** A Seam action attempt's status: `pending` until it ends in `success` or `error`. */
export const actionAttemptStatuses = ['pending', 'success', 'error'] as const;

/** Signal a caller (or the webhook receiver) sends when Seam says the attempt ended. */
export const actionAttemptEndedSignalName = 'actionAttemptEnded';
/** Query that returns {@link Progress}. */
export const progressQueryName = 'progress';

/** The lock action a workflow type name stands for; undefined for any other type. */
export function lockActionOfWorkflowType(workflowType: string): LockAction | undefined {
  return lockActions.find((action) => workflowTypes[action] === workflowType);
}

/**
 * What a device id or request id may hold: it becomes part of a workflow ID, so no `/` (the
 * separator of {@link lockActionWorkflowId}) and no spaces.
 */
export const identifierPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** A Svix signing secret as Seam shows it: `whsec_` and base64 (config and the simulator check it). */
export const webhookSecretPattern = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Whether a Temporal service call failed NOT_FOUND (gRPC status 5): no such running workflow. */
export function isGrpcNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 5;
}
export const identifierMaxLength = 200;

/** Whether `value` is a valid identifier (a device id, a request id): the pattern, at most the length. */
export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.length <= identifierMaxLength && identifierPattern.test(value);
}

/**
 * One workflow per device and request: a caller that retries with the same requestId addresses
 * the same execution, so the command reaches Seam once.
 */
export function lockActionWorkflowId(action: LockAction, deviceId: string, requestId: string): string {
  return `${describeAction(action)}/${deviceId}/${requestId}`;
}

/**
 * The inverse of {@link lockActionWorkflowId}: the action, device and request a lock action's
 * workflow ID names; undefined for an ID of another shape (device and request ids hold no `/`).
 */
export function parseLockActionWorkflowId(
  workflowId: string,
): { action: LockAction; deviceId: string; requestId: string } | undefined {
  const [prefix, deviceId, requestId, ...rest] = workflowId.split('/');
  const action = lockActions.find((a) => describeAction(a) === prefix);
  if (!action || !deviceId || !requestId || rest.length > 0) return undefined;
  return { action, deviceId, requestId };
}

/**
 * Defaults, and why:
 * - timeout 2 minutes: Seam's own SDK gives up waiting after 10 s, but battery locks behind
 *   hubs can take tens of seconds to wake; two minutes covers them without letting a stuck
 *   attempt hold a check-in automation for long.
 * - watch window 6 s: most attempts end within a few seconds (Seam's SDK waits 10 s by
 *   default). The command activity watches that long with fast in-process reads, which costs
 *   no workflow tasks, timers or history; only attempts still pending after it move to durable
 *   timers. 6 s stays under the 24 s heartbeat throttle, so the watch bills one heartbeat.
 * - durable poll 1 s growing x2 to 15 s: an attempt pending past the watch window is a slow
 *   device; backing off keeps Seam reads (rate-limited) and billable timer+activity pairs to
 *   about a dozen per two minutes, while a webhook signal still ends the wait at once.
 */
export const inputDefaults = {
  timeoutMs: 2 * 60_000,
  watchWindowMs: 6_000,
  pollInterval: { initialMs: 1_000, maxMs: 15_000, multiplier: 2 },
  verifyLockedState: true,
} as const;

/** The input with every default applied: what the workflow acts on. */
export interface LockActionPlan {
  deviceId: string;
  requestId?: string;
  notAfter?: string;
  timeoutMs: number;
  watchWindowMs: number;
  pollInterval: { initialMs: number; maxMs: number; multiplier: number };
  verifyLockedState: boolean;
  metadata: Record<string, string>;
  /** The Seam workspace's alias; the worker's default workspace when absent. */
  workspace?: string;
}

/**
 * A Seam workspace's alias (LOCKSTEP_SEAM_WORKSPACES): lower-case letters, digits, `_` and `-`,
 * at most 63, and never `seam_...` or `whsec_...`: a key or webhook secret pasted where an
 * alias goes is refused, not recorded.
 */
export const workspaceAliasPattern = /^(?!seam_|whsec_)[a-z0-9][a-z0-9_-]{0,62}$/;

/** The optional `workspace` field of a plan, an input or a request: present only when one is named. */
export function workspaceField(workspace: string | undefined): { workspace?: string } {
  return workspace !== undefined ? { workspace } : {};
}

/**
 * Stable failure codes: the `type` of the workflow's `ApplicationFailure`. Callers branch on
 * these, never on messages. Keep the README's table in step.
 */
export const failureCodes = [
  'INVALID_INPUT',
  'UNKNOWN_WORKSPACE',
  'DEADLINE_PASSED',
  'CAPABILITY_MISSING',
  'DEVICE_OFFLINE',
  'DEVICE_NOT_FOUND',
  'UNAUTHORIZED',
  'INVALID_REQUEST',
  'SEAM_REJECTED',
  'SEAM_UNAVAILABLE',
  'SEAM_RESPONSE_INVALID',
  'COMMAND_OUTCOME_UNKNOWN',
  'ACTION_ATTEMPT_FAILED',
  'ACTION_ATTEMPT_TIMED_OUT',
  'CANCELLED',
  'SUPERSEDED',
] as const;
export type FailureCode = (typeof failureCodes)[number];

/**
 * Phases a lock action reports through the `progress` query: `checking` (input and device),
 * `door` (its request is with its door, `door/<deviceId>`, waiting its turn or being sent and
 * followed there: the door's `door` query shows which), `commanding` (send tries and the back-off between them), `watching` (fast reads right after
 * the send), `polling` (durable timers), `done`.
 */
export const progressPhases = ['checking', 'door', 'commanding', 'watching', 'polling', 'done'] as const;

/**
 * lockstep's own warning codes in a result's `warnings`, next to the device's. Keep the
 * README's list in step.
 */
export const lockstepWarnings = {
  /** Seam said success, but the door reads back in the other state. */
  lockedStateMismatch: 'lockstep_locked_state_mismatch',
  /** The attempt never ended; the door's own state shows the action took effect. */
  confirmedByDeviceState: 'lockstep_confirmed_by_device_state',
  /** A device_state success on a door that was in that state before the command. */
  alreadyInDesiredState: 'lockstep_already_in_desired_state',
  /** The success was first seen at or after `notAfter`: the door may have moved after the deadline. */
  succeededAfterNotAfter: 'lockstep_succeeded_after_not_after',
  /** A lock try may have reached Seam without an answer and was sent again: Seam may hold two attempts (harmless for a lock). */
  lockResent: 'lockstep_lock_resent',
} as const;

/**
 * What a failed activity hands the workflow in its `ApplicationFailure`'s `details[0]`: the
 * activities build it (src/activities/, src/activities/seam/errors.ts), the workflow reads it
 * (src/workflows/failures.ts) into the lock action's failure report.
 */
export interface ActivityFailureDetails {
  /** The Seam route that failed, e.g. `locks.unlock_door`. */
  operation?: string;
  /** The HTTP status Seam answered; null when no answer came. */
  statusCode?: number | null;
  /** Seam's own error type (`device_not_found`, ...). */
  seamErrorType?: string | null;
  /** Seam's request id, to quote to Seam support. */
  seamRequestId?: string | null;
  /** The command may have reached Seam although it failed: the report's `commandSent` becomes null. */
  commandMayHaveReachedSeam?: boolean;
  /** Why the input is invalid, one line per issue (INVALID_INPUT). */
  issues?: string[];
  /** The deadline a DEADLINE_PASSED refusal was judged against (ISO-8601). */
  sendBy?: string;
  /**
   * A device check that hands the request to the door failed on a retry: an earlier try may have
   * handed it over, so the lock action asks its door before it concludes.
   */
  doorMayHoldRequest?: boolean;
  notAfter?: string;
}

/**
 * What the command activity heartbeats the moment Seam accepts the command. It is the first
 * heartbeat the SDK sends for the activity (an unlock's try announced its send before, through
 * the client), so it reaches the server at once; if the activity then dies, the workflow finds
 * it in the timeout failure's last heartbeat details and polls that attempt.
 */
export interface SentCommand {
  actionAttemptId: string;
  commandSentAt: string;
}

/** The command a send said it sent, from heartbeat details; null when they name none. */
export function sentCommandOf(heartbeatDetails: unknown): SentCommand | null {
  const details = heartbeatDetails as Partial<Record<keyof SentCommand, unknown>> | null | undefined;
  if (typeof details?.actionAttemptId !== 'string' || typeof details?.commandSentAt !== 'string') return null;
  return { actionAttemptId: details.actionAttemptId, commandSentAt: details.commandSentAt };
}

/**
 * A send try that sent nothing (it was not accepted): whether it may have reached Seam all the
 * same, and Seam's request ID when one came back.
 */
export interface UnsentTry {
  sent: false;
  mayHaveReachedSeam: boolean;
  failureType: string;
  message: string;
  seamRequestId: string | null;
}

/** An {@link UnsentTry}; by default one that cannot have reached Seam (safe to try again). */
export function unsentTry(
  failureType: string,
  message: string,
  {
    mayHaveReachedSeam = false,
    seamRequestId = null,
  }: Partial<Pick<UnsentTry, 'mayHaveReachedSeam' | 'seamRequestId'>> = {},
): UnsentTry {
  return { sent: false, mayHaveReachedSeam, failureType, message, seamRequestId };
}

/** A sent attempt as known before any read of it: pending. */
export function pendingAttempt(actionAttemptId: string) {
  return { actionAttemptId, status: 'pending' as const, wasConfirmedByDevice: null, error: null };
}
