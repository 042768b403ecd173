/**
 * An alert receiver, as the README asks receivers to be: a real HTTP server on a loopback port
 * that verifies `lockstep-signature` over the raw body with `verifyAlertSignature` (401 when it
 * does not hold), then takes each `idempotency-key` once. `make demo` shows its alerts through
 * it; the tests use it as a fixture (test/helpers/alert-receiver.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyAlertSignature } from '../activities/alerts/signature';
import { alertIdempotencyKeyHeader, alertSchema, alertSignatureHeader, type Alert } from '../contract';

/** A receiver's life: started, then stopped. */
export interface StartStop {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One request as it arrived, and how the receiver answered it. */
export interface ReceivedAlertRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface AlertReceiver extends StartStop {
  /** The secret the receiver verifies with (64 hex characters, fresh per fixture). */
  readonly secret: string;
  /** `http://127.0.0.1:<port>/alerts`, set once started. */
  url: string;
  /** Alerts taken, each idempotency key once. */
  readonly accepted: Alert[];
  /** Every request in arrival order, with the status it was answered. */
  readonly requests: ReceivedAlertRequest[];
  /** Answer the next `count` requests 500 (recorded, not judged), as a receiver that is down. */
  failNext(count: number): void;
  /** Forgets what it received (between tests). */
  reset(): void;
}

async function rawBodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A receiver verifying with `secret`; `onAlert` sees each alert it takes (once per key). */
export function alertReceiver(
  secret = randomBytes(32).toString('hex'),
  onAlert: (alert: Alert) => void = () => undefined,
): AlertReceiver {
  let server: Server | undefined;
  let failures = 0;
  const keys = new Set<string>();

  /** The receiver's verdict on one request: the status to answer. */
  function judge(headers: IncomingHttpHeaders, body: string): number {
    const signature = headers[alertSignatureHeader];
    if (!verifyAlertSignature(body, typeof signature === 'string' ? signature : undefined, secret)) return 401;
    const parsed = alertSchema.safeParse(jsonOrUndefined(body));
    const key = headers[alertIdempotencyKeyHeader];
    if (!parsed.success || key !== parsed.data.idempotencyKey) return 400;
    if (!keys.has(key)) {
      keys.add(key);
      fixture.accepted.push(parsed.data);
      onAlert(parsed.data);
    }
    return 200;
  }

  const fixture: AlertReceiver = {
    secret,
    url: '',
    accepted: [],
    requests: [],
    failNext(count) {
      failures = count;
    },
    reset() {
      fixture.accepted.length = 0;
      fixture.requests.length = 0;
      keys.clear();
      failures = 0;
    },
    async start() {
      server = createServer((request, response) => {
        const answer = (body: string) => {
          const down = failures > 0;
          if (down) failures--;
          const status = down ? 500 : judge(request.headers, body);
          fixture.requests.push({ headers: request.headers, body, status });
          response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
        };
        // A client gone mid-body gets no answer.
        void rawBodyOf(request).then(answer, () => response.destroy());
      });
      // Port 0: the OS picks a free one as the socket binds, so no other process can take it first.
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      fixture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
    },
    async stop() {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
  return fixture;
}
