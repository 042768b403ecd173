import {
  alertDeliveryActivityTimeoutMs,
  alertIdempotencyKey,
  alertRequestTimeoutMs,
  alertSchema,
  maxAlertDetails,
  type Alert,
} from '../../src/contract';

const raised: Alert = {
  idempotencyKey: 'door_not_locked/stay/room-12/front-door/raised',
  alertId: 'door_not_locked/stay/room-12/front-door',
  kind: 'door_not_locked',
  state: 'raised',
  deviceId: 'front-door',
  source: { workflowId: 'stay/room-12', reservationKey: 'room-12-2026-11-25' },
  message: 'front-door was not locked by 11:15',
  at: '2026-11-25T11:15:00+01:00',
  details: { failureCode: 'DEVICE_OFFLINE', minutesLate: 15, guestPresent: null },
};

describe('alertIdempotencyKey', () => {
  test('alertIdempotencyKey: one key per incident and state', () => {
    expect(alertIdempotencyKey('a/b', 'raised')).toBe('a/b/raised');
    expect(alertIdempotencyKey('a/b', 'resolved')).toBe('a/b/resolved');
  });
});

describe('alertSchema', () => {
  test('alertSchema: takes a raised alert and its resolved counterpart as they are', () => {
    expect(alertSchema.parse(raised)).toEqual(raised);
    const resolved = { ...raised, state: 'resolved', idempotencyKey: alertIdempotencyKey(raised.alertId, 'resolved') };
    expect(alertSchema.parse(resolved)).toEqual(resolved);
    const { details: _details, ...minimal } = { ...raised, source: { workflowId: 'schedule/front-door/nightly' } };
    expect(alertSchema.parse(minimal)).toEqual(minimal);
  });

  test.each([
    ['the idempotency key of the other state', { idempotencyKey: alertIdempotencyKey(raised.alertId, 'resolved') }],
    ['an alertId with a space', { alertId: 'door not locked', idempotencyKey: 'door not locked/raised' }],
    ['an unknown state', { state: 'acknowledged' }],
    ['an unknown source field', { source: { workflowId: 'stay/room-12', roomKey: '12' } }],
    ['an empty workflowId', { source: { workflowId: '' } }],
    ['a date without a time', { at: '2026-11-25' }],
    [
      'too many details',
      { details: Object.fromEntries(Array.from({ length: maxAlertDetails + 1 }, (_, i) => [`k${i}`, i])) },
    ],
    ['an array detail', { details: { devices: ['a', 'b'] } }],
  ])('alertSchema: refuses %s', (_case, change) => {
    expect(alertSchema.safeParse({ ...raised, ...change }).success).toBe(false);
  });
});

describe('alert delivery timing', () => {
  test('alert delivery timing: a try outlasts its request by at least 5 s of slack', () => {
    expect(alertDeliveryActivityTimeoutMs - alertRequestTimeoutMs).toBeGreaterThanOrEqual(5_000);
  });
});
