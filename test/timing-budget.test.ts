/**
 * The timing numbers of src/contract/timing-budget.ts still fit together: each activity's timeout covers
 * the requests it makes, a send can never outlive its deadline, and a cancel keeps its 2 s promise.
 */
import { inputDefaults } from '../src/contract';
import {
  cancelSendGraceMs,
  pendingTryReadTimeoutMs,
  commandSendBackoff,
  commandSendTries,
  defaultRequestTimeoutMs,
  maxRequestTimeoutMs,
  minActionTimeoutMs,
  minRequestTimeoutMs,
  minSendWindowMs,
  readActivityTimeoutMs,
  requesterCheckMaxMs,
  sendActivityTimeoutMs,
  sendAnnounceTimeoutMs,
  sendSlackMs,
  watchActivityTimeoutMs,
} from '../src/contract/timing-budget';
import { pollDelayMs, sendRequestBoundMs } from '../src/decisions';

/** What two workflow tasks may take on a busy worker, for the cancel promise. */
const twoWorkflowTasksMs = 600;

describe('timing budget', () => {
  test('timing budget: the default request bound lies within its allowed range', () => {
    expect(defaultRequestTimeoutMs).toBeGreaterThanOrEqual(minRequestTimeoutMs);
    expect(defaultRequestTimeoutMs).toBeLessThanOrEqual(maxRequestTimeoutMs);
  });

  test("timing budget: a send try outlasts an unlock's announcement, its requester check and its one request at the longest bound", () => {
    expect(sendActivityTimeoutMs).toBeGreaterThanOrEqual(
      sendAnnounceTimeoutMs + requesterCheckMaxMs + maxRequestTimeoutMs + 1_000,
    );
  });

  test('timing budget: a read activity outlasts a read and its read-back at the longest bound', () => {
    expect(readActivityTimeoutMs).toBeGreaterThan(2 * maxRequestTimeoutMs);
    expect(watchActivityTimeoutMs(30_000)).toBeGreaterThan(30_000 + 2 * maxRequestTimeoutMs);
  });

  test('timing budget: a send request never runs past sendBy minus the slack', () => {
    const sendBy = 1_000_000;
    for (const now of [sendBy - 60_000, sendBy - sendSlackMs - minSendWindowMs, sendBy - 5_000]) {
      expect(now + sendRequestBoundMs(now, sendBy, maxRequestTimeoutMs)).toBeLessThanOrEqual(sendBy - sendSlackMs);
    }
  });

  test('timing budget: the shortest timeout leaves room for a whole send window', () => {
    expect(minActionTimeoutMs).toBeGreaterThan(minSendWindowMs + sendSlackMs);
  });

  test('timing budget: a cancel during an in-flight send keeps the 2 s promise', () => {
    expect(cancelSendGraceMs + twoWorkflowTasksMs).toBeLessThanOrEqual(2_000);
  });

  test("timing budget: a cancel during a door's send-and-watch try keeps the 2 s promise with both reads of its heartbeat", () => {
    expect(cancelSendGraceMs + 2 * pendingTryReadTimeoutMs + twoWorkflowTasksMs).toBeLessThanOrEqual(2_000);
  });

  test('timing budget: every send try and its back-off fit well inside the default timeout', () => {
    const backoffs = Array.from({ length: commandSendTries - 1 }, (_, i) => pollDelayMs(commandSendBackoff, i)).reduce(
      (a, b) => a + b,
      0,
    );
    const tryMs = sendAnnounceTimeoutMs + requesterCheckMaxMs + defaultRequestTimeoutMs;
    expect(backoffs + commandSendTries * tryMs).toBeLessThan(inputDefaults.timeoutMs);
  });
});
