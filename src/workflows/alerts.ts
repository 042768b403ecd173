/**
 * Alerts from workflow code: the stay and schedule workflows call {@link sendAlert} when a door
 * needs a person (not locked in time, an unlock not sent in its window) and again when that ends.
 * Delivery is an activity (src/activities/alerts/): the receiver's URL and the signing secret
 * stay in the worker, and Temporal retries a receiver that is down.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import type { Alert, AlertSource } from '../contract/alerts';
import {
  alertDeliveryActivityTimeoutMs,
  alertFailureTypes,
  alertIdempotencyKey,
  boundedAlertId,
  type AlertKind,
} from '../contract/alerts-core';

/**
 * The alert about one door of a stay or a schedule's run: one ID per workflow, kind and door (so
 * its `resolved` matches its `raised`), bounded to the contract's length, with the failure code
 * of the door's last action when it failed.
 */
export function doorAlert(
  source: AlertSource,
  door: { deviceId: string; lastOutcome: string | null },
  kind: AlertKind,
  state: Alert['state'],
  message: string,
): Alert {
  const alertId = boundedAlertId(`${source.workflowId}/${kind}/${door.deviceId}`);
  return {
    alertId,
    idempotencyKey: alertIdempotencyKey(alertId, state),
    kind,
    state,
    deviceId: door.deviceId,
    source,
    message,
    at: new Date().toISOString(),
    ...(door.lastOutcome && door.lastOutcome !== 'success' ? { details: { failureCode: door.lastOutcome } } : {}),
  };
}

/**
 * How long an alert is tried before it is given up: a receiver down for a day is an outage of
 * its own, and an alert that old no longer helps the person at the door.
 */
export const alertDeliveryGiveUpMs = 24 * 60 * 60_000;

/**
 * Retries of one alert: soon at first (a receiver's blip, a deploy), then no more often than every
 * 5 minutes, so a receiver that is down for hours sees a dozen tries an hour, not a flood, and is
 * tried again within 5 minutes of coming back. Invalid and refused alerts are final: sending the
 * same bytes again cannot change the answer.
 */
export const alertDeliveryRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
  nonRetryableErrorTypes: [alertFailureTypes.invalidAlert, alertFailureTypes.rejected],
};

/** One try: one POST at its bound plus slack ({@link alertDeliveryActivityTimeoutMs}); all tries: a day. */
const alertDelivery = proxyActivities<AlertActivities>({
  startToCloseTimeout: alertDeliveryActivityTimeoutMs,
  scheduleToCloseTimeout: alertDeliveryGiveUpMs,
  retry: alertDeliveryRetry,
});

/**
 * Delivers `alert` to the receiver, with retries. Resolves when it is delivered, refused, or
 * given up on ({@link alertDeliveryGiveUpMs}), or at once when no receiver is configured: an
 * alert that cannot be delivered is logged and must not break the stay that raised it. It
 * rejects only when the workflow is cancelled (send a resolve in a non-cancellable scope if a
 * cancelled stay still owes one). A workflow that must go on meanwhile can run it beside its
 * own steps, and await it before it returns.
 */
export async function sendAlert(alert: Alert): Promise<void> {
  try {
    await alertDelivery.deliverAlert(alert);
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    log.warn('alert not delivered', {
      alertId: alert.alertId,
      kind: alert.kind,
      state: alert.state,
      deviceId: alert.deviceId,
      failureType: cause instanceof ApplicationFailure ? cause.type : undefined,
      error: cause instanceof Error ? cause.message : String(cause),
    });
  }
}
