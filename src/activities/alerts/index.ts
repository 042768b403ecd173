/**
 * Alert delivery: the one activity that tells a person a door needs attention, and that it no
 * longer does. Built by `createAlertActivities(config)` so the receiver's URL and the signing
 * secret live in the worker process only; workflows see neither (src/workflows/alerts.ts).
 *
 * Each try is one signed POST, bounded end to end. Temporal retries the tries that may succeed
 * later (no answer, 408, 429, 5xx); the idempotency key lets the receiver drop a repeat of an
 * alert it already took (a try whose answer was lost is sent again).
 */
import type { LockstepMetrics } from '../metrics';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  alertFailureTypes,
  alertIdempotencyKeyHeader,
  alertRequestTimeoutMs,
  alertSchema,
  alertSignatureHeader,
  describeIssues,
  type Alert,
} from '../../contract';
import { signAlert } from './signature';

/** Where and how to deliver alerts: the worker reads it from LOCKSTEP_ALERT_* (src/ops/config.ts). */
export interface AlertConfig {
  /** The receiver alerts are POSTed to, http(s) (LOCKSTEP_ALERT_URL). */
  url: string;
  /** The HMAC key of the `lockstep-signature` header (LOCKSTEP_ALERT_SECRET); never logged, never sent. */
  secret: string;
  /** End-to-end bound of one POST, DNS and connect included. @default 10000 ({@link alertRequestTimeoutMs}) */
  requestTimeoutMs?: number;
}

/** What the activity uses from its surroundings; tests pass their own. */
export interface AlertActivityDeps {
  /** @default the global `fetch` */
  fetch?: typeof fetch;
  /** The clock the signature's timestamp is read from, in epoch ms. @default Date.now */
  now?: () => number;
  /** Counts alerts by kind and state once delivered (or logged, with no receiver). @default none */
  metrics?: Pick<LockstepMetrics, 'alert'>;
}

/** How a delivery ended without failing: taken by the receiver (2xx), or not sent because no receiver is configured. */
export type AlertDelivery = { delivered: true; status: number } | { delivered: false; reason: string };

/** The `reason` of a delivery that was not sent because the worker has no receiver. */
export const alertReceiverUnsetReason = 'LOCKSTEP_ALERT_URL is not set';

/** What a failed delivery hands the workflow in its `ApplicationFailure`'s `details[0]`. */
export interface AlertFailureDetails {
  idempotencyKey?: string;
  /** The receiver's HTTP status; null when it gave no answer. */
  status?: number | null;
  /** Why the alert is invalid, one line per issue (INVALID_ALERT). */
  issues?: string[];
}

/**
 * What the receiver's HTTP status means for the alert: `delivered` (2xx); `retry` (408, 429,
 * 5xx: it may take the alert later); `rejected` (anything else, a redirect too: it will not
 * take this alert however often it is sent, e.g. 401 for a signature made with another secret).
 */
export function classifyAlertAnswer(status: number): 'delivered' | 'retry' | 'rejected' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** The alert as the contract allows it. @throws {ApplicationFailure} INVALID_ALERT, non-retryable */
function checkedAlert(alert: unknown): Alert {
  const parsed = alertSchema.safeParse(alert);
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error);
  throw ApplicationFailure.nonRetryable(`invalid alert: ${issues.join('; ')}`, alertFailureTypes.invalidAlert, {
    issues,
  } satisfies AlertFailureDetails);
}

/** Why a POST to `url` got no answer, without the URL itself (its query may carry a token). */
function whyNoAnswer(err: unknown, url: string, timeoutMs: number): string {
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // fetch says only "fetch failed"; the socket's code (ECONNREFUSED, ENOTFOUND...) is on its cause.
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return (err instanceof Error ? err.message : String(err)).split(url).join('<LOCKSTEP_ALERT_URL>');
}

/** What an operator can do about a refusal, where its status says. */
function rejectionHint(status: number): string {
  if (status === 401 || status === 403) return ' (does the receiver hold the same LOCKSTEP_ALERT_SECRET?)';
  if (status >= 300 && status < 400) return ' (redirects are not followed: set LOCKSTEP_ALERT_URL to the final URL)';
  return '';
}

export function createAlertActivities(config: AlertConfig | undefined, deps: AlertActivityDeps = {}) {
  const post = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  const receiver = config ? new URL(config.url).host : undefined;
  const timeoutMs = config?.requestTimeoutMs ?? alertRequestTimeoutMs;

  /** One signed POST of `body`; the receiver's status, or a retryable failure when it gave none. */
  async function postSigned(target: AlertConfig, body: string, idempotencyKey: string): Promise<number> {
    const headers = {
      'content-type': 'application/json',
      [alertIdempotencyKeyHeader]: idempotencyKey,
      [alertSignatureHeader]: signAlert(body, target.secret, Math.floor(now() / 1000)),
      'user-agent': 'lockstep',
    };
    try {
      // redirect 'manual': a redirect is answered, not followed, so the signed body never goes
      // to a host the operator did not name.
      const response = await post(target.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Only the status matters; drop the body so the connection is freed.
      await response.body?.cancel().catch(() => undefined);
      return response.status;
    } catch (err) {
      throw ApplicationFailure.retryable(
        `alert receiver ${receiver} gave no answer: ${whyNoAnswer(err, target.url, timeoutMs)}`,
        alertFailureTypes.noAnswer,
        { idempotencyKey, status: null } satisfies AlertFailureDetails,
      );
    }
  }

  return {
    /**
     * Delivers one alert: validates it with the contract's schema (an invalid alert is a bug in
     * its caller and fails INVALID_ALERT at once, nothing sent), then POSTs it, signed, to the
     * receiver. With no receiver configured it logs the alert at WARN and returns
     * `delivered: false`: the alert stays readable in the workflow's history.
     * @throws {ApplicationFailure} INVALID_ALERT or ALERT_REJECTED (non-retryable);
     *   ALERT_RECEIVER_UNAVAILABLE or ALERT_NO_ANSWER (retryable)
     */
    async deliverAlert(alert: Alert): Promise<AlertDelivery> {
      const checked = checkedAlert(alert);
      const about = { alertId: checked.alertId, kind: checked.kind, state: checked.state, deviceId: checked.deviceId };
      if (!config) {
        log.warn(`alert not delivered (${alertReceiverUnsetReason}): ${checked.message}`, {
          ...about,
          source: checked.source,
        });
        deps.metrics?.alert(checked.kind, checked.state);
        return { delivered: false, reason: alertReceiverUnsetReason };
      }
      const status = await postSigned(config, JSON.stringify(checked), checked.idempotencyKey);
      const details: AlertFailureDetails = { idempotencyKey: checked.idempotencyKey, status };
      switch (classifyAlertAnswer(status)) {
        case 'delivered':
          log.info('alert delivered', { ...about, status });
          deps.metrics?.alert(checked.kind, checked.state);
          return { delivered: true, status };
        case 'retry':
          throw ApplicationFailure.retryable(
            `alert receiver ${receiver} answered HTTP ${status}; trying again`,
            alertFailureTypes.receiverUnavailable,
            details,
          );
        case 'rejected':
          throw ApplicationFailure.nonRetryable(
            `alert receiver ${receiver} refused alert ${checked.idempotencyKey} with HTTP ${status}${rejectionHint(status)}`,
            alertFailureTypes.rejected,
            details,
          );
      }
    },
  };
}

/** What workflows proxy for alert delivery (src/workflows/alerts.ts). */
export type AlertActivities = ReturnType<typeof createAlertActivities>;
