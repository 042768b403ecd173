/**
 * What the activities and the Seam client count (names: contract/metrics.ts), through the
 * runtime's metric meter (the worker passes it; a no-op unless LOCKSTEP_METRICS_ADDR is set).
 */
import type { MetricMeter } from '@temporalio/common';
import type { LockAction } from '../contract';
import { metricNames } from '../contract/metrics';

/** What the activities and the Seam client report. */
export interface LockstepMetrics {
  seamRequest: (route: string, status: string) => void;
  commandSent: (action: LockAction) => void;
  /** The detection bound of an attempt seen to end (see metricNames.detectionDelay). */
  attemptEnded: (detectionBoundMs: number) => void;
  alert: (kind: string, state: string) => void;
}

/** Reports nothing (unit tests, tools that build activities without a runtime). */
export const noMetrics: LockstepMetrics = {
  seamRequest: () => undefined,
  commandSent: () => undefined,
  attemptEnded: () => undefined,
  alert: () => undefined,
};

export function lockstepMetrics(meter: MetricMeter): LockstepMetrics {
  const seamRequests = meter.createCounter(metricNames.seamRequests, '1', 'Seam HTTP requests, by route and status');
  const commandsSent = meter.createCounter(metricNames.commandsSent, '1', 'lock / unlock commands Seam accepted');
  const detection = meter.createHistogram(
    metricNames.detectionDelay,
    'int',
    'ms',
    "how late an attempt end was seen: from the last read that saw it pending (or, pushed, from Seam's end) to the read that saw it end",
  );
  const alerts = meter.createCounter(metricNames.alerts, '1', 'alerts raised and resolved, by kind');
  return {
    seamRequest: (route, status) => seamRequests.add(1, { route, status }),
    commandSent: (action) => commandsSent.add(1, { action }),
    attemptEnded: (ms) => detection.record(Math.max(0, Math.round(ms))),
    alert: (kind, state) => alerts.add(1, { kind, state }),
  };
}
