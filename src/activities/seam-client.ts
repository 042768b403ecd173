/**
 * The one place lockstep builds a Seam client. Two SDK defaults are wrong for a workflow that
 * owns its waiting and its retries:
 * - `waitForActionAttempt` (on by default) would poll in process memory, which a crash loses;
 * - axios-retry re-sends POSTs on network errors, and every Seam route is a POST: a socket
 *   reset on /locks/unlock_door could deliver the command three times.
 * Temporal retries instead, with the deadline checked before every send.
 */
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SeamHttp } from 'seam';
import type { SeamConfig } from '../config';

/** The SDK client and the per-request timeout it was built with (the deadline guard needs it). */
export interface SeamClient {
  http: SeamHttp;
  requestTimeoutMs: number;
}

export function createSeamClient(config: SeamConfig): SeamClient {
  const http = SeamHttp.fromApiKey(config.apiKey, {
    endpoint: config.endpoint,
    waitForActionAttempt: false,
    axiosRetryOptions: { retries: 0 },
    axiosOptions: { timeout: config.requestTimeoutMs, adapter: 'http', httpAgent: new Agent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) },
  });
  return { http, requestTimeoutMs: config.requestTimeoutMs };
}
