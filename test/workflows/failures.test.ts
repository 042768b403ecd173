/**
 * How failed activities become the lock action's typed failures, for the paths a real Temporal
 * server reaches only after minutes (an activity that times out on every try, a send try whose
 * worker died): pure functions over the failure values the SDK hands the workflow.
 */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { failureReportSchema, type FailureCode } from '../../src/contract';
import { lostTry } from '../../src/workflows/command';
import { activityFailureAsLockFailure, type LockActionState } from '../../src/workflows/failures';

function state(overrides: Partial<LockActionState> = {}): LockActionState {
  return {
    action: 'UNLOCK_DOOR',
    deviceId: 'front-door',
    progress: { phase: 'commanding', polls: 0, actionAttemptId: null, lastStatus: null },
    commandSent: false,
    capability: null,
    ambiguousTry: false,
    lockResent: false,
    ...overrides,
  };
}

function activityFailure(activityType: string, cause: Error): ActivityFailure {
  return new ActivityFailure(
    'activity failed',
    activityType,
    'id-1',
    RetryState.MAXIMUM_ATTEMPTS_REACHED,
    'worker',
    cause,
  );
}

const timedOut = () => new TimeoutFailure('activity StartToClose timeout', undefined, TimeoutType.START_TO_CLOSE);

/** What `call` throws (undefined when it returns). */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}

function expectTyped(failure: unknown, code: FailureCode) {
  if (!(failure instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(failure)}`);
  expect(failure).toMatchObject({ type: code, nonRetryable: true });
  return failureReportSchema.strict().parse(failure.details?.[0]);
}

describe('activityFailureAsLockFailure', () => {
  test('activityFailureAsLockFailure: an activity that timed out on every try is SEAM_UNAVAILABLE with a report', () => {
    const report = expectTyped(
      activityFailureAsLockFailure(state(), activityFailure('checkDevice', timedOut())),
      'SEAM_UNAVAILABLE',
    );
    expect(report.message).toContain('checkDevice did not finish in time');
  });

  test("activityFailureAsLockFailure: one of lockstep's codes passes through with Seam's request id", () => {
    const cause = ApplicationFailure.nonRetryable('Device not found', 'DEVICE_NOT_FOUND', {
      seamRequestId: 'req-1',
      seamErrorType: 'device_not_found',
    });
    const report = expectTyped(
      activityFailureAsLockFailure(state(), activityFailure('checkDevice', cause)),
      'DEVICE_NOT_FOUND',
    );
    expect(report).toMatchObject({ seamRequestId: 'req-1', seamError: { type: 'device_not_found' } });
  });

  test('activityFailureAsLockFailure: a command that may have reached Seam makes commandSent unknown', () => {
    const cause = ApplicationFailure.nonRetryable('reset', 'COMMAND_OUTCOME_UNKNOWN', {
      commandMayHaveReachedSeam: true,
    });
    expect(
      expectTyped(
        activityFailureAsLockFailure(state(), activityFailure('sendCommandTry', cause)),
        'COMMAND_OUTCOME_UNKNOWN',
      ).commandSent,
    ).toBeNull();
  });
});

describe('lostTry', () => {
  const sendBy = Date.parse('2026-11-26T12:00:00Z');

  test('lostTry: an unlock try whose activity timed out (its worker died) ends COMMAND_OUTCOME_UNKNOWN, never tried again', () => {
    const s = state();
    const thrown = thrownBy(() => lostTry(s, activityFailure('sendCommandTry', timedOut()), sendBy));
    expect(expectTyped(thrown, 'COMMAND_OUTCOME_UNKNOWN').commandSent).toBeNull();
  });

  test('lostTry: a try that timed out after heartbeating its attempt (it died while watching) is sent: that attempt, polled from here', () => {
    const sent = { actionAttemptId: 'attempt-1', commandSentAt: '2026-11-26T11:59:00.000Z' };
    const died = new TimeoutFailure('activity StartToClose timeout', sent, TimeoutType.START_TO_CLOSE);
    const s = state();
    expect(lostTry(s, activityFailure('sendCommandTry', died), sendBy)).toEqual({
      sent: true,
      actionAttempt: { actionAttemptId: 'attempt-1', status: 'pending', wasConfirmedByDevice: null, error: null },
      commandSentAt: sent.commandSentAt,
      watched: {
        actionAttempt: { actionAttemptId: 'attempt-1', status: 'pending', wasConfirmedByDevice: null, error: null },
        reads: 0,
      },
    });
  });

  test('lostTry: an announced unlock try that timed out with no heartbeat at all never reached its send: not sent, tried again', () => {
    const s = state({ announcesSend: true });
    expect(lostTry(s, activityFailure('sendCommandTryAnnounced', timedOut()), sendBy)).toMatchObject({
      sent: false,
      mayHaveReachedSeam: false,
      failureType: 'SEND_NOT_REACHED',
    });
  });

  test('lostTry: an announced unlock try that timed out after announcing its send may have sent: COMMAND_OUTCOME_UNKNOWN, never tried again', () => {
    const announced = { aboutToSend: true, at: '2026-11-26T11:59:00.000Z' };
    const died = new TimeoutFailure('activity StartToClose timeout', announced, TimeoutType.START_TO_CLOSE);
    const s = state({ announcesSend: true });
    const thrown = thrownBy(() => lostTry(s, activityFailure('sendCommandTryAnnounced', died), sendBy));
    expect(expectTyped(thrown, 'COMMAND_OUTCOME_UNKNOWN').commandSent).toBeNull();
  });

  test('lostTry: an announced unlock try that a worker without it refused (NotFoundError) never ran: not sent, tried again', () => {
    const refused = ApplicationFailure.create({ type: 'NotFoundError', message: 'not registered on this Worker' });
    expect(
      lostTry(state({ announcesSend: true }), activityFailure('sendCommandTryAnnounced', refused), sendBy),
    ).toMatchObject({ sent: false, mayHaveReachedSeam: false, failureType: 'SEND_TRY_NOT_REGISTERED' });
  });

  test('lostTry: a lock try whose activity timed out may be tried again, as one that may have landed', () => {
    expect(
      lostTry(state({ action: 'LOCK_DOOR' }), activityFailure('sendCommandTry', timedOut()), sendBy),
    ).toMatchObject({ sent: false, mayHaveReachedSeam: true });
  });

  test("lostTry: the activity's DEADLINE_PASSED after a lock try that may have landed is COMMAND_OUTCOME_UNKNOWN, not 'nothing sent'", () => {
    const cause = ApplicationFailure.nonRetryable('too late', 'DEADLINE_PASSED');
    const thrown = thrownBy(() =>
      lostTry(
        state({ action: 'LOCK_DOOR', commandSent: null, ambiguousTry: true }),
        activityFailure('sendCommandTry', cause),
        sendBy,
      ),
    );
    const report = expectTyped(thrown, 'COMMAND_OUTCOME_UNKNOWN');
    // One try that may have landed, none after it: not a re-send.
    expect(report).toMatchObject({ commandSent: null, warnings: [] });
  });

  test("lostTry: the activity's DEADLINE_PASSED with nothing sent is DEADLINE_PASSED, commandSent false", () => {
    const cause = ApplicationFailure.nonRetryable('too late', 'DEADLINE_PASSED');
    const thrown = thrownBy(() => lostTry(state(), activityFailure('sendCommandTry', cause), sendBy));
    expect(expectTyped(thrown, 'DEADLINE_PASSED').commandSent).toBe(false);
  });
});
