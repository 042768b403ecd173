/**
 * Seam errors become Temporal failures here, once. A 4xx other than 429 cannot succeed on retry,
 * so it is non-retryable with a stable type; 429, 5xx, network errors and timeouts are
 * retryable and left to the activity's retry policy. Seam's request id travels in the details
 * so an operator can quote it to Seam support.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isSeamHttpApiError, isSeamHttpUnauthorizedError } from 'seam';
import type { ActivityFailureDetails, FailureCode } from '../../contract';

/** Retryable failure types: an activity that exhausts its retries on these says SEAM_UNAVAILABLE. */
export const transientFailureTypes = [
  'SEAM_RATE_LIMITED',
  'SEAM_SERVER_ERROR',
  'SEAM_NETWORK_ERROR',
  'SEAM_CALL_FAILED',
] as const;

/** The details every translated Seam failure carries (a part of {@link ActivityFailureDetails}). */
export type SeamFailureDetails = Required<
  Pick<ActivityFailureDetails, 'operation' | 'statusCode' | 'seamErrorType' | 'seamRequestId'>
>;

interface HttpFacts {
  statusCode: number | null;
  seamErrorType: string | null;
  seamRequestId: string | null;
  message: string;
}

function httpFacts(err: unknown): HttpFacts {
  if (isSeamHttpUnauthorizedError(err)) {
    return {
      statusCode: 401,
      seamErrorType: 'unauthorized',
      seamRequestId: err.requestId || null,
      message: err.message,
    };
  }
  if (isSeamHttpApiError(err)) {
    return {
      statusCode: err.statusCode,
      seamErrorType: err.code,
      seamRequestId: err.requestId || null,
      message: err.message,
    };
  }
  // A raw AxiosError: a non-JSON error body (a proxy's 503 page) or no response at all.
  const axiosLike = err as { response?: { status?: number; headers?: Record<string, unknown> }; message?: string };
  const requestId = axiosLike.response?.headers?.['seam-request-id'];
  const codes = errorCodes(err);
  // Our end-to-end bound (an AbortSignal; see ./client.ts) says only "canceled".
  const message = codes.includes('ERR_CANCELED')
    ? 'aborted at its end-to-end time bound'
    : (axiosLike.message ?? String(err));
  return {
    statusCode: axiosLike.response?.status ?? null,
    seamErrorType: null,
    seamRequestId: typeof requestId === 'string' ? requestId : null,
    message: `${codes.length > 0 ? `${codes.join('/')}: ` : ''}${message}`,
  };
}

function isAxiosError(err: unknown): boolean {
  return (err as { isAxiosError?: unknown } | null)?.isAxiosError === true;
}

/** The `code`s along an error's cause chain (axios -> fetch -> socket). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (
    let cause = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    cause && depth < 5;
    cause = cause.cause as typeof cause, depth++
  ) {
    if (typeof cause.code === 'string') codes.push(cause.code);
  }
  return codes;
}

/** Network failures where the request cannot have reached Seam: nothing was sent. */
const undeliveredNetworkCodes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * Whether a command that failed can have reached Seam: `undelivered` (refused connection,
 * 429, 503 — safe to send again), `maybe_delivered` (a reset, a timeout, a 500/502/504: Seam
 * may have acted on it) or `rejected` (a 4xx: Seam refused it).
 */
export type CommandDelivery = 'undelivered' | 'maybe_delivered' | 'rejected';

export function commandDelivery(err: unknown): CommandDelivery {
  if (!isSeamHttpApiError(err) && !isSeamHttpUnauthorizedError(err) && !isAxiosError(err)) return 'maybe_delivered';
  const { statusCode } = httpFacts(err);
  if (statusCode === null)
    return errorCodes(err).some((c) => undeliveredNetworkCodes.includes(c)) ? 'undelivered' : 'maybe_delivered';
  if (statusCode === 429 || statusCode === 503) return 'undelivered';
  if (statusCode >= 500) return 'maybe_delivered';
  return 'rejected';
}

/** The stable failure type for an HTTP outcome: a transient type where a retry may help. */
export function classifySeamHttpFailure(
  statusCode: number | null,
  seamErrorType: string | null,
): FailureCode | (typeof transientFailureTypes)[number] {
  if (statusCode === null) return 'SEAM_NETWORK_ERROR';
  if (statusCode === 429) return 'SEAM_RATE_LIMITED';
  if (statusCode >= 500) return 'SEAM_SERVER_ERROR';
  if (statusCode === 401 || statusCode === 403) return 'UNAUTHORIZED';
  if (seamErrorType === 'device_not_found') return 'DEVICE_NOT_FOUND';
  if (seamErrorType === 'invalid_input' || statusCode === 400 || statusCode === 422) return 'INVALID_REQUEST';
  return 'SEAM_REJECTED';
}

export function isTransientFailureType(type: string | undefined | null): boolean {
  return (transientFailureTypes as readonly string[]).includes(type ?? '');
}

/** Turns anything a Seam SDK call threw into an ApplicationFailure for Temporal. */
export function toSeamFailure(err: unknown, operation: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const facts = httpFacts(err);
  // Not an HTTP outcome at all (a bug, a broken response): retryable, but not called a network error.
  const type =
    isSeamHttpApiError(err) || isSeamHttpUnauthorizedError(err) || isAxiosError(err)
      ? classifySeamHttpFailure(facts.statusCode, facts.seamErrorType)
      : 'SEAM_CALL_FAILED';
  const details: SeamFailureDetails = {
    operation,
    statusCode: facts.statusCode,
    seamErrorType: facts.seamErrorType,
    seamRequestId: facts.seamRequestId,
  };
  const message = `Seam ${operation} failed: ${facts.message}`;
  return isTransientFailureType(type)
    ? ApplicationFailure.retryable(message, type, details)
    : ApplicationFailure.nonRetryable(message, type, details);
}

/** Runs one Seam call; whatever it throws leaves as a translated failure. */
export async function callSeam<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toSeamFailure(err, operation);
  }
}
