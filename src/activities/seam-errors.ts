/**
 * Seam errors become Temporal failures here, once. A 4xx other than 429 cannot succeed on retry,
 * so it is non-retryable with a stable type; 429, 5xx, network errors and timeouts are
 * retryable and left to the activity's retry policy. Seam's request id travels in the details
 * so an operator can quote it to Seam support.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isSeamHttpApiError, isSeamHttpUnauthorizedError } from 'seam';
import type { FailureCode } from '../contract';

/** Retryable failure types: an activity that exhausts its retries on these says SEAM_UNAVAILABLE. */
export const transientFailureTypes = ['SEAM_RATE_LIMITED', 'SEAM_SERVER_ERROR', 'SEAM_NETWORK_ERROR'] as const;

export interface SeamFailureDetails {
  operation: string;
  statusCode: number | null;
  seamErrorType: string | null;
  seamRequestId: string | null;
}

interface HttpFacts {
  statusCode: number | null;
  seamErrorType: string | null;
  seamRequestId: string | null;
  message: string;
}

function httpFacts(err: unknown): HttpFacts {
  if (isSeamHttpUnauthorizedError(err)) {
    return { statusCode: 401, seamErrorType: 'unauthorized', seamRequestId: err.requestId || null, message: err.message };
  }
  if (isSeamHttpApiError(err)) {
    return { statusCode: err.statusCode, seamErrorType: err.code, seamRequestId: err.requestId || null, message: err.message };
  }
  // A raw AxiosError: a non-JSON error body (a proxy's 503 page) or no response at all.
  const axiosLike = err as { isAxiosError?: boolean; response?: { status?: number; headers?: Record<string, unknown> }; code?: string; message?: string };
  const requestId = axiosLike.response?.headers?.['seam-request-id'];
  return {
    statusCode: axiosLike.response?.status ?? null,
    seamErrorType: null,
    seamRequestId: typeof requestId === 'string' ? requestId : null,
    message: axiosLike.code ? `${axiosLike.code}: ${axiosLike.message ?? ''}` : String(axiosLike.message ?? err),
  };
}

/** The stable failure type for an HTTP outcome: a transient type where a retry may help. */
export function classifySeamHttpFailure(statusCode: number | null, seamErrorType: string | null): FailureCode | (typeof transientFailureTypes)[number] {
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
  const type = classifySeamHttpFailure(facts.statusCode, facts.seamErrorType);
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
