import { randomUUID } from 'node:crypto';
import { readSeamEvent, routeSeamEvent, type RoutedSeamEvent } from '../../src/webhooks/seam-events';
import { doorSeamEventOf } from '../../src/workflows/payloads';

const occurred_at = '2026-11-26T20:00:00.000Z';
const common = () => ({ event_id: randomUUID(), workspace_id: randomUUID(), created_at: occurred_at, occurred_at });

function routed(body: Record<string, unknown>): RoutedSeamEvent {
  const read = readSeamEvent(body);
  if (read.kind !== 'routed') throw new Error(`expected a routed event, got ${JSON.stringify(read)}`);
  return read.event;
}

describe('readSeamEvent and routeSeamEvent', () => {
  test.each([
    ['action_attempt.lock_door.succeeded', 'success'],
    ['action_attempt.lock_door.failed', 'error'],
    ['action_attempt.unlock_door.succeeded', 'success'],
    ['action_attempt.unlock_door.failed', 'error'],
  ] as const)('routeSeamEvent: %s goes to the device door as the attempt ending %s', (event_type, status) => {
    const body = {
      ...common(),
      event_type,
      action_attempt_id: randomUUID(),
      action_type: 'LOCK_DOOR',
      status,
      device_id: 'front',
    };
    expect(routeSeamEvent(routed(body))).toEqual({
      to: 'door',
      deviceId: 'front',
      event: {
        eventId: body.event_id,
        occurredAt: occurred_at,
        kind: 'attempt_ended',
        actionAttemptId: body.action_attempt_id,
        status,
      },
    });
  });

  test('routeSeamEvent: an attempt event that names no device goes nowhere (older API versions): polling finds its end', () => {
    const body = { ...common(), event_type: 'action_attempt.lock_door.succeeded', action_attempt_id: randomUUID() };
    expect(routeSeamEvent(routed(body))).toEqual({ to: 'nowhere', why: 'no_device' });
  });

  test('routeSeamEvent: connection and lock state events say what they state, with method and attempt when given', () => {
    expect(
      routeSeamEvent(routed({ ...common(), event_type: 'device.disconnected', device_id: 'front', error_code: 'x' })),
    ).toMatchObject({
      deviceId: 'front',
      event: { kind: 'disconnected' },
    });
    expect(routeSeamEvent(routed({ ...common(), event_type: 'device.connected', device_id: 'front' }))).toMatchObject({
      event: { kind: 'connected' },
    });
    const attempt = randomUUID();
    expect(
      routeSeamEvent(
        routed({
          ...common(),
          event_type: 'lock.locked',
          device_id: 'front',
          method: 'remote',
          action_attempt_id: attempt,
        }),
      ),
    ).toMatchObject({ event: { kind: 'locked', method: 'remote', actionAttemptId: attempt } });
    expect(
      routeSeamEvent(routed({ ...common(), event_type: 'lock.unlocked', device_id: 'front', action_attempt_id: null })),
    ).toMatchObject({
      event: { kind: 'unlocked' },
    });
  });

  test('readSeamEvent: other event types are ignored; unknown fields are dropped', () => {
    expect(readSeamEvent({ ...common(), event_type: 'access_code.created' })).toEqual({
      kind: 'ignored',
      eventType: 'access_code.created',
    });
    const event = routed({ ...common(), event_type: 'device.connected', device_id: 'front', something_new: 1 });
    expect(event).not.toHaveProperty('something_new');
  });

  test.each([
    ['no event_type', { ...common() }, /no event_type/],
    ['not an object', 'lock.locked', /no event_type/],
    ['a lock event with no device', { ...common(), event_type: 'lock.locked' }, /lock.locked: device_id/],
    ['a device ID no door can have', { ...common(), event_type: 'lock.locked', device_id: 'a b' }, /device_id/],
    ['no event_id', { event_type: 'device.connected', device_id: 'front', occurred_at }, /event_id/],
    [
      'occurred_at not a time',
      { ...common(), event_type: 'device.connected', device_id: 'front', occurred_at: 'yesterday' },
      /occurred_at/,
    ],
    [
      'an attempt event with no attempt',
      { ...common(), event_type: 'action_attempt.lock_door.failed', device_id: 'front' },
      /action_attempt_id/,
    ],
  ])('readSeamEvent: %s is invalid, naming the field', (_what, body, problem) => {
    const read = readSeamEvent(body);
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' && read.problem).toMatch(problem);
  });
});

describe('doorSeamEventOf', () => {
  const event = { eventId: 'e1', kind: 'locked', occurredAt: occurred_at };

  test('doorSeamEventOf: takes what the receiver sends', () => {
    expect(doorSeamEventOf(event)).toEqual(event);
    const ended = {
      eventId: 'e2',
      kind: 'attempt_ended',
      occurredAt: occurred_at,
      actionAttemptId: 'a',
      status: 'error',
    };
    expect(doorSeamEventOf(ended)).toEqual(ended);
  });

  test.each([
    ['nothing', undefined],
    ['an unknown kind', { ...event, kind: 'opened' }],
    ['no event ID', { ...event, eventId: undefined }],
    ['a time that is not one', { ...event, occurredAt: 'soon' }],
    ['an attempt end without its attempt', { ...event, kind: 'attempt_ended', status: 'success' }],
    ['an attempt end that is not an end', { ...event, kind: 'attempt_ended', actionAttemptId: 'a', status: 'pending' }],
  ])('doorSeamEventOf: refuses %s', (_what, payload) => {
    expect(doorSeamEventOf(payload)).toBeUndefined();
  });
});
