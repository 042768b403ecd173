/**
 * The zod-free contract of one run of a door schedule (`ScheduledDoorActionWorkflow`): its input
 * and result, the bounds a schedule's definition shares with it, and the IDs of the lock actions
 * it starts. Workflow code imports this file, so it holds no zod (see core.ts for why); the
 * definition's schema and the Temporal Schedule built from it are in ./schedules.ts.
 */
import { workspaceField } from './core';
import type { AlertKind } from './alerts-core';
import {
  identifierMaxLength,
  isIdentifier,
  lockActionWorkflowId,
  workspaceAliasPattern,
  type FailureCode,
  type LockAction,
} from './core';

/** What a door schedule does at each of its times. */
export const doorActions = ['lock', 'unlock'] as const;
export type DoorAction = (typeof doorActions)[number];

export function lockActionOfDoorAction(action: DoorAction): LockAction {
  return action === 'lock' ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
}

/**
 * Defaults and bounds of door schedules, and why:
 * - unlock window 15 minutes: an unlock is for people arriving at a time; a quarter of an hour
 *   late it is still expected, later it opens a door nobody is waiting at. It is both the
 *   schedule's catch-up window (a run the server missed for longer is dropped) and each run's
 *   `notAfter`, counted from its scheduled time (a run that starts late sends nothing after it).
 * - at least 10 s: the Temporal server's smallest catch-up window.
 * - at most 1 day: no unlock should still be on its way a day after its time.
 * - lock catch-up 1 day: a lock the server missed still runs when it comes back (fail-secure);
 *   older than a day, the next scheduled lock comes sooner than the caught-up one would help.
 * - 50 doors: a run starts one lock action per door, all at once, each a child workflow with
 *   its own history; 50 keeps a run's own history small and its burst of Seam calls bounded.
 * - 24 times a day, 50 skips: far above any real door routine, low enough that a typo (a
 *   generated list) is an error rather than a schedule with thousands of calendars.
 * - a door whose action failed is tried again for up to 1 hour after its scheduled time (every
 *   30 s for 10 minutes, then backing off: about 40 rounds). Not a stay's 24 hours: runs of a
 *   lock schedule never overlap (BUFFER_ONE), so a run still trying holds the schedule's next
 *   time; and a lock tried again after a later unlock of the door (another schedule, staff)
 *   would undo it. An hour bounds both, and the run's history (doors due together are tried
 *   together: 40 rounds of 50 doors measured ~10,000 events, a fifth of Temporal's 51,200-event
 *   limit). A door not done by then keeps its alert raised.
 * - a door not locked 10 minutes after its scheduled time needs a person (a stay's default).
 */
export const scheduleDefaults = {
  unlockWindowMs: 15 * 60_000,
  minUnlockWindowMs: 10_000,
  maxUnlockWindowMs: 24 * 60 * 60_000,
  lockCatchupWindowMs: 24 * 60 * 60_000,
  maxDoors: 50,
  maxTimesPerDay: 24,
  maxSkips: 50,
  retryHorizonMs: 60 * 60_000,
  attentionAfterMs: 10 * 60_000,
} as const;

/**
 * What a schedule id may hold: it starts the ID of every run (`door-schedule/<id>-<time>`) and
 * of every lock action a run starts (see {@link scheduledRequestId}), so the same safe characters
 * as a request id, without `:` (Temporal appends the run's time with colons), and shorter.
 */
export const scheduleIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const scheduleIdMaxLength = 100;

/**
 * The search attribute Temporal Schedules set on each run they start: the time the run was
 * scheduled for (its nominal time; for a trigger, the trigger's time; for a backfill, the time
 * backfilled). A run acts for this time, not for the time a worker first ran it.
 */
export const scheduledStartTimeAttribute = 'TemporalScheduledStartTime';

/** The memo key that marks a Temporal Schedule as a lockstep door schedule, and describes it. */
export const doorScheduleMemoKey = 'lockstepDoorSchedule';

/** What a door schedule keeps in its memo: shown by `describe` and the Web UI. */
export interface DoorScheduleMemo {
  version: 1;
  /** One line saying what the schedule does, e.g. `lock front-door, back-door at 23:00 every day (Europe/Berlin)`. */
  summary: string;
  /** The definition's free-text note. */
  note?: string;
}

/** The input of one run; the schedule passes the same one to every run. Plain JSON. */
export interface ScheduledDoorActionInput {
  scheduleId: string;
  action: DoorAction;
  deviceIds: string[];
  /**
   * Unlock only: how long after its scheduled time the run may still unlock.
   * @default 15 minutes (scheduleDefaults.unlockWindowMs)
   */
  unlockWindowMs?: number;
  /** The Seam workspace of its doors, by alias; absent: the workers' default. */
  workspace?: string;
}

/** The input with its default applied: what a run acts on. */
export interface ScheduledDoorActionPlan extends ScheduledDoorActionInput {
  unlockWindowMs: number;
}

/**
 * Why a door's action in a run did not succeed: its lock action's failure code, or
 * - `ALREADY_STARTED`: a run for the same scheduled time already started this door's action
 *   (its workflow ID is taken); it is not started again, so a command is never sent twice;
 * - `ENDED_WITHOUT_REPORT`: the lock action's workflow was ended from outside (terminated,
 *   timed out) and left no report: check the door.
 */
export type DoorFailureCode = FailureCode | 'ALREADY_STARTED' | 'ENDED_WITHOUT_REPORT';

/** What every door's outcome says, however it ended. */
interface DoorOutcomeBase {
  deviceId: string;
  /** The last lock action's workflow ID: `lockstep status <workflowId>` shows it in full. */
  workflowId: string;
  /** How many lock actions the run started for the door (more than 1: it was tried again). */
  tries: number;
  /** The alert still raised for the door when the run ended (null: none, or it was resolved). */
  attention: AlertKind | null;
}

/** How one door's action ended in a run: its last lock action's result or failure. */
export type DoorOutcome =
  | (DoorOutcomeBase & {
      ok: true;
      actionAttemptId: string;
      wasConfirmedByDevice: boolean | null;
      warnings: string[];
    })
  | (DoorOutcomeBase & {
      ok: false;
      code: DoorFailureCode;
      message: string;
      /** As in the failure report: null means the command may have reached Seam. */
      commandSent: boolean | null;
    });

/**
 * What a run returns. A door that failed does not fail the run: the run completes and says
 * which doors did what, so one offline door never hides the others' outcomes.
 */
export interface ScheduledDoorActionResult {
  scheduleId: string;
  action: DoorAction;
  /** The time the run acts for (ISO-8601): its scheduled time, or its start for a direct start. */
  scheduledAt: string;
  /** Unlock: the deadline every door's unlock had (scheduled time + unlock window); lock: null. */
  notAfter: string | null;
  doors: DoorOutcome[];
}

const inputFields = ['scheduleId', 'action', 'deviceIds', 'unlockWindowMs', 'workspace'];

/**
 * The plan for a valid run input, or why it is not valid (one line per issue, as
 * `describeIssues` writes them). Hand-written: the workflow checks its own input and zod stays
 * out of the sandbox; the bounds are the ones the definition's schema uses.
 */
export function checkScheduledDoorActionInput(
  raw: unknown,
  extraArguments = 0,
): { ok: true; plan: ScheduledDoorActionPlan } | { ok: false; issues: string[] } {
  const issues: string[] = [];
  if (extraArguments > 0)
    issues.push(`(arguments): expected exactly one argument, the input object; got ${1 + extraArguments}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [...issues, '(input): expected an object'] };
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!inputFields.includes(key)) issues.push(`(input): unknown field ${key}`);
  const { scheduleId, action, deviceIds, unlockWindowMs, workspace } = input;
  if (
    typeof scheduleId !== 'string' ||
    scheduleId.length > scheduleIdMaxLength ||
    !scheduleIdPattern.test(scheduleId)
  ) {
    issues.push(`scheduleId: must be 1-${scheduleIdMaxLength} letters, digits and . _ -`);
  }
  if (!(doorActions as readonly unknown[]).includes(action))
    issues.push(`action: must be one of ${doorActions.join(', ')}`);
  issues.push(...deviceIdIssues(deviceIds));
  if (unlockWindowMs !== undefined) {
    if (action !== 'unlock') issues.push('unlockWindowMs: applies to unlock only');
    const { minUnlockWindowMs: min, maxUnlockWindowMs: max } = scheduleDefaults;
    if (
      typeof unlockWindowMs !== 'number' ||
      !Number.isInteger(unlockWindowMs) ||
      unlockWindowMs < min ||
      unlockWindowMs > max
    ) {
      issues.push(`unlockWindowMs: must be a whole number of milliseconds from ${min} to ${max}`);
    }
  }
  if (workspace !== undefined && (typeof workspace !== 'string' || !workspaceAliasPattern.test(workspace)))
    issues.push(
      'workspace: must be an alias: lower-case letters, digits, _ and - (at most 63), never a key (seam_...)',
    );
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    plan: {
      scheduleId: scheduleId as string,
      action: action as DoorAction,
      deviceIds: deviceIds as string[],
      unlockWindowMs: (unlockWindowMs as number | undefined) ?? scheduleDefaults.unlockWindowMs,
      ...workspaceField(workspace as string | undefined),
    },
  };
}

function deviceIdIssues(deviceIds: unknown): string[] {
  const { maxDoors } = scheduleDefaults;
  if (!Array.isArray(deviceIds) || deviceIds.length < 1 || deviceIds.length > maxDoors) {
    return [`deviceIds: must be a list of 1 to ${maxDoors} device ids`];
  }
  const issues = deviceIds.flatMap((id: unknown, index) =>
    isIdentifier(id) ? [] : [`deviceIds.${index}: must be 1-${identifierMaxLength} letters, digits and . _ : -`],
  );
  if (new Set(deviceIds).size !== deviceIds.length) issues.push('deviceIds: must not name a device twice');
  return issues;
}

/**
 * The requestId of the lock actions a run starts: the schedule and the time the run acts for.
 * A second run for the same scheduled time (a reset, a repeated backfill) then addresses the
 * same lock actions instead of sending new commands.
 */
export function scheduledRequestId(scheduleId: string, scheduledAt: Date): string {
  return `schedule.${scheduleId}.${scheduledAt.toISOString()}`;
}

/**
 * The workflow ID of one door's lock action in the run of `scheduleId` scheduled for `scheduledAt`:
 * its first try under the run's request id; a try again (`tryNumber` 2, 3, ...) under
 * `<requestId>.try<N>`, a new lock action (the door's ordering point sees a new request).
 */
export function scheduledLockActionWorkflowId(
  action: DoorAction,
  scheduleId: string,
  deviceId: string,
  scheduledAt: Date,
  tryNumber = 1,
): string {
  return lockActionWorkflowId(
    lockActionOfDoorAction(action),
    deviceId,
    scheduledTryRequestId(scheduleId, scheduledAt, tryNumber),
  );
}

/** The requestId of a door's `tryNumber`th lock action in a run (see {@link scheduledLockActionWorkflowId}). */
export function scheduledTryRequestId(scheduleId: string, scheduledAt: Date, tryNumber: number): string {
  const requestId = scheduledRequestId(scheduleId, scheduledAt);
  return tryNumber <= 1 ? requestId : `${requestId}.try${tryNumber}`;
}

/** The workflow ID a schedule gives its runs; Temporal appends `-<scheduled time>` to each. */
export function scheduleRunWorkflowId(scheduleId: string): string {
  return `door-schedule/${scheduleId}`;
}

/** The alert a run raises for a door its action did not reach: a lock not done, an unlock not sent in its window. */
export function scheduledAlertKind(action: DoorAction): AlertKind {
  return action === 'lock' ? 'door_not_locked' : 'unlock_not_sent';
}

/** The query a run answers with its {@link ScheduledRunView}: `lockstep attention` reads it. */
export const scheduledRunQueryName = 'scheduledRun';

/** One door of a run, as the `scheduledRun` query shows it. */
export interface ScheduledRunDoor {
  deviceId: string;
  /** Lock actions started for the door so far. */
  tries: number;
  /** How the last one ended; null while the first runs. */
  lastOutcome: 'success' | DoorFailureCode | null;
  lastOutcomeAt: string | null;
  /** The alert raised for the door and not resolved (null: none). */
  attention: AlertKind | null;
  /** The run is still trying the door (a lock before its retry horizon, an unlock inside its window). */
  stillTrying: boolean;
}

/** What a run is doing, door by door. */
export interface ScheduledRunView {
  scheduleId: string;
  action: DoorAction;
  scheduledAt: string;
  doors: ScheduledRunDoor[];
}
