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
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import axios, { type AxiosAdapter } from 'axios';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SeamHttp } from 'seam';
import { requestBoundMs } from '../../decisions';

/**
 * How to reach one Seam workspace: the worker reads it from SEAM_* or LOCKSTEP_SEAM_WORKSPACES
 * (src/ops/config.ts); the key stays in this process.
 */
export type SeamConfig = SeamAuth & {
  /** Seam API base URL. @default 'https://connect.getseam.com' (SEAM_ENDPOINT) */
  endpoint: string;
  /** End-to-end bound of one request, DNS and connect included. @default 10000 (SEAM_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs: number;
};

/** A workspace's API key (`seam_...`), or a personal access token and the workspace it acts in. */
export type SeamAuth = { apiKey: string } | { personalAccessToken: string; workspaceId: string };

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
 * Axios's Node HTTP adapter, reporting each request's route and status, and tracing it (a
 * client span, a child of the activity's when tracing is on; a no-op otherwise). Here, under
 * the SDK's interceptors (which turn errors into Seam's own, without the request): every
 * request, answered or not. The route alone: a query or body may name a device, and metric
 * labels stay few.
 */
function observed(observe: SeamRequestObserver, endpoint: string): AxiosAdapter {
  const send = axios.getAdapter('http');
  const tracer = trace.getTracer('lockstep');
  const host = new URL(endpoint).host;
  return (config) => {
    const route = (config.url ?? '').split('?')[0];
    const method = (config.method ?? 'post').toUpperCase();
    const attributes = { 'http.request.method': method, 'url.path': route, 'server.address': host };
    return tracer.startActiveSpan(`${method} ${route}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        const response = await send(config);
        observe(route, String(response.status));
        span.setAttribute('http.response.status_code', response.status);
        return response;
      } catch (err) {
        const status = axios.isAxiosError(err) ? err.response?.status : undefined;
        observe(route, status ? String(status) : 'error');
        if (status) span.setAttribute('http.response.status_code', status);
        span.setStatus({ code: SpanStatusCode.ERROR, message: status ? `HTTP ${status}` : 'no answer' });
        throw err;
      } finally {
        span.end();
      }
    });
  };
}

export function createSeamClient(config: SeamConfig, observe: SeamRequestObserver = () => undefined): SeamClient {
  const options = {
    endpoint: config.endpoint,
    waitForActionAttempt: false,
    axiosRetryOptions: { retries: 0 },
    axiosOptions: {
      timeout: config.requestTimeoutMs,
      adapter: observed(observe, config.endpoint),
      httpAgent: new Agent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    },
  } as const;
  const http =
    'apiKey' in config
      ? SeamHttp.fromApiKey(config.apiKey, options)
      : SeamHttp.fromPersonalAccessToken(config.personalAccessToken, config.workspaceId, options);
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
