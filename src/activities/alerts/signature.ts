/**
 * The `lockstep-signature` header of an alert: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, the
 * HMAC taken over `<t>.<raw body>` with LOCKSTEP_ALERT_SECRET. Pure (node:crypto only), so the
 * delivery activity signs with it and a receiver written in TypeScript verifies with it; the
 * README shows the same check in a few lines for receivers that cannot import it.
 *
 * Why the timestamp is inside the HMAC: a captured request cannot be replayed once it is older
 * than the tolerance, and its time cannot be changed without the secret. Why the raw body: a
 * receiver that re-serialized parsed JSON would hash other bytes than were sent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How far a signature's `t` may be from the receiver's clock, either way: five minutes covers
 * clock skew and a slow network, and still bounds how long a captured request can be replayed.
 */
export const defaultSignatureToleranceSeconds = 300;

export interface VerifyAlertSignatureOptions {
  /** The receiver's clock, in unix seconds. @default the current time */
  nowSeconds?: number;
  /** How far `t` may be from `nowSeconds`, in seconds, either way. @default 300 ({@link defaultSignatureToleranceSeconds}) */
  toleranceSeconds?: number;
}

/** Unix seconds as decimal digits; twelve is far beyond any real date and keeps parsing exact. */
const timestampPattern = /^\d{1,12}$/;
/** One HMAC-SHA256 in hex. */
const v1Pattern = /^[0-9a-fA-F]{64}$/;

function hmacSha256(rawBody: string, secret: string, timestamp: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest();
}

/**
 * The header value for `rawBody` signed with `secret` at `unixSeconds`: `t=<s>,v1=<hex>`.
 * @throws {RangeError} when `unixSeconds` is not a whole, non-negative number
 */
export function signAlert(rawBody: string, secret: string, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
    throw new RangeError('unixSeconds must be a whole, non-negative number of seconds');
  }
  const timestamp = String(unixSeconds);
  return `t=${timestamp},v1=${hmacSha256(rawBody, secret, timestamp).toString('hex')}`;
}

/**
 * The header's timestamp (as sent: it is what was signed) and its `v1` signatures; undefined
 * when it is malformed: an entry without `=`, no `t` or two, a `t` or a `v1` that is not what
 * it should be, or no `v1` at all. Entries of other schemes are skipped, so that a sender can
 * add a scheme (a `v2`) without breaking receivers that know only `v1`.
 */
function parseSignatureHeader(header: string): { timestamp: string; signatures: Buffer[] } | undefined {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const entry of header.split(',')) {
    const [key, value, ...extra] = entry.split('=').map((part) => part.trim());
    if (!key || value === undefined || extra.length > 0) return undefined;
    if (key === 't') {
      if (timestamp !== undefined || !timestampPattern.test(value)) return undefined;
      timestamp = value;
    } else if (key === 'v1') {
      if (!v1Pattern.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  return timestamp !== undefined && signatures.length > 0 ? { timestamp, signatures } : undefined;
}

/**
 * Whether `header` is a valid signature of `rawBody` (the bytes received, before any parsing)
 * with `secret`, made within the tolerance of now. False for a missing or malformed header, a
 * wrong secret, a changed body, or a timestamp too far in the past or the future. Any of
 * several `v1` entries may match: while rotating its secret, a sender signs with both.
 */
export function verifyAlertSignature(
  rawBody: string,
  header: string | undefined,
  secret: string,
  options: VerifyAlertSignatureOptions = {},
): boolean {
  if (header === undefined || secret.length === 0) return false;
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const toleranceSeconds = options.toleranceSeconds ?? defaultSignatureToleranceSeconds;
  if (Math.abs(nowSeconds - Number(parsed.timestamp)) > toleranceSeconds) return false;
  const expected = hmacSha256(rawBody, secret, parsed.timestamp);
  // Constant-time: how much of a guess matched must not show in how long the check takes.
  return parsed.signatures.some((signature) => timingSafeEqual(signature, expected));
}
