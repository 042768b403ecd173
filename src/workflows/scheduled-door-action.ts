/**
 * One run of a door schedule: work out the time it acts for, then lock or unlock every door at
 * once, each through its own lock action (a child LockDoorWorkflow / UnlockDoorWorkflow), and
 * say how each door ended. The lock actions do the Seam work and keep their guarantees (one
 * unlock per request, no command after the send-by deadline); this script adds the schedule's
 * two rules: an unlock carries `notAfter` = scheduled time + unlock window, a lock carries none.
 */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { ApplicationFailure, ChildWorkflowFailure, executeChild, log, workflowInfo } from '@temporalio/workflow';
import type { LockActionInput, LockActionResult } from '../contract';
import { failureCodes, workflowTypes, type FailureCode } from '../contract/core';
import {
  checkScheduledDoorActionInput,
  lockActionOfDoorAction,
  scheduledLockActionWorkflowId,
  scheduledRequestId,
  scheduledStartTimeAttribute,
  type DoorAction,
  type DoorFailureCode,
  type DoorOutcome,
  type ScheduledDoorActionResult,
} from '../contract/scheduled-action';
import { scheduledNotAfter, scheduledTimeOf } from '../decisions';

const scheduledStartTimeKey = defineSearchAttributeKey(scheduledStartTimeAttribute, SearchAttributeType.DATETIME);

/** What every door's action in one run shares. */
interface ScheduledRun {
  scheduleId: string;
  scheduledAt: Date;
}

export async function runScheduledDoorAction(
  rawInput: unknown,
  extraArguments: number,
): Promise<ScheduledDoorActionResult> {
  const checked = checkScheduledDoorActionInput(rawInput, extraArguments);
  if (!checked.ok) {
    const message = `invalid scheduled door action input: ${checked.issues.join('; ')}`;
    throw ApplicationFailure.create({
      type: 'INVALID_INPUT',
      message,
      nonRetryable: true,
      details: [{ code: 'INVALID_INPUT', message, issues: checked.issues }],
    });
  }
  const { plan } = checked;
  const info = workflowInfo();
  const run: ScheduledRun = {
    scheduleId: plan.scheduleId,
    scheduledAt: scheduledTimeOf(info.typedSearchAttributes.get(scheduledStartTimeKey), info.startTime),
  };
  const notAfter = scheduledNotAfter(plan.action, run.scheduledAt, plan.unlockWindowMs);
  log.info('scheduled door action', {
    scheduleId: run.scheduleId,
    action: plan.action,
    scheduledAt: run.scheduledAt.toISOString(),
    doors: plan.deviceIds.length,
  });

  const doors = await Promise.all(
    plan.deviceIds.map((deviceId) =>
      notAfter === undefined ? lockDoor(run, deviceId) : unlockDoor(run, deviceId, notAfter),
    ),
  );
  return {
    scheduleId: run.scheduleId,
    action: plan.action,
    scheduledAt: run.scheduledAt.toISOString(),
    notAfter: notAfter?.toISOString() ?? null,
    doors,
  };
}

/**
 * One door's scheduled lock: a lock action with no `notAfter` — a lock that starts late still
 * locks (fail-secure), within the lock action's own timeout. One function on purpose: fail-secure
 * retries and alerts replace it without touching the script.
 */
function lockDoor(run: ScheduledRun, deviceId: string): Promise<DoorOutcome> {
  return doorAction(run, 'lock', deviceId, {});
}

/** One door's scheduled unlock: never sent after `notAfter` (the lock action fails DEADLINE_PASSED instead). */
function unlockDoor(run: ScheduledRun, deviceId: string, notAfter: Date): Promise<DoorOutcome> {
  return doorAction(run, 'unlock', deviceId, { notAfter: notAfter.toISOString() });
}

/**
 * The door's lock action as a child workflow under the lock action's own ID scheme, so
 * `lockstep status` and the Web UI show it like any other. REJECT_DUPLICATE: a second run for
 * the same scheduled time (a reset, a repeated backfill) never sends the command again.
 * REQUEST_CANCEL: a run ended from outside cancels its doors' actions, which then report
 * CANCELLED (and what they left behind) instead of being cut off mid-send.
 */
async function doorAction(
  run: ScheduledRun,
  action: DoorAction,
  deviceId: string,
  deadline: Pick<LockActionInput, 'notAfter'>,
): Promise<DoorOutcome> {
  const requestId = scheduledRequestId(run.scheduleId, run.scheduledAt);
  const input: LockActionInput = {
    deviceId,
    requestId,
    ...deadline,
    metadata: { scheduleId: run.scheduleId, scheduledAt: run.scheduledAt.toISOString() },
  };
  const workflowId = scheduledLockActionWorkflowId(action, run.scheduleId, deviceId, run.scheduledAt);
  const workflowType = workflowTypes[lockActionOfDoorAction(action)];
  try {
    const result = await executeChild<(input: LockActionInput) => Promise<LockActionResult>>(workflowType, {
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      parentClosePolicy: 'REQUEST_CANCEL',
    });
    const { actionAttemptId, wasConfirmedByDevice, warnings } = result;
    return { deviceId, workflowId, ok: true, actionAttemptId, wasConfirmedByDevice, warnings };
  } catch (err) {
    return { deviceId, workflowId, ok: false, ...doorFailureOf(err) };
  }
}

/**
 * A door's action that did not succeed, as its outcome: the lock action's own code and report
 * when it failed (the usual case), ALREADY_STARTED when its workflow ID was taken, and
 * ENDED_WITHOUT_REPORT when it was terminated or timed out. A cancellation of the run itself,
 * before the child started, ends the run; anything else is a bug and fails the workflow task.
 */
function doorFailureOf(err: unknown): { code: DoorFailureCode; message: string; commandSent: boolean | null } {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      code: 'ALREADY_STARTED',
      message: `a run for this scheduled time already started ${err.workflowId}; it is not started again`,
      commandSent: null,
    };
  }
  if (!(err instanceof ChildWorkflowFailure)) throw err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && (failureCodes as readonly string[]).includes(cause.type ?? '')) {
    const report = cause.details?.[0] as { commandSent?: unknown } | undefined;
    const commandSent = typeof report?.commandSent === 'boolean' ? report.commandSent : null;
    return { code: cause.type as FailureCode, message: cause.message, commandSent };
  }
  return {
    code: 'ENDED_WITHOUT_REPORT',
    message: `the lock action ended without a report (${cause?.message ?? err.message}): check the door`,
    commandSent: null,
  };
}
