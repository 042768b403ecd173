/**
 * The simulator's webhooks as Seam sends them, checked by an HTTP endpoint that verifies each
 * with `@seamapi/webhook` (Seam's own library): what an attempt's end and a device change send,
 * Svix signing, redelivery with the same `svix-id`, and each delivery fault.
 */
import { SeamWebhook } from '@seamapi/webhook';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSeamSimulator, type SeamSimulator } from '../../src/dev/simulator/seam-simulator';
import { newWebhookSecret, redeliveryDelaysMs, type WebhookFaults } from '../../src/dev/simulator/webhook-sender';
import { eventually } from '../helpers/temporal';

interface Received {
  svixId: string;
  /** From the body, verified or not. */
  deviceId: string | undefined;
  verified: boolean;
  event: Record<string, unknown> | null;
  atMs: number;
}

const apiKey = 'seam_simulator_webhooktest';
const secret = newWebhookSecret();
const verifier = new SeamWebhook(secret);
let received: Received[] = [];
/** The status the endpoint answers a verified delivery with, per try (default 200). */
let answer: (svixId: string) => number = () => 200;
let endpoint: Server;
let url: string;
let sim: SeamSimulator;

beforeAll(async () => {
  endpoint = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        ['svix-id', 'svix-timestamp', 'svix-signature'].map((h) => [h, String(req.headers[h] ?? '')]),
      );
      const body = Buffer.concat(chunks).toString('utf8');
      let event: Record<string, unknown> | null = null;
      try {
        event = verifier.verify(body, headers) as Record<string, unknown>;
      } catch {
        // stays null: not verified
      }
      const deviceId = (JSON.parse(body) as { device_id?: string }).device_id;
      received.push({ svixId: headers['svix-id'], deviceId, verified: event !== null, event, atMs: Date.now() });
      res.writeHead(event ? answer(headers['svix-id']) : 401).end();
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hooks`;
  sim = await startSeamSimulator({ apiKey, seed: 11 });
});

afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => endpoint.close(resolve));
});

beforeEach(() => {
  received = [];
  answer = () => 200;
});

function withFaults(faults: Partial<WebhookFaults> = {}): void {
  sim.setWebhooks({ url, secret, faults });
}

async function lockCommand(deviceId: string): Promise<string> {
  const response = await fetch(`${sim.url}/locks/lock_door`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ device_id: deviceId }),
  });
  const { action_attempt } = (await response.json()) as { action_attempt: { action_attempt_id: string } };
  return action_attempt.action_attempt_id;
}

test("webhook sender: an attempt's end sends its event and the lock's, signed the Svix way, when it is due", async () => {
  withFaults();
  sim.setDevice({ deviceId: 'w1', locked: false, attempt: { pendingMs: 300 } });
  const sentAt = Date.now();
  const attemptId = await lockCommand('w1');
  await eventually(() => (received.length >= 2 ? true : undefined));
  expect(received.every((r) => r.verified)).toBe(true);
  const [ended, locked] = received.map((r) => r.event!);
  expect(ended).toMatchObject({
    event_type: 'action_attempt.lock_door.succeeded',
    action_attempt_id: attemptId,
    device_id: 'w1',
    status: 'success',
  });
  expect(locked).toMatchObject({
    event_type: 'lock.locked',
    device_id: 'w1',
    method: 'remote',
    action_attempt_id: attemptId,
  });
  // Sent when the attempt ended (no read of it needed), not before.
  expect(received[0].atMs - sentAt).toBeGreaterThanOrEqual(300);
  expect(Date.parse(ended.occurred_at as string)).toBeGreaterThanOrEqual(sentAt + 300 - 5);
});

test('webhook sender: a device change by hand sends device.disconnected / device.connected and lock.unlocked', async () => {
  withFaults();
  sim.setDevice({ deviceId: 'w2', locked: true });
  sim.updateDevice('w2', { online: false });
  sim.updateDevice('w2', { online: true, locked: false });
  await eventually(() => (received.length >= 3 ? true : undefined));
  expect(received.map((r) => r.event!.event_type).sort()).toEqual([
    'device.connected',
    'device.disconnected',
    'lock.unlocked',
  ]);
  expect(received.find((r) => r.event!.event_type === 'lock.unlocked')!.event).toMatchObject({ method: 'manual' });
});

test('webhook sender: a non-2xx answer is redelivered with the same svix-id and event, signed afresh', async () => {
  withFaults();
  let tries = 0;
  answer = () => (++tries === 1 ? 503 : 200);
  sim.setDevice({ deviceId: 'w3', locked: false });
  sim.updateDevice('w3', { locked: true });
  await eventually(() => (received.length >= 2 ? true : undefined), 5_000);
  const [first, second] = received;
  expect(second.svixId).toBe(first.svixId);
  expect(second.event!.event_id).toBe(first.event!.event_id);
  expect(second.atMs - first.atMs).toBeGreaterThanOrEqual(redeliveryDelaysMs[0] - 5);
  expect(
    sim.webhooks
      .deliveries()
      .filter((d) => d.svixId === first.svixId)
      .map((d) => d.status),
  ).toEqual([503, 200]);
});

test('webhook sender: duplicate sends one event twice; drop sends nothing', async () => {
  withFaults({ duplicateRate: 1 });
  sim.setDevice({ deviceId: 'w4', locked: false });
  sim.updateDevice('w4', { locked: true });
  await eventually(() => (received.length >= 2 ? true : undefined));
  expect(received[0].svixId).toBe(received[1].svixId);
  expect(received.every((r) => r.verified)).toBe(true);

  received = [];
  withFaults({ dropRate: 1 });
  const droppedBefore = sim.webhooks.dropped;
  sim.updateDevice('w4', { locked: false });
  await new Promise((r) => setTimeout(r, 300));
  expect(received).toEqual([]);
  expect(sim.webhooks.dropped).toBe(droppedBefore + 1);
});

test.each([
  ['wrongSecretRate', 'wrong_secret'],
  ['staleRate', 'stale'],
] as const)(
  "webhook sender: %s sends what Seam's library refuses (and redelivers it, still refused)",
  async (fault, logged) => {
    withFaults({ [fault]: 1 });
    sim.setDevice({ deviceId: `w5-${fault}`, locked: false });
    sim.updateDevice(`w5-${fault}`, { locked: true });
    await eventually(() => (received.length >= 2 ? true : undefined), 5_000);
    expect(received.every((r) => !r.verified)).toBe(true);
    expect(received[1].svixId).toBe(received[0].svixId);
    expect(sim.webhooks.deliveries().filter((d) => d.svixId === received[0].svixId)[0]).toMatchObject({
      fault: logged,
      status: 401,
    });
  },
);

test('webhook sender: reorder sends events in swapped pairs', async () => {
  withFaults({ reorder: true });
  sim.setDevice({ deviceId: 'w6', locked: false });
  sim.updateDevice('w6', { locked: true });
  sim.updateDevice('w6', { online: false });
  const mine = () => received.filter((r) => r.deviceId === 'w6');
  await eventually(() => (mine().length >= 2 ? true : undefined), 3_000);
  expect(mine().map((r) => r.event!.event_type)).toEqual(['device.disconnected', 'lock.locked']);
});

test('webhook sender: webhooks off sends nothing, and an attempt ends when read, as before', async () => {
  sim.setWebhooks(null);
  sim.setDevice({ deviceId: 'w7', locked: false, attempt: { pendingMs: 0 } });
  const attemptId = await lockCommand('w7');
  await new Promise((r) => setTimeout(r, 200));
  await fetch(`${sim.url}/action_attempts/get`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action_attempt_id: attemptId }),
  });
  expect(received.filter((r) => r.deviceId === 'w7')).toEqual([]);
  expect(sim.actionAttempts().find((a) => a.deviceId === 'w7')).toMatchObject({ status: 'success' });
});
