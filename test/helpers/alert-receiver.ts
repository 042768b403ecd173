/**
 * An alert receiver as a test fixture: a real HTTP server on a free loopback port that does what
 * the README asks of receivers — verify `lockstep-signature` over the raw body with
 * `verifyAlertSignature` (401 when it does not hold), then take each `idempotency-key` once.
 * `useAlertReceiver()` registers its own start and teardown.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyAlertSignature } from '../../src/activities/alerts/signature';
import { alertIdempotencyKeyHeader, alertSchema, alertSignatureHeader, type Alert } from '../../src/contract';
import { forTestFile, type StartStop } from './test-file-fixture';

/** One request as it arrived, and how the receiver answered it. */
export interface ReceivedAlertRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface AlertReceiverFixture extends StartStop {
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

export function alertReceiverFixture(secret = randomBytes(32).toString('hex')): AlertReceiverFixture {
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
    }
    return 200;
  }

  const fixture: AlertReceiverFixture = {
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

/** A receiver for the whole test file, started in `beforeAll` and closed in `afterAll`. */
export function useAlertReceiver(): AlertReceiverFixture {
  return forTestFile(alertReceiverFixture());
}
