import { sentCommandOf } from '../../src/contract/core';
import { endedAttemptOf } from '../../src/workflows/payloads';

describe('endedAttemptOf', () => {
  test.each([
    [undefined, '*'],
    [{}, '*'],
    [{ status: 'success' }, '*'],
    [{ actionAttemptId: 'a1', status: 'error' }, 'a1'],
    [{ actionAttemptId: 'a1', status: 'pending' }, null],
    [{ actionAttemptId: 42 }, null],
    [{ status: 'finished' }, null],
    [{ actionAttemptId: 'a1', extra: true }, null],
    ['a1', null],
    [['a1'], null],
  ])('endedAttemptOf: %p -> %p', (signal, expected) => {
    expect(endedAttemptOf(signal)).toBe(expected);
  });
});

describe('sentCommandOf', () => {
  test('sentCommandOf: reads the attempt id and send time the command activity heartbeated', () => {
    expect(sentCommandOf({ actionAttemptId: 'a1', commandSentAt: '2026-11-25T20:00:00.000Z' })).toEqual({
      actionAttemptId: 'a1',
      commandSentAt: '2026-11-25T20:00:00.000Z',
    });
  });

  test.each([undefined, null, {}, { actionAttemptId: 'a1' }, { actionAttemptId: 1, commandSentAt: 'x' }])(
    'sentCommandOf: %p is no command',
    (details) => {
      expect(sentCommandOf(details)).toBeNull();
    },
  );
});
