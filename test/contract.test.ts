import {
  inputDefaults,
  lockActionInputSchema,
  lockActionOfWorkflowType,
  lockActionWorkflowId,
  parseLockActionWorkflowId,
  workflowTypes,
  parseDurationMs,
  planFromInput,
} from '../src/contract';

describe('parseDurationMs', () => {
  test.each([
    [1500, 1500],
    ['PT2M', 120_000],
    ['PT1H30M', 5_400_000],
    ['PT0.5S', 500],
    ['90s', 90_000],
    ['2 minutes', 120_000],
  ])('parseDurationMs: %p is %p ms', (value, ms) => {
    expect(parseDurationMs(value)).toBe(ms);
  });

  test.each(['forever', 'P', 'PT', ''])('parseDurationMs: %p is not a duration', (value) => {
    expect(parseDurationMs(value)).toBeUndefined();
  });
});

describe('lockActionInputSchema', () => {
  test('lockActionInputSchema: the minimal input takes every default', () => {
    const plan = planFromInput(lockActionInputSchema.parse({ deviceId: 'front-door' }));
    expect(plan).toEqual({
      deviceId: 'front-door',
      requestId: undefined,
      notAfter: undefined,
      timeoutMs: inputDefaults.timeoutMs,
      watchWindowMs: inputDefaults.watchWindowMs,
      pollInterval: inputDefaults.pollInterval,
      verifyLockedState: true,
      metadata: {},
    });
  });

  test('lockActionInputSchema: durations accept ms, ISO-8601 and words; pollInterval max follows a larger initial', () => {
    const plan = planFromInput(
      lockActionInputSchema.parse({ deviceId: 'd', timeout: 'PT5M', watchWindow: 0, pollInterval: { initial: '30s' } }),
    );
    expect(plan).toMatchObject({
      timeoutMs: 300_000,
      watchWindowMs: 0,
      pollInterval: { initialMs: 30_000, maxMs: 30_000, multiplier: 2 },
    });
  });

  test.each([
    [{}, 'deviceId'],
    [{ deviceId: 'has space' }, 'deviceId'],
    [{ deviceId: 'd', notAfter: '2026-11-25 20:00' }, 'notAfter'],
    [{ deviceId: 'd', timeout: 500 }, 'timeout'],
    [{ deviceId: 'd', watchWindow: '1 minute' }, 'watchWindow'],
    [{ deviceId: 'd', pollInterval: { initial: '10s', max: '5s' } }, 'pollInterval'],
    [{ deviceId: 'd', apiKey: 'seam_x' }, ''],
  ])('lockActionInputSchema: rejects %p (at %p)', (input, path) => {
    const parsed = lockActionInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (!parsed.success && path)
      expect(parsed.error.issues.map((i) => i.path.join('.'))).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`^${path}`))]),
      );
  });
});

test('lockActionWorkflowId: the same device and requestId give the same id; the action is part of it', () => {
  expect(lockActionWorkflowId('LOCK_DOOR', 'd1', 'r1')).toBe(lockActionWorkflowId('LOCK_DOOR', 'd1', 'r1'));
  expect(lockActionWorkflowId('LOCK_DOOR', 'd1', 'r1')).not.toBe(lockActionWorkflowId('UNLOCK_DOOR', 'd1', 'r1'));
});

test('parseLockActionWorkflowId: inverts lockActionWorkflowId, and rejects other shapes', () => {
  for (const action of ['LOCK_DOOR', 'UNLOCK_DOOR'] as const) {
    expect(parseLockActionWorkflowId(lockActionWorkflowId(action, 'front-door', 'checkout-12'))).toEqual({
      action,
      deviceId: 'front-door',
      requestId: 'checkout-12',
    });
  }
  for (const other of ['plain-json-lock', 'lock/front-door', 'open/front-door/r1', 'lock/a/b/c', 'lock//r1']) {
    expect(parseLockActionWorkflowId(other)).toBeUndefined();
  }
});

test('lockActionOfWorkflowType: inverts workflowTypes, and knows no other type', () => {
  expect(lockActionOfWorkflowType(workflowTypes.LOCK_DOOR)).toBe('LOCK_DOOR');
  expect(lockActionOfWorkflowType(workflowTypes.UNLOCK_DOOR)).toBe('UNLOCK_DOOR');
  expect(lockActionOfWorkflowType('SomethingElse')).toBeUndefined();
});
