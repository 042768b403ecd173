/**
 * Checks for the payloads lock actions and doors receive inside the workflow sandbox: the
 * "attempt ended" signal and the signals between a lock action and its door (the command
 * activity's last heartbeat: `sentCommandOf` in contract/core.ts). Hand-written (no zod):
 * see contract/core.ts for why workflow code stays zod-free. The shapes: actionAttemptEndedSignalSchema
 * (contract/index.ts) and SentCommand (contract/core.ts).
 */
import { actionAttemptStatuses, lockActions } from '../contract/core';
import type { StayDoorEvent } from '../contract/reservation-core';
import {
  doorSeamEventKinds,
  type DoorLockActionRequest,
  type DoorRequest,
  type DoorSeamEvent,
  type DoorVerdict,
  type Requester,
} from '../contract/door';

/** The attempt an "ended" signal names ('*' when it names none); null when it is malformed or says pending. */
export function endedAttemptOf(signal: unknown): string | null {
  if (signal === undefined || signal === null) return '*';
  if (typeof signal !== 'object' || Array.isArray(signal)) return null;
  const { actionAttemptId, status, ...rest } = signal as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (actionAttemptId !== undefined && typeof actionAttemptId !== 'string') return null;
  if (status !== undefined && !(actionAttemptStatuses as readonly unknown[]).includes(status)) return null;
  if (status === 'pending') return null;
  return actionAttemptId ?? '*';
}

type Loose<T> = Partial<Record<keyof T, unknown>> | null | undefined;

/** The lock action a door signal names; undefined when malformed. */
export function requesterOf(payload: unknown): Requester | undefined {
  const requester = (payload as Loose<{ requester: unknown }>)?.requester as Loose<Requester>;
  if (typeof requester?.workflowId !== 'string' || typeof requester.runId !== 'string') return undefined;
  return { workflowId: requester.workflowId, runId: requester.runId };
}

/**
 * A lock action's request, when well-formed and for this door's device. Its plan was validated
 * by the lock action's check (the door never sees raw caller input).
 */
export function doorRequestOf(payload: unknown, deviceId: string): DoorRequest | undefined {
  const request = payload as Loose<DoorRequest>;
  const requester = requesterOf(payload);
  const plan = request?.plan as Loose<DoorRequest['plan']>;
  if (!requester || !(lockActions as readonly unknown[]).includes(request?.action)) return undefined;
  if (typeof request?.sendBy !== 'number' || plan?.deviceId !== deviceId) return undefined;
  // The requester as read: a signal cannot pose as one of the door's own updates.
  return { ...(payload as DoorRequest), requester };
}

/**
 * A `lockAction` update's argument, when well-formed: an action and an input object (the input
 * itself is validated by the device check, with the contract's schema). Nothing else may ride along.
 */
export function doorLockActionRequestOf(payload: unknown): DoorLockActionRequest | undefined {
  const request = payload as Loose<DoorLockActionRequest>;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return undefined;
  if (Object.keys(request).some((key) => key !== 'action' && key !== 'input')) return undefined;
  if (!(lockActions as readonly unknown[]).includes(request.action)) return undefined;
  if (typeof request.input !== 'object' || request.input === null || Array.isArray(request.input)) return undefined;
  return payload as DoorLockActionRequest;
}

/** The update a withdrawal names (`{updateId}`: a `lockAction` update's caller); undefined otherwise. */
export function withdrawnUpdateOf(payload: unknown): string | undefined {
  const updateId = (payload as Loose<{ updateId: string }>)?.updateId;
  // Remembered (and carried) until the update comes: a bounded string, as the client names it.
  return typeof updateId === 'string' && updateId.length > 0 && updateId.length <= 400 ? updateId : undefined;
}

/**
 * The door's answer, when well-formed. It is not matched against this workflow's ID or run:
 * the door signals one run and the server delivers to no other, while a replay runs under
 * another ID. (A namespace caller able to forge it could as well start an unlock.)
 */
export function doorVerdictOf(payload: unknown): DoorVerdict | undefined {
  const kind = (payload as Loose<DoorVerdict>)?.kind;
  if (!requesterOf(payload)) return undefined;
  return kind === 'observed' || kind === 'failed' ? (payload as DoorVerdict) : undefined;
}

/**
 * A Seam event from the webhook receiver, when well-formed (the receiver validated Seam's body;
 * this guards the door against any other sender in the namespace).
 */
export function doorSeamEventOf(payload: unknown): DoorSeamEvent | undefined {
  const event = payload as Loose<DoorSeamEvent>;
  if (typeof event?.eventId !== 'string' || typeof event.occurredAt !== 'string') return undefined;
  if (!(doorSeamEventKinds as readonly unknown[]).includes(event.kind) || Number.isNaN(Date.parse(event.occurredAt)))
    return undefined;
  if (event.actionAttemptId !== undefined && typeof event.actionAttemptId !== 'string') return undefined;
  if (event.kind === 'attempt_ended' && (typeof event.actionAttemptId !== 'string' || !isEnd(event.status)))
    return undefined;
  return payload as DoorSeamEvent;
}

/** A Seam event about one of a stay's doors, when well-formed. */
export function stayDoorEventOf(payload: unknown): StayDoorEvent | undefined {
  const { deviceId, event } = (payload as Loose<StayDoorEvent>) ?? {};
  const heard = doorSeamEventOf(event);
  return typeof deviceId === 'string' && heard ? { deviceId, event: heard } : undefined;
}

function isEnd(status: unknown): status is 'success' | 'error' {
  return status === 'success' || status === 'error';
}
