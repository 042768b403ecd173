/**
 * What `lockstep attention` reports, as typed items (its `--json` is an array of them), and how
 * each is built from what lockstep already says: a stay's view, a schedule run's view, or a
 * failed lock action's report. Pure, so that the rules — what needs a person, and what to tell them — are tested
 * without a server.
 */
import {
  describeAction,
  parseLockActionWorkflowId,
  type AlertKind,
  type FailureCode,
  type FailureReport,
  type LockAction,
  type ReservationView,
  type StayDoor,
} from '../contract';
import type { ScheduledRunDoor, ScheduledRunView } from '../contract/scheduled-action';
import { needsPersonAfter } from '../decisions';

interface ItemBase {
  /** The workflow to look at (the stay, or the lock action). */
  workflowId: string;
  /** The door concerned; null when it is not known (an unreadable workflow). */
  deviceId: string | null;
  /** ISO-8601: since when it needs a person, as far as lockstep can tell; null when it cannot. */
  since: string | null;
  /** What a person should do, in words. */
  todo: string;
}

/** A stay's door that needs a person (the stay raised an alert for it, and it is not resolved). */
export interface StayDoorItem extends ItemBase {
  kind: AlertKind;
  deviceId: string;
  reservationKey: string;
  /** The stay is still trying (a lock at check-out); false once it gave up, or for a missed unlock (never sent later). */
  stillTrying: boolean;
  lastAction: LockAction | null;
  lastOutcome: StayDoor['lastOutcome'];
  lastOutcomeAt: string | null;
}

/** A door a schedule's run raised an alert for, not resolved (a lock not done, an unlock not sent in its window). */
export interface ScheduleRunDoorItem extends ItemBase {
  kind: AlertKind;
  deviceId: string;
  scheduleId: string;
  /** The run is still trying the door (a lock before its retry horizon). */
  stillTrying: boolean;
  lastOutcome: ScheduledRunDoor['lastOutcome'];
  lastOutcomeAt: string | null;
}

/** A lock action that failed with a code that leaves the door's state unknown. */
export interface FailedLockActionItem extends ItemBase {
  kind: 'lock_action_failed';
  deviceId: string;
  action: LockAction;
  code: FailureCode;
  actionAttemptId: string | null;
  /** The report's `commandSent`: null means the command may have reached Seam. */
  commandSent: boolean | null;
  message: string;
}

/** A workflow lockstep could not read (no worker answered, or it failed without a report): unknown is not fine. */
export interface UnreadableItem extends ItemBase {
  kind: 'unreadable';
  reason: string;
}

export type AttentionItem = StayDoorItem | ScheduleRunDoorItem | FailedLockActionItem | UnreadableItem;

/** The doors of a stay that need a person: one item per door and reason (a door may have two). */
export function stayAttentionItems(workflowId: string, view: ReservationView): StayDoorItem[] {
  return view.doors.flatMap((door) =>
    door.attention.map((kind) => {
      const stillTrying = kind === 'door_not_locked' && door.stopped === null && view.stage !== 'ended';
      return {
        kind,
        workflowId,
        deviceId: door.deviceId,
        reservationKey: view.reservationKey,
        since: stayDueAt(view, door, kind),
        stillTrying,
        lastAction: door.lastAction,
        lastOutcome: door.lastOutcome,
        lastOutcomeAt: door.lastOutcomeAt,
        todo: doorTodo(kind, door.deviceId, stillTrying, 'the guest'),
      };
    }),
  );
}

/**
 * When the stay was due to act on the door: check-in for a missed unlock, check-out for a door
 * not locked (a check-out now moves check-out to that moment). A cancel or a door removed by an
 * upsert has no time in the view: null, said as unknown.
 */
function stayDueAt(view: ReservationView, door: StayDoor, kind: AlertKind): string | null {
  if (kind === 'unlock_not_sent') return view.checkIn;
  if (kind === 'unlocked_after_check_out') return view.checkOut;
  if (kind === 'door_not_locked' && view.stage !== 'cancelled' && !door.removed) return view.checkOut;
  return null;
}

/** The doors of a schedule's run that need a person, since the time the run acted for. */
export function scheduleRunAttentionItems(workflowId: string, view: ScheduledRunView): ScheduleRunDoorItem[] {
  return view.doors.flatMap(({ deviceId, attention, stillTrying, lastOutcome, lastOutcomeAt }) =>
    attention === null
      ? []
      : [
          {
            kind: attention,
            workflowId,
            deviceId,
            scheduleId: view.scheduleId,
            since: view.scheduledAt,
            stillTrying,
            lastOutcome,
            lastOutcomeAt,
            todo: doorTodo(attention, deviceId, stillTrying, 'people'),
          },
        ],
  );
}

function doorTodo(kind: AlertKind, deviceId: string, stillTrying: boolean, expected: string): string {
  switch (kind) {
    case 'door_not_locked':
      return stillTrying
        ? `lock ${deviceId} by hand or bring it back online; lockstep keeps trying until its retry horizon`
        : `lock ${deviceId} by hand: lockstep has stopped trying`;
    case 'unlock_not_sent':
      return `${expected} may be at a locked door: let them in (lockstep unlock ${deviceId}) and check the lock`;
    case 'unlocked_after_check_out':
      return `check ${deviceId}: it was unlocked after check-out; lock it (lockstep lock ${deviceId}) once nobody needs it open`;
    default:
      return `look at ${deviceId} (lockstep reservation show, and the stay's alerts)`;
  }
}

/**
 * The item for a failed lock action, or undefined when it leaves nothing for a person: the same
 * decision (`needsPersonAfter`) that set its `LockstepAttention`.
 */
export function failedLockActionItem(
  workflowId: string,
  failedAt: string | null,
  report: FailureReport,
): FailedLockActionItem | undefined {
  if (!needsPersonAfter(report.code, report.commandSent)) return undefined;
  const deviceId = report.deviceId ?? parseLockActionWorkflowId(workflowId)?.deviceId ?? workflowId;
  return {
    kind: 'lock_action_failed',
    workflowId,
    deviceId,
    since: failedAt,
    action: report.action,
    code: report.code,
    actionAttemptId: report.actionAttemptId,
    commandSent: report.commandSent,
    message: report.message,
    todo: failedActionTodo(report, deviceId),
  };
}

function failedActionTodo(report: FailureReport, deviceId: string): string {
  const verb = describeAction(report.action);
  if (report.code === 'ACTION_ATTEMPT_TIMED_OUT')
    return `check ${deviceId}: Seam may still carry out the ${verb} (attempt ${report.actionAttemptId ?? 'unknown'})`;
  return report.action === 'UNLOCK_DOOR'
    ? `check ${deviceId}: the unlock may have opened it; lock it (lockstep lock ${deviceId}) if nobody should be in`
    : `check ${deviceId}: the lock may not have gone through; lock it again (lockstep lock ${deviceId})`;
}

/** Oldest first (what has waited longest), unknown times last; the order is stable otherwise. */
export function sortAttentionItems(items: AttentionItem[]): AttentionItem[] {
  const at = (item: AttentionItem) => (item.since === null ? Infinity : Date.parse(item.since));
  return [...items].sort((a, b) => (at(a) === at(b) ? 0 : at(a) < at(b) ? -1 : 1));
}
