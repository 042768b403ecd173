import { classifySeamHttpFailure, isTransientFailureType, toSeamFailure } from '../../src/activities/seam-errors';

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
  const failure = toSeamFailure(Object.assign(new Error('socket hang up'), { isAxiosError: true, code: 'ECONNRESET' }), 'locks.lock_door');
  expect(failure).toMatchObject({ type: 'SEAM_NETWORK_ERROR', nonRetryable: false });
  expect(failure.message).toContain('ECONNRESET');
  expect(isTransientFailureType(failure.type)).toBe(true);
});
