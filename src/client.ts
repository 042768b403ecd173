/**
 * Typed helpers for services that start lock actions from TypeScript. Other languages need
 * none of this: start `LockDoorWorkflow` / `UnlockDoorWorkflow` by name with plain JSON (see
 * the README); these helpers add input validation before anything starts, idempotent starts,
 * and results that never need parsing from messages.
 */
import { doorQueryName, doorWorkflowId, type DoorView } from './contract/door';
import { deviceIdsKey } from './contract/search-attributes';
import {
  Client as TemporalClient,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
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
  const checked = checkLockActionInput(input, { nowMs: Date.now() });
  if (!checked.ok) throw new LockActionInputError(checked.issues);
  const requestId = input.requestId ?? randomUUID();
  const workflowId = lockActionWorkflowId(action, checked.plan.deviceId, requestId);
  try {
    return await client.workflow.start(workflowTypes[action], {
      args: [{ ...input, requestId }],
      taskQueue: options.taskQueue ?? defaultTaskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Findable by device while it runs (it writes its outcome at the end).
      typedSearchAttributes: [{ key: deviceIdsKey, value: [checked.plan.deviceId] }],
      staticSummary: `${describeAction(action)} ${checked.plan.deviceId}${checked.plan.notAfter ? ` (not after ${checked.plan.notAfter})` : ''}`,
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

/** The failure report a failed lock action carries, or undefined for any other error. */
export function failureReportOf(err: unknown): FailureReport | undefined {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
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
