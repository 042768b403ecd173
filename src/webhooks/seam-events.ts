/**
 * The Seam events lockstep acts on, as zod schemas over a verified webhook's body, and what each
 * says to the device's door. Lenient where Seam may add (unknown fields are dropped), strict where
 * lockstep acts (IDs, times, the event type). Other event types are acknowledged and ignored.
 */
import { z } from 'zod';
import { identifierMaxLength, identifierPattern } from '../contract/core';
import type { DoorSeamEvent } from '../contract/door';

const id = z.string().min(1).max(200);
/** A device ID as a lock action's input takes it: its door is `door/<deviceId>`. */
const deviceId = z.string().max(identifierMaxLength).regex(identifierPattern);
const instant = z.iso.datetime({ offset: true });

const commonEvent = {
  event_id: id,
  workspace_id: id.optional(),
  occurred_at: instant,
};

export const attemptEndedEventTypes = [
  'action_attempt.lock_door.succeeded',
  'action_attempt.lock_door.failed',
  'action_attempt.unlock_door.succeeded',
  'action_attempt.unlock_door.failed',
] as const;

const attemptEndedEvent = z.object({
  ...commonEvent,
  event_type: z.enum(attemptEndedEventTypes),
  action_attempt_id: id,
  // Seam's newer API versions name the device; older ones do not (the door cannot be found then).
  device_id: deviceId.optional(),
});

const connectionEvent = z.object({
  ...commonEvent,
  event_type: z.enum(['device.connected', 'device.disconnected']),
  device_id: deviceId,
});

const lockStateEvent = z.object({
  ...commonEvent,
  event_type: z.enum(['lock.locked', 'lock.unlocked']),
  device_id: deviceId,
  method: z.string().max(100).optional(),
  action_attempt_id: id.nullish(),
});

/** The events lockstep routes to a door, by `event_type`. */
export const seamEventSchema = z.discriminatedUnion('event_type', [attemptEndedEvent, connectionEvent, lockStateEvent]);
export type RoutedSeamEvent = z.infer<typeof seamEventSchema>;

export const routedEventTypes: readonly string[] = [
  ...attemptEndedEventTypes,
  'device.connected',
  'device.disconnected',
  'lock.locked',
  'lock.unlocked',
];

/** What a verified body is to lockstep. */
export type ReadEvent =
  | { kind: 'routed'; event: RoutedSeamEvent }
  | { kind: 'ignored'; eventType: string }
  | { kind: 'invalid'; problem: string };

/**
 * Reads a verified webhook body: an event lockstep routes (checked field by field), one it
 * ignores (another event type), or an invalid one (no `event_type`, or a routed type without
 * the fields it needs). The problem names fields, never their values.
 */
export function readSeamEvent(body: unknown): ReadEvent {
  const typed = z.object({ event_type: z.string().min(1).max(200) }).safeParse(body);
  if (!typed.success) return { kind: 'invalid', problem: 'the body is not a Seam event (no event_type)' };
  if (!routedEventTypes.includes(typed.data.event_type)) return { kind: 'ignored', eventType: typed.data.event_type };
  const parsed = seamEventSchema.safeParse(body);
  if (parsed.success) return { kind: 'routed', event: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    kind: 'invalid',
    problem: `${typed.data.event_type}: ${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'is invalid'}`,
  };
}

/** Where an event goes: the door of its device, with what it says; or nowhere, and why. */
export type EventRoute = { to: 'door'; deviceId: string; event: DoorSeamEvent } | { to: 'nowhere'; why: 'no_device' };

/**
 * The door an event is for and what it tells it. An attempt event that names no device (older
 * Seam API versions) cannot be routed: the door's polling finds the attempt's end instead.
 */
export function routeSeamEvent(event: RoutedSeamEvent): EventRoute {
  const common = { eventId: event.event_id, occurredAt: event.occurred_at };
  switch (event.event_type) {
    case 'action_attempt.lock_door.succeeded':
    case 'action_attempt.lock_door.failed':
    case 'action_attempt.unlock_door.succeeded':
    case 'action_attempt.unlock_door.failed':
      if (!event.device_id) return { to: 'nowhere', why: 'no_device' };
      return {
        to: 'door',
        deviceId: event.device_id,
        event: {
          ...common,
          kind: 'attempt_ended',
          actionAttemptId: event.action_attempt_id,
          status: event.event_type.endsWith('.succeeded') ? 'success' : 'error',
        },
      };
    case 'device.connected':
    case 'device.disconnected':
      return {
        to: 'door',
        deviceId: event.device_id,
        event: { ...common, kind: event.event_type === 'device.connected' ? 'connected' : 'disconnected' },
      };
    case 'lock.locked':
    case 'lock.unlocked':
      return {
        to: 'door',
        deviceId: event.device_id,
        event: {
          ...common,
          kind: event.event_type === 'lock.locked' ? 'locked' : 'unlocked',
          ...(event.method ? { method: event.method } : {}),
          ...(event.action_attempt_id ? { actionAttemptId: event.action_attempt_id } : {}),
        },
      };
  }
}
