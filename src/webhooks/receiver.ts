/**
 * The Seam webhook receiver (`lockstep webhooks`): an HTTP endpoint that verifies every request
 * with Seam's own library (`@seamapi/webhook`, Svix signatures and timestamp tolerance) over the
 * raw body, reads the event, and hands what it says to the device's door. It answers 2xx only
 * once Temporal holds the door's signal, and 5xx when it does not, so that Seam's redelivery
 * covers a Temporal outage. It holds no Seam API key and no state: run as many as the traffic
 * needs, apart from the workers.
 *
 * | request | answer |
 * |---|---|
 * | not `POST /seam/webhooks` | 404 / 405 |
 * | body over the limit | 413, unread |
 * | slower than the request timeout | 408 (Node's HTTP server) |
 * | unsigned, forged, stale, signed with another secret | 401, nothing done |
 * | signed, not a JSON Seam event, or an event lockstep routes without its fields | 400 |
 * | another event type, an attempt event naming no device, a device with no door | 200, counted |
 * | routed, Temporal holds the door's signal | 200 |
 * | routed, Temporal did not take it | 503 (Seam delivers it again) |
 * | a fault of the receiver's own | 500 (Seam delivers it again) |
 */
import { SeamWebhook } from '@seamapi/webhook';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import { metricNames } from '../contract/metrics';
import { readSeamEvent, routeSeamEvent, type EventRoute } from './seam-events';

export const webhookPath = '/seam/webhooks';
/** Seam's events are a few hundred bytes; anything near this is not one. */
export const defaultMaxBodyBytes = 256 * 1024;
/** A whole request, headers and body; Seam (Svix) gives up on an endpoint after ~15 s. */
export const defaultWebhookRequestTimeoutMs = 10_000;

/** What became of one request; counted and logged. */
export type WebhookOutcome =
  | 'delivered'
  | 'unknown_door'
  | 'no_device'
  | 'ignored'
  | 'unauthorized'
  | 'invalid'
  | 'too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'temporal_unavailable'
  | 'internal_error';

export type DoorRoute = Extract<EventRoute, { to: 'door' }>;

export interface WebhookReceiverOptions {
  /** The `whsec_...` secrets of the workspaces it accepts events from; a body any one verifies is Seam's. */
  secrets: readonly string[];
  /**
   * Hands the event to its door (Temporal: {@link deliverToTemporal}); resolves once Temporal holds it,
   * 'unknown_door' when no door runs for the device. `requestId` is the same for every delivery
   * of one event.
   * @throws when Temporal did not take it: the request is answered 503
   */
  deliver: (route: DoorRoute, requestId: string) => Promise<'delivered' | 'unknown_door'>;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port; read `url` after start) */
  port?: number;
  /** @default {@link defaultMaxBodyBytes} */
  maxBodyBytes?: number;
  /** @default {@link defaultWebhookRequestTimeoutMs} */
  requestTimeoutMs?: number;
  /** Told of every request's outcome (the event type when it was read), for logs and counts. */
  onOutcome?: (outcome: WebhookOutcome, detail: { eventType?: string; problem?: string }) => void;
}

class TooLarge extends Error {}

export class WebhookReceiver {
  private readonly verifiers: SeamWebhook[];
  private server: Server | null = null;
  url = '';

  constructor(private readonly options: WebhookReceiverOptions) {
    if (options.secrets.length === 0) throw new Error('a webhook receiver needs at least one secret');
    this.verifiers = options.secrets.map((secret) => new SeamWebhook(secret));
  }

  async start(): Promise<this> {
    const requestTimeout = this.options.requestTimeoutMs ?? defaultWebhookRequestTimeoutMs;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, 5_000),
        keepAliveTimeout: 5_000,
        // Node checks the timeouts above this often (30 s by default): a slow client goes within ~1 s of its timeout.
        connectionsCheckingInterval: Math.min(1_000, requestTimeout),
      },
      (req, res) =>
        void this.handle(req, res).catch(() => {
          // A fault of the receiver's own: Seam delivers it again.
          if (!res.headersSent) this.answer(res, 500, 'internal_error', { error: 'internal error' });
          else res.destroy();
        }),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    this.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}${webhookPath}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== webhookPath) return this.answer(res, 404, 'not_found', { error: `no route ${path}` });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.answer(res, 405, 'method_not_allowed', { error: 'POST only' });
    }
    let raw: string;
    try {
      raw = await readBody(req, this.options.maxBodyBytes ?? defaultMaxBodyBytes);
    } catch (err) {
      if (err instanceof TooLarge) {
        // Not read further: the connection closes once the answer is out.
        res.setHeader('connection', 'close');
        res.once('finish', () => req.destroy());
        return this.answer(res, 413, 'too_large', { error: 'body too large' });
      }
      return; // the client went away
    }
    const verified = this.verify(raw, req);
    if (verified.kind === 'unauthorized')
      return this.answer(res, 401, 'unauthorized', { error: 'signature not verified' });
    if (verified.kind !== 'ok')
      return this.answer(res, 400, 'invalid', { error: 'signed, but not JSON' }, { problem: 'not JSON' });
    await this.route(res, verified.body);
  }

  /** Verified with any secret: the body as JSON. Headers reach the library lower-cased, as Node gives them. */
  private verify(
    raw: string,
    req: IncomingMessage,
  ): { kind: 'ok'; body: unknown } | { kind: 'unauthorized' | 'not_json' } {
    const headers: Record<string, string> = {};
    for (const name of [
      'svix-id',
      'svix-timestamp',
      'svix-signature',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    for (const verifier of this.verifiers) {
      try {
        return { kind: 'ok', body: verifier.verify(raw, headers) };
      } catch (err) {
        // The signature held (svix parses only after verifying) but the body is not JSON.
        if (err instanceof SyntaxError) return { kind: 'not_json' };
      }
    }
    return { kind: 'unauthorized' };
  }

  private async route(res: ServerResponse, body: unknown): Promise<void> {
    const read = readSeamEvent(body);
    if (read.kind === 'invalid')
      return this.answer(res, 400, 'invalid', { error: read.problem }, { problem: read.problem });
    if (read.kind === 'ignored')
      return this.answer(res, 200, 'ignored', { outcome: 'ignored' }, { eventType: read.eventType });
    const eventType = read.event.event_type;
    const route = routeSeamEvent(read.event);
    if (route.to === 'nowhere') return this.answer(res, 200, 'no_device', { outcome: route.why }, { eventType });
    try {
      const outcome = await this.options.deliver(route, seamEventRequestId(read.event.event_id));
      return this.answer(res, 200, outcome, { outcome }, { eventType });
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      return this.answer(
        res,
        503,
        'temporal_unavailable',
        { error: 'Temporal did not take the event; deliver it again' },
        { eventType, problem },
      );
    }
  }

  private answer(
    res: ServerResponse,
    status: number,
    outcome: WebhookOutcome,
    body: Record<string, unknown>,
    detail: { eventType?: string; problem?: string } = {},
  ): void {
    this.options.onOutcome?.(outcome, detail);
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }
}

/** The request ID of every signal one Seam event causes: Temporal takes a redelivery's signal once. */
export function seamEventRequestId(eventId: string): string {
  return `seam-event-${eventId}`;
}

/**
 * The body as text, refusing more than `maxBytes`: a declared length over it unread, a longer
 * stream as soon as it passes it (the 413 then closes the connection).
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('aborted', () => reject(new Error('aborted')));
  });
}

/** Counts each request's outcome (lockstep_webhooks_total) through a Temporal runtime's metric meter. */
export function countWebhookOutcomes(meter: MetricMeter): NonNullable<WebhookReceiverOptions['onOutcome']> {
  const counter = meter.createCounter(
    metricNames.webhooks,
    '1',
    'webhook requests answered, by outcome and event type',
  );
  return (outcome, detail) => counter.add(1, { outcome, event_type: detail.eventType ?? 'none' });
}

/** A logger's levels, as Temporal's loggers have them. */
interface OutcomeLog {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/**
 * Logs each request's outcome at the level an operator wants it: deliveries at DEBUG (one per
 * event, many a second), what lockstep does not act on at INFO, refusals and outages at WARN.
 */
export function logWebhookOutcomes(
  log: OutcomeLog,
  also: WebhookReceiverOptions['onOutcome'] = () => undefined,
): NonNullable<WebhookReceiverOptions['onOutcome']> {
  return (outcome, detail) => {
    also(outcome, detail);
    const meta = { outcome, ...detail };
    if (outcome === 'delivered') log.debug('webhook delivered to its door', meta);
    else if (outcome === 'unknown_door' || outcome === 'no_device' || outcome === 'ignored')
      log.info('webhook acknowledged, not routed', meta);
    else log.warn('webhook refused or not delivered', meta);
  };
}

/** Starts a receiver; `close()` it when done. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  return new WebhookReceiver(options).start();
}
