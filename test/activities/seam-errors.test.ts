import {
  classifySeamHttpFailure,
  commandDelivery,
  isTransientFailureType,
  toSeamFailure,
} from '../../src/activities/seam/errors';

describe('classifySeamHttpFailure', () => {
  test.each([
    [null, null, 'SEAM_NETWORK_ERROR'],
    [429, 'rate_limited', 'SEAM_RATE_LIMITED'],
    [500, null, 'SEAM_SERVER_ERROR'],
    [503, null, 'SEAM_SERVER_ERROR'],
    [401, 'unauthorized', 'UNAUTHORIZED'],
    [403, 'forbidden', 'UNAUTHORIZED'],
    [404, 'device_not_found', 'DEVICE_NOT_FOUND'],
    [400, 'invalid_input', 'INVALID_REQUEST'],
    [422, null, 'INVALID_REQUEST'],
    [409, 'conflict', 'SEAM_REJECTED'],
  ])('classifySeamHttpFailure: %p %p is %p', (status, type, expected) => {
    expect(classifySeamHttpFailure(status, type)).toBe(expected);
  });
});

test('toSeamFailure: a raw network error (no response) is retryable', () => {
  const failure = toSeamFailure(
    Object.assign(new Error('socket hang up'), { isAxiosError: true, code: 'ECONNRESET' }),
    'locks.lock_door',
  );
  expect(failure).toMatchObject({ type: 'SEAM_NETWORK_ERROR', nonRetryable: false });
  expect(failure.message).toContain('ECONNRESET');
  expect(isTransientFailureType(failure.type)).toBe(true);
});

describe('commandDelivery', () => {
  const axiosError = (extra: object) => Object.assign(new Error('Network Error'), { isAxiosError: true }, extra);

  test.each([
    ['a refused connection', axiosError({ code: 'ERR_NETWORK', cause: { code: 'ECONNREFUSED' } }), 'undelivered'],
    ['an unknown host', axiosError({ code: 'ERR_NETWORK', cause: { cause: { code: 'ENOTFOUND' } } }), 'undelivered'],
    ['a 429', axiosError({ response: { status: 429, headers: {} } }), 'undelivered'],
    ['a 503', axiosError({ response: { status: 503, headers: {} } }), 'undelivered'],
    ['a dropped socket', axiosError({ code: 'ERR_NETWORK', cause: { code: 'UND_ERR_SOCKET' } }), 'maybe_delivered'],
    ['a timeout', axiosError({ code: 'ETIMEDOUT' }), 'maybe_delivered'],
    ['a 502', axiosError({ response: { status: 502, headers: {} } }), 'maybe_delivered'],
    ['a 400', axiosError({ response: { status: 400, headers: {} } }), 'rejected'],
    ['something that is not an HTTP error', new TypeError('boom'), 'maybe_delivered'],
  ])('commandDelivery: %s is %s', (_case, err, expected) => {
    expect(commandDelivery(err)).toBe(expected);
  });
});

test('toSeamFailure: an error that is not an HTTP outcome is SEAM_CALL_FAILED, not a network error', () => {
  expect(toSeamFailure(new TypeError('boom'), 'devices.get')).toMatchObject({
    type: 'SEAM_CALL_FAILED',
    nonRetryable: false,
  });
});
