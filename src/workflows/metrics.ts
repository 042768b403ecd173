/**
 * What workflows count (names: contract/metrics.ts), through the workflow metric meter: it
 * emits nothing while a workflow replays, so a worker that picks a workflow up again does not
 * count its end twice. No history event, no command: replay is unaffected.
 */
import { metricMeter } from '@temporalio/workflow';
import type { FailureCode, LockAction } from '../contract/core';
import { metricNames } from '../contract/metrics';

/** A lock action's end: one count, and its duration since the workflow started. */
export function countLockActionEnd(action: LockAction, outcome: 'success' | FailureCode, startedAt: Date): void {
  const tags = { action, outcome };
  metricMeter.createCounter(metricNames.lockActions, '1', 'lock actions ended, by action and outcome').add(1, tags);
  metricMeter
    .createHistogram(metricNames.lockActionDuration, 'int', 'ms', "a lock action's start to its result")
    .record(Math.max(0, Date.now() - startedAt.getTime()), tags);
}
