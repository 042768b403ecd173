/**
 * What a person reads of a stay, a door and the attention list. Pure functions of the views the
 * workflows answer (and of now, for "in 2 h" / "5 min ago"). A view comes from a worker that may
 * be newer than this CLI: a value this file does not know is printed as it is, said to be
 * unknown, never guessed into a known one. Only the fields named here are printed, so nothing
 * added to a view later (metadata, say) reaches the screen by accident. `--json` bypasses all of
 * this and prints the view itself.
 */
import type { LockAction, ReservationView, StayDoor } from '../contract';
import type { DoorView } from '../contract/door';
import type { AttentionItem } from './attention-items';
import { rows } from './render';

const stageText: Record<string, string> = {
  booked: 'booked (before check-in)',
  checked_in: 'checked in',
  checking_out: 'checking out (locking its doors)',
  checked_out: 'checked out (watching the doors it locked)',
  ended: 'ended',
  cancelled: 'cancelled',
};

const alertText: Record<string, string> = {
  door_not_locked: 'not locked in time',
  unlock_not_sent: 'its check-in unlock could not be sent in its window',
  unlocked_after_check_out: 'unlocked after check-out',
};

/** A duration in the largest unit that keeps it readable: 45 s, 12 min, 5 h, 3 d. */
function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** The ISO time as the view gives it (for copying) and how far it is from now (for reading). */
export function whenText(iso: string, nowMs: number): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return `${iso} (not a time this CLI can read)`;
  const delta = ms - nowMs;
  if (Math.abs(delta) < 1000) return `${iso} (now)`;
  return `${iso} (${delta > 0 ? `in ${span(delta)}` : `${span(-delta)} ago`})`;
}

function actionText(action: LockAction | null): string {
  if (action === 'LOCK_DOOR') return 'lock';
  if (action === 'UNLOCK_DOOR') return 'unlock';
  return action === null ? 'none' : `unknown action ${String(action)}`;
}

function yesNoUnknown(value: boolean | null, unknown: string): string {
  return value === null ? unknown : value ? 'yes' : 'no';
}

function known(map: Record<string, string>, value: string, what: string): string {
  return Object.hasOwn(map, value) ? map[value] : `unknown ${what} "${value}"`;
}

// ---------------------------------------------------------------------------------------------
// A stay

export function renderReservation(view: ReservationView, nowMs: number): string {
  const needing = view.doors.filter((door) => door.attention.length > 0).map((door) => door.deviceId);
  return [
    `stay ${view.reservationKey}: ${known(stageText, view.stage, 'stage')}`,
    ...rows([
      ['check-in', `${whenText(view.checkIn, nowMs)} · unlock at check-in: ${view.unlockAtCheckIn ? 'yes' : 'no'}`],
      ['check-out', `${whenText(view.checkOut, nowMs)} · lock at check-out: ${view.lockAtCheckOut ? 'yes' : 'no'}`],
      ['waiting for', waitingText(view.waitingFor, nowMs)],
      [
        'attention',
        view.attention
          ? `YES — a person is needed at ${needing.length > 0 ? needing.join(', ') : 'a door (the view names none)'}`
          : 'no',
      ],
      ['changes accepted', view.revisions],
      ['doors', view.doors.length === 0 ? 'none' : view.doors.length],
    ]),
    ...rows(view.doors.map((door) => [`  ${door.deviceId}`, stayDoorText(door, nowMs)])),
  ].join('\n');
}

/** No time: the stay is taking that step now, or waits for a change; the view does not say which, so neither is claimed. */
function waitingText(waitingFor: ReservationView['waitingFor'], nowMs: number): string {
  return waitingFor.at === null ? waitingFor.what : `${waitingFor.what}, at ${whenText(waitingFor.at, nowMs)}`;
}

/** One line a door: where the stay left it, the last lock action and whether a person is needed. */
export function stayDoorText(door: StayDoor, nowMs: number): string {
  const parts = [doorStateText(door)];
  if (door.removed) parts.push('removed from the stay');
  if (door.stopped === 'gave_up') parts.push('the stay stopped trying (retry horizon passed)');
  else if (door.stopped === 'superseded') parts.push('left to a newer request at the door');
  else if (door.stopped !== null) parts.push(`stopped: unknown reason "${String(door.stopped)}"`);
  if (door.lastOutcome !== null)
    parts.push(
      `last: ${actionText(door.lastAction)} ${door.lastOutcome}${door.lastOutcomeAt ? ` at ${whenText(door.lastOutcomeAt, nowMs)}` : ''}`,
    );
  else if (door.actions > 0) parts.push('its first lock action is under way');
  for (const kind of door.attention) parts.push(`NEEDS A PERSON: ${known(alertText, kind, 'attention')} (${kind})`);
  return parts.join(' · ');
}

function doorStateText(door: StayDoor): string {
  if (door.locked) return 'locked by the stay';
  if (door.unlockedByStay)
    return door.lastAction === 'UNLOCK_DOOR' && door.lastOutcome === 'COMMAND_OUTCOME_UNKNOWN'
      ? 'may be unlocked (the unlock may have reached it)'
      : 'unlocked by the stay';
  return door.actions === 0 ? 'no lock action yet' : 'neither locked nor unlocked by the stay';
}

// ---------------------------------------------------------------------------------------------
// A door

export function renderDoor(view: DoorView, nowMs: number): string {
  const k = view.knowledge;
  return [
    `door ${view.deviceId}`,
    ...rows([
      ['locked', yesNoUnknown(k.locked, 'unknown (lockstep has not read it)')],
      ['online', yesNoUnknown(k.online, 'unknown (lockstep has not read it)')],
      [
        'last command',
        k.lastAction === null
          ? 'none yet'
          : `${actionText(k.lastAction)} → ${k.lastOutcome ?? 'no outcome yet'}${k.lastActionAttemptId ? ` · attempt ${k.lastActionAttemptId}` : ''}`,
      ],
      ['as of', k.updatedAt === null ? 'unknown' : whenText(k.updatedAt, nowMs)],
      ['running now', view.current === null ? 'nothing' : currentText(view.current, nowMs)],
      ['waiting', view.waiting === null ? 'nothing' : waitingRequestsText(view.waiting, nowMs)],
      ['commands last minute', `${view.commandsInLastMinute} (the door keeps to 15 a minute)`],
      ['commands run', view.commandsRun],
    ]),
  ].join('\n');
}

function currentText(current: NonNullable<DoorView['current']>, nowMs: number): string {
  return [
    actionText(current.action),
    `phase ${current.phase}`,
    `attempt ${current.actionAttemptId ?? 'none yet'}`,
    `send by ${whenText(current.sendBy, nowMs)}`,
    `for ${current.requesters.join(', ')}`,
  ].join(' · ');
}

function waitingRequestsText(waiting: NonNullable<DoorView['waiting']>, nowMs: number): string {
  const each = waiting.requesters.map((r) => `${r.workflowId} (send by ${whenText(r.sendBy, nowMs)})`);
  return `${actionText(waiting.action)} · ${waiting.requesters.length} request(s): ${each.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// The attention list

const itemLabel: Record<string, string> = {
  door_not_locked: 'NOT LOCKED',
  unlock_not_sent: 'UNLOCK NOT SENT',
  unlocked_after_check_out: 'UNLOCKED AFTER CHECK-OUT',
  lock_action_failed: 'OUTCOME UNKNOWN',
  unreadable: 'UNREADABLE',
};

/** One line an item: what, which door, since when, what to do. */
export function attentionLine(item: AttentionItem, nowMs: number): string {
  const what = Object.hasOwn(itemLabel, item.kind) ? itemLabel[item.kind] : item.kind.toUpperCase();
  const context = itemContext(item);
  return [
    what,
    item.deviceId ?? 'door unknown',
    `since ${item.since === null ? 'unknown' : whenText(item.since, nowMs)}`,
    context,
    `→ ${item.todo}`,
  ].join(' · ');
}

function itemContext(item: AttentionItem): string {
  switch (item.kind) {
    case 'lock_action_failed':
      return `${actionText(item.action)} ${item.code} (${item.workflowId})`;
    case 'unreadable':
      return `${item.workflowId}: ${item.reason}`;
    default: {
      if ('scheduleId' in item) {
        const last = item.lastOutcome === null ? 'no lock action yet' : `last ${item.lastOutcome}`;
        return `schedule ${item.scheduleId} (${item.workflowId}), ${last}${item.stillTrying ? ', still trying' : ''}`;
      }
      const last =
        item.lastOutcome === null ? 'no lock action yet' : `last ${actionText(item.lastAction)} ${item.lastOutcome}`;
      return `stay ${item.reservationKey}, ${last}${item.stillTrying ? ', still trying' : ''}`;
    }
  }
}

export function renderAttention(items: AttentionItem[], nowMs: number): string {
  if (items.length === 0) return 'nothing needs a person';
  return [
    `${items.length} thing${items.length === 1 ? ' needs' : 's need'} a person:`,
    ...items.map((item) => attentionLine(item, nowMs)),
  ].join('\n');
}
