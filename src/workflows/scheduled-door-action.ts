/**
 * One run of a door schedule: work out the time it acts for, then lock or unlock every door at
 * once, each through its own lock action (a child LockDoorWorkflow / UnlockDoorWorkflow), and
 * say how each door ended. The lock actions do the Seam work and keep their guarantees (one
 * unlock per request, no command after the send-by deadline); this script adds the schedule's
 * rules: an unlock carries `notAfter` = scheduled time + unlock window, a lock carries none and
 * is fail-secure — a door that did not lock is tried again, and a person is told when it stays
 * unlocked (decisions: `nextScheduledDoorStep`; alerts: ./run-alerts.ts).
 */
import { workspaceField } from '../contract/core';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { LockActionInput, LockActionResult } from '../contract';
import { failureCodes, workflowTypes, type FailureCode } from '../contract/core';
import {
  checkScheduledDoorActionInput,
  lockActionOfDoorAction,
  scheduleDefaults,
  scheduledAlertKind,
  scheduledLockActionWorkflowId,
  scheduledRunQueryName,
  scheduledStartTimeAttribute,
  scheduledTryRequestId,
  type DoorAction,
  type DoorFailureCode,
  type DoorOutcome,
  type ScheduledDoorActionPlan,
  type ScheduledDoorActionResult,
  type ScheduledRunDoor,
  type ScheduledRunView,
} from '../contract/scheduled-action';
import {
  nextScheduledDoorStep,
  scheduledDoorStepOnCancel,
  scheduledNotAfter,
  scheduledTimeOf,
  type ScheduledDoorFacts,
  type ScheduledDoorStep,
} from '../decisions';
import { RunAlerts } from './run-alerts';

const scheduledStartTimeKey = defineSearchAttributeKey(scheduledStartTimeAttribute, SearchAttributeType.DATETIME);

/**
 * Changes to a run's steps, behind `patched()` so that runs started before them replay unchanged.
 * - `scheduled-fail-secure`: a door whose action did not succeed is tried again (a lock until
 *   its retry horizon, an unlock not sent while its window allows), and a person is alerted.
 */
export const scheduledRunPatchIds = { failSecure: 'scheduled-fail-secure' } as const;

/** What every door's action in one run shares. */
interface ScheduledRun {
  plan: ScheduledDoorActionPlan;
  scheduledAt: Date;
  /** Unlock: nothing is sent from this time on; lock: none. */
  notAfter: Date | undefined;
  alerts: RunAlerts;
  /** Each door as the `scheduledRun` query shows it, and how its last try ended. */
  doors: RunDoor[];
}

/** A door of the run: what the query shows, and what the next-step decision reads. */
interface RunDoor {
  view: ScheduledRunDoor;
  outcome: TryOutcome | null;
  /** When the round of its last try ended. */
  roundEndedMs: number;
}

/** A door's try as this script sees it: its outcome so far, without the run's counts. */
type TryOutcome = WithoutRunCounts<DoorOutcome>;
type WithoutRunCounts<T> = T extends unknown ? Omit<T, 'tries' | 'attention'> : never;

/** How long a cancelled run still gives its alerts (a stay's grace after Temporal's cancel). */
export const cancelledRunAlertsGraceMs = 60_000;

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
  const scheduledAt = scheduledTimeOf(info.typedSearchAttributes.get(scheduledStartTimeKey), info.startTime);
  const run: ScheduledRun = {
    plan,
    scheduledAt,
    notAfter: scheduledNotAfter(plan.action, scheduledAt, plan.unlockWindowMs),
    alerts: new RunAlerts({ workflowId: info.workflowId, scheduleId: plan.scheduleId }),
    doors: plan.deviceIds.map((deviceId) => ({ view: newRunDoorView(deviceId), outcome: null, roundEndedMs: 0 })),
  };
  setHandler(defineQuery<ScheduledRunView>(scheduledRunQueryName), () => ({
    scheduleId: plan.scheduleId,
    action: plan.action,
    scheduledAt: scheduledAt.toISOString(),
    doors: run.doors.map((door) => door.view),
  }));
  log.info('scheduled door action', {
    scheduleId: plan.scheduleId,
    action: plan.action,
    scheduledAt: scheduledAt.toISOString(),
    doors: plan.deviceIds.length,
  });

  await actOnDoors(run);
  return {
    scheduleId: plan.scheduleId,
    action: plan.action,
    scheduledAt: scheduledAt.toISOString(),
    notAfter: run.notAfter?.toISOString() ?? null,
    doors: run.doors.map(outcomeOf),
  };
}

/**
 * Every door at once, then — for doors that did not succeed — what {@link nextScheduledDoorStep}
 * says, in rounds: the doors due are tried again together (one timer a round, whatever the
 * number of doors), a door past due raises its alert, one done resolves it, one past the
 * horizon gives up. A run whose doors all succeed at once costs nothing more (no patch marker,
 * no timer). Cancelled from outside, the run stops trying, says so for every door it had not
 * finished, and gives its alerts a short grace before it returns the doors' outcomes.
 */
async function actOnDoors(run: ScheduledRun): Promise<void> {
  const firstTryAtMs = Date.now();
  await tryRound(run, run.doors);
  const allDone = run.doors.every((door) => nextStepOf(run, door, firstTryAtMs).kind === 'done');
  if ((allDone && !runCancelled()) || !patched(scheduledRunPatchIds.failSecure)) return finishAll(run);
  try {
    for (;;) {
      if (runCancelled()) throw new CancelledFailure('the run was cancelled');
      const open = run.doors.filter((door) => door.view.stillTrying);
      if (open.length === 0) break;
      const steps = open.map((door) => [door, nextStepOf(run, door, firstTryAtMs)] as const);
      for (const [door, step] of steps) settle(run, door, step, 'stopped');
      const due = steps.filter(([, step]) => step.kind === 'retry').map(([door]) => door);
      const waits = steps.flatMap(([, step]) => (step.kind === 'wait' ? [step.untilMs] : []));
      if (due.length > 0) await tryRound(run, due);
      else if (waits.length > 0) await sleep(Math.max(1, Math.min(...waits) - Date.now()));
    }
    await run.alerts.delivered();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    for (const door of run.doors.filter((d) => d.view.stillTrying))
      settle(run, door, scheduledDoorStepOnCancel(factsOf(run, door, firstTryAtMs)), 'cancelled');
    await CancellationScope.nonCancellable(() => run.alerts.delivered(cancelledRunAlertsGraceMs));
  }
  finishAll(run);
}

/** Whether the run itself was cancelled from outside (its doors' tries then end CANCELLED). */
function runCancelled(): boolean {
  return CancellationScope.current().consideredCancelled;
}

/** Why a run says a door is not done: it goes on, it stopped at its horizon or window, or it was cancelled. */
type NotDone = 'trying' | 'stopped' | 'cancelled';

/** Acts on a step that needs no waiting: a door done, past due (alert), or given up. */
function settle(run: ScheduledRun, door: RunDoor, step: ScheduledDoorStep, why: NotDone): void {
  const { deviceId } = door.view;
  const outcome = door.outcome as TryOutcome;
  switch (step.kind) {
    case 'done':
      door.view.stillTrying = false;
      // Cancelled by someone: the alert stands; ALREADY_STARTED: another run acts on it.
      if (outcome.ok) run.alerts.resolve(door.view, `${deviceId} is ${pastTense(run.plan.action)}`);
      else if (outcome.code === 'SUPERSEDED') run.alerts.resolve(door.view, `a newer request took over ${deviceId}`);
      return;
    case 'raise':
      run.alerts.raise(door.view, scheduledAlertKind(run.plan.action), notDoneMessage(run, door.view, 'trying'));
      return;
    case 'give-up':
      door.view.stillTrying = false;
      run.alerts.raise(door.view, scheduledAlertKind(run.plan.action), notDoneMessage(run, door.view, why));
      return;
    default:
  }
}

function nextStepOf(run: ScheduledRun, door: RunDoor, firstTryAtMs: number): ScheduledDoorStep {
  return nextScheduledDoorStep(factsOf(run, door, firstTryAtMs), Date.now(), scheduleDefaults);
}

function factsOf(run: ScheduledRun, door: RunDoor, firstTryAtMs: number): ScheduledDoorFacts {
  const outcome = door.outcome as TryOutcome;
  return {
    action: run.plan.action,
    scheduledAtMs: run.scheduledAt.getTime(),
    firstTryAtMs,
    lastTryEndedMs: door.roundEndedMs,
    notAfterMs: run.notAfter?.getTime() ?? null,
    tries: door.view.tries,
    lastOutcome: outcome.ok ? 'success' : outcome.code,
    commandSent: outcome.ok ? true : outcome.commandSent,
    raised: door.view.attention !== null,
  };
}

/** One lock action for each of `doors`, in parallel; their retry cadence counts from the round's end. */
async function tryRound(run: ScheduledRun, doors: RunDoor[]): Promise<void> {
  await Promise.all(
    doors.map(async (door) => {
      door.view.tries++;
      door.outcome = await doorAction(run, door.view.deviceId, door.view.tries);
      door.view.lastOutcome = door.outcome.ok ? 'success' : door.outcome.code;
      door.view.lastOutcomeAt = new Date().toISOString();
    }),
  );
  const endedMs = Date.now();
  for (const door of doors) door.roundEndedMs = endedMs;
}

function finishAll(run: ScheduledRun): void {
  for (const door of run.doors) door.view.stillTrying = false;
}

function outcomeOf(door: RunDoor): DoorOutcome {
  return { ...(door.outcome as TryOutcome), tries: door.view.tries, attention: door.view.attention };
}

function newRunDoorView(deviceId: string): ScheduledRunDoor {
  return { deviceId, tries: 0, lastOutcome: null, lastOutcomeAt: null, attention: null, stillTrying: true };
}

function notDoneMessage(run: ScheduledRun, door: ScheduledRunDoor, why: NotDone): string {
  const at = run.scheduledAt.toISOString();
  const context = `schedule ${run.plan.scheduleId}, last: ${door.lastOutcome}`;
  if (run.plan.action === 'unlock') {
    const reason = why === 'cancelled' ? 'was not sent: the run was cancelled' : 'could not be sent within its window';
    return `the scheduled unlock of ${door.deviceId} at ${at} (${context}) ${reason}; it will not be sent`;
  }
  const next = {
    trying: 'lockstep keeps trying',
    stopped: 'lockstep stopped trying',
    cancelled: 'the run was cancelled; lockstep stopped trying',
  }[why];
  return `${door.deviceId} is not locked since its scheduled lock at ${at} (${context}); ${next}`;
}

function pastTense(action: DoorAction): string {
  return action === 'lock' ? 'locked' : 'unlocked';
}

/**
 * The door's `tryNumber`th lock action, as a child workflow under the lock action's own ID
 * scheme, so `lockstep status` and the Web UI show it like any other. REJECT_DUPLICATE: a second
 * run for the same scheduled time (a reset, a repeated backfill) never sends the command again.
 * REQUEST_CANCEL: a run ended from outside cancels its doors' actions, which then report
 * CANCELLED (and what they left behind) instead of being cut off mid-send.
 */
async function doorAction(run: ScheduledRun, deviceId: string, tryNumber: number): Promise<TryOutcome> {
  const { scheduleId, action } = run.plan;
  const input: LockActionInput = {
    deviceId,
    requestId: scheduledTryRequestId(scheduleId, run.scheduledAt, tryNumber),
    ...(run.notAfter ? { notAfter: run.notAfter.toISOString() } : {}),
    metadata: { scheduleId, scheduledAt: run.scheduledAt.toISOString() },
    ...workspaceField(run.plan.workspace),
  };
  const workflowId = scheduledLockActionWorkflowId(action, scheduleId, deviceId, run.scheduledAt, tryNumber);
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
    // A later try the run's cancel stopped before its child started: nothing was sent.
    if (tryNumber > 1 && isCancellation(err) && !(err instanceof ChildWorkflowFailure)) {
      const message = 'the run was cancelled before this try started';
      return { deviceId, workflowId, ok: false, code: 'CANCELLED', message, commandSent: false };
    }
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
