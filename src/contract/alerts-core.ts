/**
 * The zod-free core of the alerts contract: what workflow code needs to raise and resolve an
 * alert (kinds, states, the idempotency key) and the delivery numbers that must fit together.
 * Workflow-safe, like ./core.ts; the schema callers read is in ./alerts.ts.
 */

/**
 * Why a person is needed at a door: `door_not_locked` — a door was not locked in time (after
 * check-out, or at a schedule's lock time); `unlock_not_sent` — an unlock could not be sent
 * inside its window (the guest may be standing at a locked door); `unlocked_after_check_out` —
 * Seam says a door the stay locked at check-out was unlocked (by hand, keypad or app) while the
 * stay still watches it.
 */
export const alertKinds = ['door_not_locked', 'unlock_not_sent', 'unlocked_after_check_out'] as const;
export type AlertKind = (typeof alertKinds)[number];

/** `raised` when the incident starts; `resolved`, with the same `alertId`, when it ends. */
export const alertStates = ['raised', 'resolved'] as const;
export type AlertState = (typeof alertStates)[number];

/**
 * The idempotency key of one alert: one per incident and state, so a receiver drops a retried
 * delivery of the same alert but still sees the raise and the resolve of an incident apart.
 */
export function alertIdempotencyKey(alertId: string, state: AlertState): string {
  return `${alertId}/${state}`;
}

/**
 * The `type` of the `ApplicationFailure` a failed delivery ends with. The first two are final
 * (retrying cannot help); the last two are retried until the delivery gives up.
 */
export const alertFailureTypes = {
  /** The alert failed the contract's schema: a bug in the caller; nothing was sent. */
  invalidAlert: 'INVALID_ALERT',
  /** The receiver refused the alert (a 3xx or a 4xx other than 408 and 429), e.g. 401 for a bad signature. */
  rejected: 'ALERT_REJECTED',
  /** The receiver answered 408, 429 or 5xx: it may take the alert later. */
  receiverUnavailable: 'ALERT_RECEIVER_UNAVAILABLE',
  /** No answer: connection refused or reset, DNS, or no response within {@link alertRequestTimeoutMs}. */
  noAnswer: 'ALERT_NO_ANSWER',
} as const;

/**
 * End-to-end bound of one alert POST (DNS, connect, request and response): a receiver that
 * hangs must not hold an activity slot; the delivery is tried again instead.
 */
export const alertRequestTimeoutMs = 10_000;

/** One delivery try: one request at its bound, plus slack for validation and signing around it. */
export const alertDeliveryActivityTimeoutMs = alertRequestTimeoutMs + 5_000;

/** The longest `alertId` (it travels in the `idempotency-key` header; the schema holds it to this). */
export const maxAlertIdLength = 300;

/**
 * `alertId` within {@link maxAlertIdLength}: as it is when it fits, else its head and a 64-bit
 * FNV-1a hash of the whole — still one stable id per incident, and two incidents that share a
 * long head stay apart. Plain arithmetic, so workflow code can call it.
 */
export function boundedAlertId(alertId: string): string {
  if (alertId.length <= maxAlertIdLength) return alertId;
  let hash = 0xcbf29ce484222325n;
  // Over UTF-16 code units: the ids lockstep builds are ASCII, and any string hashes the same every time.
  for (let i = 0; i < alertId.length; i++)
    hash = ((hash ^ BigInt(alertId.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  const suffix = `~${hash.toString(16).padStart(16, '0')}`;
  return alertId.slice(0, maxAlertIdLength - suffix.length) + suffix;
}
