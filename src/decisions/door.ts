/**
 * How a door orders lock actions, as plain functions over its queue: the latest intent wins
 * among requests not yet sent, a request joins a waiting one of its kind, a waiting request
 * leaves when its send-by deadline no longer leaves room for a send, and commands are spaced to
 * stay within Seam's per-device rate limit.
 */
import {
  doorCommandLimit,
  doorEventMemory,
  type DoorCarry,
  type DoorKnowledge,
  type DoorRequest,
  type DoorSeamEvent,
  type Requester,
  type WaitingCommand,
} from '../contract/door';
import { sendSlackMs } from '../contract/timing-budget';
import { lastSendStartMs, maySend } from './sending';

export function sameRequester(a: Requester, b: Requester): boolean {
  return a.workflowId === b.workflowId && a.runId === b.runId && a.updateId === b.updateId;
}

/**
 * A request reaches the door. Of the same kind as what waits, it joins it (one command serves
 * both); of the other kind, it supersedes everything waiting: the newest intent is the one the
 * door acts on, and a command already sent is not part of the queue (it finishes first).
 */
export function admitRequest(
  waiting: WaitingCommand | null,
  request: DoorRequest,
): { waiting: WaitingCommand; superseded: DoorRequest[] } {
  if (!waiting || waiting.members.length === 0)
    return { waiting: { action: request.action, members: [request] }, superseded: [] };
  if (waiting.action === request.action) {
    const known = waiting.members.some((member) => sameRequester(member.requester, request.requester));
    return { waiting: known ? waiting : { ...waiting, members: [...waiting.members, request] }, superseded: [] };
  }
  return { waiting: { action: request.action, members: [request] }, superseded: waiting.members };
}

/**
 * Requests whose command could not be sent before its (earliest) deadline come back to the
 * queue. They are older than anything waiting now: of the same kind, they join it; of the other
 * kind, the newer request that waits wins over them.
 */
export function readmitOlder(
  waiting: WaitingCommand | null,
  returning: DoorRequest[],
): { waiting: WaitingCommand | null; superseded: DoorRequest[] } {
  if (returning.length === 0) return { waiting, superseded: [] };
  const action = returning[0].action;
  if (!waiting || waiting.members.length === 0) return { waiting: { action, members: returning }, superseded: [] };
  if (waiting.action === action)
    return { waiting: { action, members: [...returning, ...waiting.members] }, superseded: [] };
  return { waiting, superseded: returning };
}

/** Removes one requester from what waits; null once nobody waits. */
export function withoutRequester(
  waiting: WaitingCommand | null,
  requester: Requester,
): { waiting: WaitingCommand | null; removed: DoorRequest | undefined } {
  const removed = waiting?.members.find((member) => sameRequester(member.requester, requester));
  if (!waiting || !removed) return { waiting, removed: undefined };
  const members = waiting.members.filter((member) => member !== removed);
  return { waiting: members.length > 0 ? { ...waiting, members } : null, removed };
}

/** Splits what waits into requests that may still be sent at `nowMs` and those whose deadline came. */
export function expireWaiting(
  waiting: WaitingCommand | null,
  nowMs: number,
): { waiting: WaitingCommand | null; expired: DoorRequest[] } {
  if (!waiting) return { waiting, expired: [] };
  const live = waiting.members.filter((member) => maySend(nowMs, member.sendBy));
  const expired = waiting.members.filter((member) => !maySend(nowMs, member.sendBy));
  return { waiting: live.length > 0 ? { ...waiting, members: live } : null, expired };
}

/**
 * When the next waiting request expires: the first instant at which it may no longer be sent.
 * Undefined when nothing waits.
 */
export function nextExpiryMs(waiting: WaitingCommand | null, nowMs: number): number | undefined {
  if (!waiting || waiting.members.length === 0) return undefined;
  return Math.max(nowMs, lastSendStartMs(commandSendBy(waiting)) + 1);
}

/**
 * The send-by deadline of one command serving every member: the earliest of theirs, so that
 * each member gets exactly the guarantee it asked for. A member with a later deadline whose
 * command could not be sent in time waits again.
 */
export function commandSendBy(command: WaitingCommand): number {
  return Math.min(...command.members.map((member) => member.sendBy));
}

/** Commands recorded within the rate window (and its slack) ending at `nowMs`. */
export function commandsInWindow(recentCommands: readonly number[], nowMs: number): number[] {
  return recentCommands.filter((sentAt) => sentAt > nowMs - doorCommandLimit.windowMs - sendSlackMs);
}

/**
 * The earliest instant the next command may go without exceeding Seam's per-device limit
 * ({@link doorCommandLimit}): now, or when the oldest command in a full window has left it,
 * plus {@link sendSlackMs} for the clocks. A command is recorded when it ended, which is never
 * before Seam received it: the window is never counted short.
 */
export function nextCommandAtMs(recentCommands: readonly number[], nowMs: number): number {
  const inWindow = commandsInWindow(recentCommands, nowMs).sort((a, b) => a - b);
  if (inWindow.length < doorCommandLimit.commands) return nowMs;
  return inWindow[inWindow.length - doorCommandLimit.commands] + doorCommandLimit.windowMs + sendSlackMs;
}

/** Epoch ms of the newest fact behind each of the door's device facts. */
export type FactTimes = NonNullable<DoorCarry['factTimes']>;

/** What the door knows of its device that events and commands can state. */
export type DeviceFacts = Partial<Pick<DoorKnowledge, 'locked' | 'online'>>;

const deviceFactFields = ['locked', 'online'] as const;

/**
 * What a Seam event teaches the door of its device: the facts it states that are newer than
 * what the door knows. Seam delivers webhooks in no guaranteed order and redelivers late: an
 * `unlocked` that occurred before the door's last `locked` changes nothing.
 */
export function factsFromEvent(event: DoorSeamEvent, times: FactTimes): { facts: DeviceFacts; times: FactTimes } {
  const atMs = Date.parse(event.occurredAt);
  const stated =
    event.kind === 'connected' || event.kind === 'disconnected'
      ? { field: 'online' as const, value: event.kind === 'connected' }
      : event.kind === 'locked' || event.kind === 'unlocked'
        ? { field: 'locked' as const, value: event.kind === 'locked' }
        : undefined;
  if (!stated) return { facts: {}, times };
  return newerFacts({ [stated.field]: stated.value }, { [stated.field]: atMs }, times);
}

/**
 * When what the door's own command saw held, per fact: somewhere between `fromMs` (the command
 * began) and `toMs` (it ended). In doubt the door believes what sends a person to look: a
 * reassuring fact (locked, online) counts as of `fromMs`, so an event against it that occurred
 * later wins; an alarming one (unlocked, offline) as of `toMs`, so only a later event undoes it.
 */
export function seenBetween(facts: DeviceFacts, fromMs: number, toMs: number): FactTimes {
  return Object.fromEntries(
    deviceFactFields
      .filter((field) => facts[field] !== undefined)
      .map((field) => [field, facts[field] ? fromMs : toMs]),
  );
}

/**
 * Of `facts`, each as of its time in `atMs`, those not older than what the door holds, with
 * their times: a fact older than the door's changes nothing (a tie goes to the newcomer).
 */
export function newerFacts(
  facts: DeviceFacts,
  atMs: FactTimes,
  times: FactTimes,
): { facts: DeviceFacts; times: FactTimes } {
  const fields = deviceFactFields.filter(
    (field) => facts[field] !== undefined && atMs[field] !== undefined && atMs[field] >= (times[field] ?? -Infinity),
  );
  return {
    facts: Object.fromEntries(fields.map((field) => [field, facts[field]])),
    times: { ...times, ...Object.fromEntries(fields.map((field) => [field, atMs[field]])) },
  };
}

/** Event IDs heard lately, the newest last, at most {@link doorEventMemory}. */
export function rememberEvent(heard: readonly string[], eventId: string): string[] {
  return [...heard, eventId].slice(-doorEventMemory);
}
