/**
 * Typed helpers for services that start lock actions from TypeScript. Other languages need
 * none of this: start `LockDoorWorkflow` / `UnlockDoorWorkflow` by name with plain JSON (see
 * the README); these helpers add input validation before anything starts, idempotent starts,
 * and results that never need parsing from messages.
 */
import {
  doorQueryName,
  doorRollingOverType,
  doorSignalNames,
  doorStartOptions,
  doorUpdateId,
  doorUpdateNames,
  doorWorkflowId,
  doorWorkflowType,
  type DoorLockActionRequest,
  type DoorView,
  type DoorWithdrawal,
} from './contract/door';
import { deviceIdsKey } from './contract/search-attributes';
import {
  Client as TemporalClient,
  Connection,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type Client,
  type ConnectionOptions,
  type WorkflowClientInterceptor,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import {
  actionAttemptEndedSignalName,
  checkLockActionInput,
  describeAction,
  defaultTaskQueue,
  failureReportSchema,
  lockActionResultSchema,
  lockActionWorkflowId,
  progressQueryName,
  workflowTypes,
  type ActionAttemptEndedSignal,
  type FailureCode,
  type FailureReport,
  type LockAction,
  type LockActionInput,
  type LockActionResult,
  type Progress,
} from './contract';
import { sendByMs } from './decisions/sending';
import type { Env } from './ops/config';
import { temporalConnectConfig } from './ops/temporal-config';

export type LockActionOutcome =
  { ok: true; result: LockActionResult } | { ok: false; code: FailureCode; report: FailureReport };

/** Thrown before anything starts when the input would fail the workflow's own validation. */
export class LockActionInputError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid lock action input: ${issues.join('; ')}`);
    this.name = this.constructor.name;
  }
}

export const isLockActionInputError = (err: unknown): err is LockActionInputError =>
  err instanceof LockActionInputError;

/**
 * The input's plan and its requestId (a new one when the caller gave none).
 * @throws {LockActionInputError} when the input is invalid, or its notAfter has already passed.
 */
function checkedRequest(input: LockActionInput) {
  const checked = checkLockActionInput(input, { nowMs: Date.now() });
  if (!checked.ok) throw new LockActionInputError(checked.issues);
  return { plan: checked.plan, requestId: input.requestId ?? randomUUID() };
}

/** How to start a lock action. */
export interface StartOptions {
  /**
   * The task queue the lockstep workers poll.
   * @default 'lock-actions' (the workers' LOCKSTEP_TASK_QUEUE must match)
   */
  taskQueue?: string;
}

/**
 * Starts a lock action, or finds the one already started for the same device and requestId:
 * the workflow ID comes from both, a running twin is reused (USE_EXISTING) and a finished one
 * is never run again (REJECT_DUPLICATE), so a caller's retry never sends a second command.
 * Without a requestId each call is a new action.
 *
 * @throws {LockActionInputError} when the input is invalid, or its notAfter has already passed; nothing is started.
 */
export async function startLockAction(
  client: Client,
  action: LockAction,
  input: LockActionInput,
  options: StartOptions = {},
): Promise<WorkflowHandle> {
  const { plan, requestId } = checkedRequest(input);
  const workflowId = lockActionWorkflowId(action, plan.deviceId, requestId);
  try {
    return await client.workflow.start(workflowTypes[action], {
      args: [{ ...input, requestId }],
      taskQueue: options.taskQueue ?? defaultTaskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Findable by device while it runs (it writes its outcome at the end).
      typedSearchAttributes: [{ key: deviceIdsKey, value: [plan.deviceId] }],
      staticSummary: `${describeAction(action)} ${plan.deviceId}${plan.notAfter ? ` (not after ${plan.notAfter})` : ''}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
    throw err;
  }
}

/** Waits for a lock action and returns its typed result or failure report. */
export async function lockActionOutcome(handle: WorkflowHandle): Promise<LockActionOutcome> {
  try {
    return { ok: true, result: lockActionResultSchema.parse(await handle.result()) };
  } catch (err) {
    const report = failureReportOf(err);
    if (report) return { ok: false, code: report.code, report };
    throw err;
  }
}

/** Starts (or joins) a lock action and waits for its outcome. */
export async function executeLockAction(
  client: Client,
  action: LockAction,
  input: LockActionInput,
  options: StartOptions = {},
): Promise<LockActionOutcome> {
  return lockActionOutcome(await startLockAction(client, action, input, options));
}

/**
 * A lock action asked of its door directly: one update-with-start on `door/<deviceId>` (the door
 * is started if it is not running) that returns the lock action's result or typed failure. The
 * same input, validation, ordering, deadline and failure codes as {@link executeLockAction}, in
 * one workflow per lock instead of two (see the README, "Door ordering's cost"). The requestId
 * names the update: a caller's retry joins the first call while the door's run lasts, and is
 * refused (INVALID_INPUT, nothing sent) once the door has continued as new. Cancel with
 * {@link withdrawDoorLockAction}. Other SDKs do the same with the door's `lockAction` update
 * (the README's contract).
 *
 * @throws {LockActionInputError} when the input is invalid, or its notAfter has already passed; nothing reaches Temporal.
 */
export async function executeDoorLockAction(
  client: Client,
  action: LockAction,
  input: LockActionInput,
  options: StartOptions = {},
): Promise<LockActionOutcome> {
  const { plan, requestId } = checkedRequest(input);
  const { deviceId } = plan;
  // Asked again, it keeps the first call's send-by deadline (a door counts it from each arrival).
  const sendBy = sendByMs(Date.now(), plan);
  let pauseMs = doorRollOverPauseMs.first;
  for (let call = 1; ; call++) {
    const asked = call === 1 ? input : { ...input, notAfter: new Date(sendBy).toISOString() };
    const request: DoorLockActionRequest = { action, input: { ...asked, requestId } };
    try {
      const result = await client.workflow.executeUpdateWithStart(doorUpdateNames.lockAction, {
        args: [request],
        updateId: doorUpdateId(action, deviceId, requestId),
        startWorkflowOperation: new WithStartWorkflowOperation(doorWorkflowType, {
          ...doorStartOptions(deviceId, options.taskQueue ?? defaultTaskQueue),
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      return { ok: true, result: lockActionResultSchema.parse(result) };
    } catch (err) {
      // The door was continuing as new and took nothing: its next run takes the request, until
      // the deadline (past it, the door refuses it DEADLINE_PASSED, nothing sent).
      if (isRollingOver(err) && Date.now() < sendBy) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        pauseMs = Math.min(pauseMs * 2, doorRollOverPauseMs.max);
        continue;
      }
      const report = failureReportOf(err);
      if (report) return { ok: false, code: report.code, report };
      throw err;
    }
  }
}

/**
 * A door continues as new once the updates it serves have ended (seconds, or a command's whole
 * watch): asked again after these pauses, doubling. Each refused call is billed as an action.
 */
const doorRollOverPauseMs = { first: 250, max: 5_000 };

function isRollingOver(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    (err.cause as ApplicationFailure | undefined)?.type === doorRollingOverType
  );
}

/**
 * Cancels a lock action asked with {@link executeDoorLockAction} (the same action, device and
 * requestId): waiting, it leaves the door's queue and its call ends CANCELLED with nothing sent;
 * its command running alone, the command stops as a cancelled lock action's does; not yet at
 * the door (the update still on its way, or the door not started), it ends CANCELLED when it
 * comes. A signal-with-start: it reaches the door whether or not the door runs yet.
 */
export async function withdrawDoorLockAction(
  client: Client,
  action: LockAction,
  deviceId: string,
  requestId: string,
  options: StartOptions = {},
): Promise<void> {
  const withdrawal: DoorWithdrawal = { updateId: doorUpdateId(action, deviceId, requestId) };
  await client.workflow.signalWithStart(doorWorkflowType, {
    ...doorStartOptions(deviceId, options.taskQueue ?? defaultTaskQueue),
    signal: doorSignalNames.withdraw,
    signalArgs: [withdrawal],
  });
}

/** The failure report a failed lock action carries, or undefined for any other error. */
export function failureReportOf(err: unknown): FailureReport | undefined {
  const cause = err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const parsed = failureReportSchema.safeParse(cause.details?.[0]);
  return parsed.success ? parsed.data : undefined;
}

export function queryProgress(handle: WorkflowHandle): Promise<Progress> {
  return handle.query<Progress>(progressQueryName);
}

/** What a device's door knows, runs and holds (the `door` query of `door/<deviceId>`). */
export function queryDoor(client: Client, deviceId: string): Promise<DoorView> {
  return client.workflow.getHandle(doorWorkflowId(deviceId)).query<DoorView>(doorQueryName);
}

/** Tells a running lock action that Seam says its attempt ended; it reads the attempt at once. */
export function signalActionAttemptEnded(handle: WorkflowHandle, signal: ActionAttemptEndedSignal = {}): Promise<void> {
  return handle.signal(actionAttemptEndedSignalName, signal);
}

/** Cancels a lock action: before the command nothing is sent; after it, polling stops. */
export function cancelLockAction(handle: WorkflowHandle): Promise<unknown> {
  return handle.cancel();
}

/**
 * A client connected the Temporal way (`@temporalio/envconfig`: profile file plus TEMPORAL_*
 * variables, read from `env`, by default this process's environment); close `client.connection`
 * when done.
 *
 * @throws {ConfigError} when the Temporal configuration is malformed.
 */
export async function connectClient(
  env: Env = process.env,
  interceptors: WorkflowClientInterceptor[] = [],
): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnectConfig(env);
  const connection = await Connection.connect(connectionOptions as ConnectionOptions).catch((err: unknown) => {
    throw new Error(
      `could not reach Temporal at ${connectionOptions.address} (TEMPORAL_ADDRESS): ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  return new TemporalClient({ connection, namespace, interceptors: { workflow: interceptors } });
}

/** The handle of the lock action for this device and requestId (started or not). */
export function lockActionHandle(
  client: Client,
  action: LockAction,
  deviceId: string,
  requestId: string,
): WorkflowHandle {
  return client.workflow.getHandle(lockActionWorkflowId(action, deviceId, requestId));
}
export * from './reservation-client';
export * from './schedule-client';
