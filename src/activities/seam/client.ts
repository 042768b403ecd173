/**
 * The one place lockstep builds a Seam client. Three SDK defaults are wrong for a workflow that
 * owns its waiting, its retries and its deadlines:
 * - `waitForActionAttempt` (on by default) would poll in process memory, which a crash loses;
 * - axios-retry re-sends POSTs on network errors, and every Seam route is a POST: a socket
 *   reset on /locks/unlock_door could deliver the command three times;
 * - axios's `timeout` is an idle-socket timer: DNS and TCP connect are not bounded by it, and a
 *   response that trickles in never trips it. Every request here is instead aborted end to end
 *   (an AbortSignal) at the request timeout, or earlier at a send's deadline.
 * Temporal retries instead, with the deadline checked before every send.
 */
import axios, { type AxiosAdapter } from 'axios';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SeamHttp } from 'seam';
import { requestBoundMs } from '../../decisions';

/** How to reach Seam: the worker reads it from SEAM_* (src/ops/config.ts); the key stays in this process. */
export interface SeamConfig {
  /** A Seam API key (`seam_...`). */
  apiKey: string;
  /** Seam API base URL. @default 'https://connect.getseam.com' (SEAM_ENDPOINT) */
  endpoint: string;
  /** End-to-end bound of one request, DNS and connect included. @default 10000 (SEAM_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs: number;
}

/** The SDK client, the request bound it was built with, and a way to bound requests tighter. */
export interface SeamClient {
  http: SeamHttp;
  /** End-to-end bound of every request (SEAM_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /**
   * Runs `call` with each request it makes aborted, end to end, at `abortAtMs` (epoch ms) if that
   * comes before the request timeout. Requests lazily sent inside `call` inherit the bound.
   */
  boundedUntil<T>(abortAtMs: number, call: () => Promise<T>): Promise<T>;
}

/** Reports each request's route and status (`lockstep_seam_requests_total`). */
export type SeamRequestObserver = (route: string, status: string) => void;

/**
 * Axios's Node HTTP adapter, reporting each request's route and status. Counted here, under the
 * SDK's interceptors (which turn errors into Seam's own, without the request): every request,
 * answered or not. The route alone: a query or body may name a device, and labels stay few.
 */
function counted(observe: SeamRequestObserver): AxiosAdapter {
  const send = axios.getAdapter('http');
  const route = (url: string | undefined) => (url ?? '').split('?')[0];
  return async (config) => {
    try {
      const response = await send(config);
      observe(route(config.url), String(response.status));
      return response;
    } catch (err) {
      const status = axios.isAxiosError(err) ? err.response?.status : undefined;
      observe(route(config.url), status ? String(status) : 'error');
      throw err;
    }
  };
}

export function createSeamClient(config: SeamConfig, observe: SeamRequestObserver = () => undefined): SeamClient {
  const http = SeamHttp.fromApiKey(config.apiKey, {
    endpoint: config.endpoint,
    waitForActionAttempt: false,
    axiosRetryOptions: { retries: 0 },
    axiosOptions: {
      timeout: config.requestTimeoutMs,
      adapter: counted(observe),
      httpAgent: new Agent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    },
  });
  const abortAt = new AsyncLocalStorage<number>();
  http.client.interceptors.request.use((request) => {
    request.signal = AbortSignal.timeout(requestBoundMs(Date.now(), config.requestTimeoutMs, abortAt.getStore()));
    return request;
  });
  return {
    http,
    requestTimeoutMs: config.requestTimeoutMs,
    // Awaited inside run(): the SDK's requests are lazy thenables, sent only when awaited, and
    // only requests sent inside run() see the bound.
    boundedUntil: (abortAtMs, call) => abortAt.run(abortAtMs, async () => await call()),
  };
}
