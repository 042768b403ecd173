/**
 * lockstep's own metrics, exported beside the Temporal runtime's (`temporal_*`) on the
 * Prometheus endpoint that LOCKSTEP_METRICS_ADDR opens (off when unset). Names and labels are a
 * contract for dashboards and alert rules: the README's metrics table lists them.
 *
 * Emitted through the SDK's metric meters: workflows' (not while replaying, so a replay or a
 * worker restart does not count an action twice), activities' and the worker process's.
 */
export const metricNames = {
  /** Counter: lock actions ended, by `action` and `outcome` (`success` or the failure code). */
  lockActions: 'lockstep_lock_actions_total',
  /** Histogram (ms): a lock action's start to its result, by `action` and `outcome`. */
  lockActionDuration: 'lockstep_lock_action_duration_ms',
  /**
   * Histogram (ms): how late lockstep can have learned that an attempt ended — the
   * time between the last read that saw it pending and the one that saw it end (the attempt
   * ended somewhere in between). Recorded where attempts usually end, in the watch after a send;
   * with push (LOCKSTEP_PUSH=on), from the webhook's `occurred_at` to the read it woke.
   */
  detectionDelay: 'lockstep_detection_delay_ms',
  /** Counter: Seam HTTP requests, by `route` (e.g. `/locks/lock_door`) and `status` (HTTP status, or `error`). */
  seamRequests: 'lockstep_seam_requests_total',
  /** Counter: lock / unlock commands Seam accepted, by `action`. */
  commandsSent: 'lockstep_commands_sent_total',
  /** Counter: alerts delivered to LOCKSTEP_ALERT_URL, by `kind` and `state` (raised / resolved). */
  alerts: 'lockstep_alerts_total',
  /**
   * Counter: webhook requests the receiver answered, by `outcome` (`delivered`, `unknown_door`,
   * `no_device`, `ignored`, `unauthorized`, `invalid`, `too_large`, `not_found`,
   * `method_not_allowed`, `temporal_unavailable`, `internal_error`) and `event_type` (`none` when it was not read).
   */
  webhooks: 'lockstep_webhooks_total',
  /** Gauge: workflows whose LockstepAttention is set, by `kind` (`stays`, `scheduleRuns`, `failedLockActions`: the queries of `lockstep attention`). */
  attention: 'lockstep_attention_workflows',
} as const;

/** Bucket bounds (ms) for the histograms; the runtime's default buckets are too coarse below 50 ms. */
export const metricBuckets: Record<string, number[]> = {
  [metricNames.detectionDelay]: [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000],
  [metricNames.lockActionDuration]: [250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000],
};
