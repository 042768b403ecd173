/**
 * The one place lockstep builds a Seam client. Two SDK defaults are wrong for a workflow that
 * owns its waiting and its retries:
 * - `waitForActionAttempt` (on by default) would poll in process memory, which a crash loses;
 * - axios-retry re-sends POSTs on network errors, and every Seam route is a POST: a socket
 *   reset on /locks/unlock_door could deliver the command three times.
 * Temporal retries instead, with the deadline checked before every send.
 */
import { SeamHttp } from 'seam';
import type { SeamConfig } from '../config';

export type SeamClient = SeamHttp;

export function createSeamClient(config: SeamConfig): SeamClient {
  return SeamHttp.fromApiKey(config.apiKey, {
    endpoint: config.endpoint,
    waitForActionAttempt: false,
    axiosRetryOptions: { retries: 0 },
    axiosOptions: { timeout: config.requestTimeoutMs },
  });
}
