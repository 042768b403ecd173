/**
 * Seam's webhooks end to end on the real Temporal dev server, in real time: the Seam simulator
 * sends Svix-signed webhooks over HTTP to the receiver (`lockstep webhooks`' code), which
 * verifies them with `@seamapi/webhook` and signals the device's door; the production worker
 * runs with push on. What a door heard is read back from its history and its `door` query.
 */
import type { Client } from '@temporalio/client';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { executeLockAction, queryDoor } from '../../src/client';
import { doorSignalNames, doorWorkflowId, type DoorSeamEvent } from '../../src/contract/door';
import { pushSafetyNetPolling } from '../../src/contract/timing-budget';
import { newWebhookSecret, svixSignature } from '../../src/dev/simulator/webhook-sender';
import { deliverToTemporal } from '../../src/webhooks/temporal-delivery';
import { startWebhookReceiver, type WebhookOutcome, type WebhookReceiver } from '../../src/webhooks/receiver';
import { queryReservation, upsertReservation } from '../../src/reservation-client';
import { lockActionWorkflowId, type LockAction } from '../../src/contract/core';
import { useAlertReceiver } from '../helpers/alert-receiver';
import { startWorkerProcess, useLockstepFixture } from '../helpers/lockstep-fixture';
import { assertBuilt, cleanEnv, freePort, runLockstep, startLockstep } from '../helpers/processes';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);
const alerts = useAlertReceiver();
const secret = newWebhookSecret();
let receiver: WebhookReceiver;
let pushQueue: string;
const outcomes: WebhookOutcome[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver({
    secrets: [secret],
    deliver: (route, requestId) => deliverToTemporal(fx.env.client, route, requestId),
    onOutcome: (outcome) => outcomes.push(outcome),
    requestTimeoutMs: 1_000,
  });
  fx.sim.setWebhooks({ url: receiver.url, secret });
  ({ taskQueue: pushQueue } = await fx.startWorker(
    { apiKey: fx.apiKey, endpoint: fx.sim.url },
    { url: alerts.url, secret: alerts.secret },
    { push: true },
  ));
}, 60_000);

afterAll(async () => {
  fx.sim?.setWebhooks(null);
  await receiver?.close();
});

/** Locks `deviceId` through the push worker and returns the result (throws on failure). */
async function lock(deviceId: string, client: Client = fx.env.client) {
  const outcome = await executeLockAction(client, 'LOCK_DOOR', { deviceId }, { taskQueue: pushQueue });
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.report.message}`);
  return outcome.result;
}

/** A Seam event body as Seam would send it, and its Svix headers signed with `key` at `atSeconds`. */
function signed(
  event: Record<string, unknown>,
  options: { key?: string; atSeconds?: number; svixId?: string } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    event_id: randomUUID(),
    workspace_id: randomUUID(),
    created_at: new Date().toISOString(),
    ...event,
  });
  const svixId = options.svixId ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const at = options.atSeconds ?? Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'svix-id': svixId,
      'svix-timestamp': String(at),
      'svix-signature': svixSignature(options.key ?? secret, svixId, at, body),
    },
  };
}

async function post(
  body: string,
  headers: Record<string, string> = {},
  url = receiver.url,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The Seam events a door's history holds, in order. */
async function eventsHeardBy(deviceId: string): Promise<DoorSeamEvent[]> {
  const { events } = await fx.env.client.workflow.getHandle(doorWorkflowId(deviceId)).fetchHistory();
  return (events ?? []).flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== doorSignalNames.seamEvent) return [];
    return [defaultPayloadConverter.fromPayload<DoorSeamEvent>(signal.input!.payloads![0])];
  });
}

const lockUnlocked = (deviceId: string, occurredAt = new Date().toISOString()) => ({
  event_type: 'lock.unlocked',
  device_id: deviceId,
  method: 'manual',
  occurred_at: occurredAt,
});

test('webhooks: a lock action finishes on its attempt webhook, with one read of the attempt, long before the safety net', async () => {
  const deviceId = fx.device({ attempt: { pendingMs: 1_500 } });
  const result = await lock(deviceId);
  const [attempt] = fx.sim.actionAttempts().filter((a) => a.deviceId === deviceId);
  expect(result).toMatchObject({ deviceId, actionAttemptId: attempt.actionAttemptId, confirmation: 'action_attempt' });
  // Woken by the push: the one confirming read, well before the safety net's first read
  // (pushSafetyNetPolling.initialMs after the send, i.e. 3.5 s after this attempt ended).
  expect(fx.sim.countsFor(deviceId).actionAttemptReads).toBe(1);
  expect(Date.parse(result.finishedAt) - attempt.endedAtMs!).toBeLessThan(
    pushSafetyNetPolling.initialMs - 1_500 - 1_000,
  );
  const heard = await eventsHeardBy(deviceId);
  expect(heard.map((e) => e.kind)).toEqual(expect.arrayContaining(['attempt_ended', 'locked']));
});

test('webhooks: forged, stale, wrong-secret and tampered requests get 401 and signal nothing', async () => {
  const deviceId = fx.device({ locked: true });
  await lock(deviceId);
  await eventually(async () => ((await eventsHeardBy(deviceId)).length > 0 ? true : undefined));
  const heardBefore = await eventsHeardBy(deviceId);
  const event = lockUnlocked(deviceId);
  const good = signed(event);
  const attempts = {
    unsigned: { body: good.body, headers: {} },
    'wrong secret': signed(event, { key: newWebhookSecret() }),
    stale: signed(event, { atSeconds: Math.floor(Date.now() / 1000) - 600 }),
    'from the future': signed(event, { atSeconds: Math.floor(Date.now() / 1000) + 600 }),
    tampered: { body: good.body.replace('manual', 'keycode'), headers: good.headers },
    'garbage signature': { body: good.body, headers: { ...good.headers, 'svix-signature': 'v1,AAAA' } },
    // Not JSON is 400 only once signed: unsigned or forged, it is 401 like any other.
    'unsigned, not JSON': { body: 'not json', headers: {} },
    'forged, not JSON': { body: 'not json', headers: { ...signedRaw('not json')[1], 'svix-signature': 'v1,AAAA' } },
  };
  for (const [what, request] of Object.entries(attempts)) {
    const answer = await post(request.body, request.headers);
    expect({ what, status: answer.status }).toEqual({ what, status: 401 });
  }
  // Nothing reached the door: the same events as before, and it still knows the door locked.
  expect(await eventsHeardBy(deviceId)).toEqual(heardBefore);
  expect((await queryDoor(fx.env.client, deviceId)).knowledge.locked).toBe(true);
});

test('webhooks: a redelivered event has one effect; an older event does not override a newer fact', async () => {
  const deviceId = fx.device();
  await lock(deviceId);
  const event = { ...lockUnlocked(deviceId), event_id: randomUUID() };
  const svixId = `msg_${randomUUID().replace(/-/g, '')}`;
  // Seam redelivers with the same svix-id and event, signed afresh.
  expect((await post(...toArgs(signed(event, { svixId })))).status).toBe(200);
  expect((await post(...toArgs(signed(event, { svixId, atSeconds: Math.floor(Date.now() / 1000) + 1 })))).status).toBe(
    200,
  );
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).knowledge.locked === false ? true : undefined,
  );
  const heard = (await eventsHeardBy(deviceId)).filter((e) => e.eventId === event.event_id);
  expect(heard).toHaveLength(1);
  // A lock.locked that occurred a minute before the manual unlock arrives late: the door stays unlocked.
  const older = {
    event_type: 'lock.locked',
    device_id: deviceId,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
  };
  const late = signed(older);
  expect((await post(late.body, late.headers)).status).toBe(200);
  await eventually(async () =>
    (await eventsHeardBy(deviceId)).some((e) => e.kind === 'locked' && e.occurredAt === older.occurred_at)
      ? true
      : undefined,
  );
  expect((await queryDoor(fx.env.client, deviceId)).knowledge.locked).toBe(false);
});

test('webhooks: device.disconnected and device.connected reach the door', async () => {
  const deviceId = fx.device();
  await lock(deviceId);
  fx.sim.updateDevice(deviceId, { online: false });
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).knowledge.online === false ? true : undefined,
  );
  fx.sim.updateDevice(deviceId, { online: true });
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).knowledge.online === true ? true : undefined,
  );
});

/**
 * Starts `action` at a device whose attempt Seam holds pending, and waits until its door follows
 * the attempt; `end()` ends the attempt, expects the action's success, and returns the door once
 * it is idle again.
 */
async function heldCommand(action: LockAction, deviceId: string) {
  const outcome = executeLockAction(fx.env.client, action, { deviceId }, { taskQueue: pushQueue });
  const attemptId = await eventually(
    async () =>
      (await queryDoor(fx.env.client, deviceId).catch(() => undefined))?.current?.actionAttemptId ?? undefined,
  );
  return {
    end: async () => {
      fx.sim.resolveActionAttempt(attemptId, 'success');
      expect(await outcome).toMatchObject({ ok: true });
      return eventually(async () => {
        const view = await queryDoor(fx.env.client, deviceId);
        return view.current === null && view.knowledge.lastOutcome === 'success' ? view : undefined;
      });
    },
  };
}

test("webhooks: a device.disconnected that occurred while the door's lock ran outlives the lock's own end", async () => {
  const deviceId = fx.device({ attempt: { outcome: 'never' } });
  const locking = await heldCommand('LOCK_DOOR', deviceId);
  // The device drops off after accepting the command: Seam says so before the attempt ends.
  fx.sim.updateDevice(deviceId, { online: false });
  await eventually(async () =>
    (await eventsHeardBy(deviceId)).some((e) => e.kind === 'disconnected') ? true : undefined,
  );
  const door = await locking.end();
  // The lock's success says the device was online when the command began, not after the event.
  expect(door.knowledge).toMatchObject({ locked: true, online: false });
});

test("webhooks: a device.disconnected that occurred while the door's lock ran, heard after the lock ended, is taken", async () => {
  const deviceId = fx.device({ attempt: { outcome: 'never' } });
  const locking = await heldCommand('LOCK_DOOR', deviceId);
  const whileLocking = now();
  expect((await locking.end()).knowledge.online).toBe(true);
  // Seam's webhook for a drop-off during the lock, delivered late (after the lock's end).
  expect(await postSigned({ event_type: 'device.disconnected', device_id: deviceId, occurred_at: whileLocking })).toBe(
    200,
  );
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).knowledge.online === false ? true : undefined,
  );
});

test("webhooks: a lock.locked that occurred while the door's unlock ran, heard after the unlock ended, does not make the door say locked", async () => {
  const deviceId = fx.device({ locked: true, attempt: { outcome: 'never' } });
  const unlocking = await heldCommand('UNLOCK_DOOR', deviceId);
  const whileUnlocking = now();
  expect((await unlocking.end()).knowledge.locked).toBe(false);
  // A late lock event from before the unlock ended (the lock before it, say): in doubt, unlocked.
  const eventId = randomUUID();
  const late = signed({
    event_id: eventId,
    event_type: 'lock.locked',
    device_id: deviceId,
    occurred_at: whileUnlocking,
  });
  expect((await post(late.body, late.headers)).status).toBe(200);
  await eventually(async () => ((await eventsHeardBy(deviceId)).some((e) => e.eventId === eventId) ? true : undefined));
  expect((await queryDoor(fx.env.client, deviceId)).knowledge.locked).toBe(false);
});

test('webhooks: with every webhook dropped, every lock still finishes by polling', async () => {
  fx.sim.setWebhooks({ url: receiver.url, secret, faults: { dropRate: 1 } });
  try {
    const devices = [1, 2, 3].map(() => fx.device({ attempt: { pendingMs: 500 } }));
    const results = await Promise.all(devices.map((deviceId) => lock(deviceId)));
    for (const [i, deviceId] of devices.entries()) {
      expect(results[i]).toMatchObject({ deviceId, confirmation: 'action_attempt' });
      // Found by the safety net's read, not by a push: no event reached its door.
      expect((await eventsHeardBy(deviceId)).filter((e) => e.kind === 'attempt_ended')).toEqual([]);
      expect(Date.parse(results[i].finishedAt) - Date.parse(results[i].commandSentAt)).toBeGreaterThanOrEqual(
        pushSafetyNetPolling.initialMs - 100,
      );
    }
  } finally {
    fx.sim.setWebhooks({ url: receiver.url, secret });
  }
}, 60_000);

test('webhooks: the receiver answers what is not a deliverable Seam webhook without acting on it', async () => {
  const unknownDevice = `dev-${randomUUID()}`;
  const cases: Array<[string, () => Promise<number>, number]> = [
    [
      'another path',
      async () => (await fetch(receiver.url.replace('/seam/webhooks', '/other'), { method: 'POST' })).status,
      404,
    ],
    ['GET', async () => (await fetch(receiver.url)).status, 405],
    ['a body over the limit', async () => (await postRaw('x'.repeat(300 * 1024))).status, 413],
    ['signed, not JSON', async () => (await post(...signedRaw('not json'))).status, 400],
    ['signed lock.locked with no device', () => postSigned({ event_type: 'lock.locked', occurred_at: now() }), 400],
    ['signed, another event type', () => postSigned({ event_type: 'access_code.created', occurred_at: now() }), 200],
    [
      'an attempt event naming no device',
      () =>
        postSigned({
          event_type: 'action_attempt.lock_door.succeeded',
          action_attempt_id: randomUUID(),
          status: 'success',
          occurred_at: now(),
        }),
      200,
    ],
    ['a device with no door', () => postSigned(lockUnlocked(unknownDevice)), 200],
    ['a client slower than the request timeout', slowClientStatus, 408],
  ];
  for (const [what, send, status] of cases) expect({ what, status: await send() }).toEqual({ what, status });
  expect(outcomes).toEqual(
    expect.arrayContaining(['ignored', 'no_device', 'unknown_door', 'too_large', 'invalid', 'method_not_allowed']),
  );
  await expect(fx.env.client.workflow.getHandle(doorWorkflowId(unknownDevice)).describe()).rejects.toThrow();
});

test('webhooks: 503 when Temporal does not take the event (Seam delivers it again), and nothing is signalled', async () => {
  const deviceId = fx.device();
  await lock(deviceId);
  const before = await eventsHeardBy(deviceId);
  const closed = new TemporalClient({ connection: await Connection.connect({ address: fx.env.address }) });
  await closed.connection.close();
  const down = await startWebhookReceiver({
    secrets: [secret],
    deliver: (route, id) => deliverToTemporal(closed, route, id),
  });
  try {
    const event = signed(lockUnlocked(deviceId));
    expect((await post(event.body, event.headers, down.url)).status).toBe(503);
    expect(await eventsHeardBy(deviceId)).toEqual(before);
    // The redelivery, to a receiver whose Temporal answers: taken.
    expect((await post(event.body, event.headers)).status).toBe(200);
  } finally {
    await down.close();
  }
});

const now = () => new Date().toISOString();

async function postSigned(event: Record<string, unknown>): Promise<number> {
  return (await post(...toArgs(signed(event)))).status;
}

function toArgs(request: { body: string; headers: Record<string, string> }): [string, Record<string, string>] {
  return [request.body, request.headers];
}

function signedRaw(body: string): [string, Record<string, string>] {
  const svixId = `msg_${randomUUID().replace(/-/g, '')}`;
  const at = Math.floor(Date.now() / 1000);
  return [
    body,
    { 'svix-id': svixId, 'svix-timestamp': String(at), 'svix-signature': svixSignature(secret, svixId, at, body) },
  ];
}

async function postRaw(body: string): Promise<{ status: number }> {
  return fetch(receiver.url, { method: 'POST', body }).then((r) => ({ status: r.status }));
}

/** Sends headers and half a body, then nothing: the receiver's request timeout answers. */
function slowClientStatus(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(receiver.url, { method: 'POST', headers: { 'content-length': '100' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write('{"event_type":');
  });
}

/**
 * A stay on the push worker whose check-out is `inMs` from now (checked in an hour ago), created
 * by update-with-start (which answers with the stay even when check-out began while it checked).
 */
async function stayCheckingOutIn(deviceId: string, inMs: number): Promise<string> {
  const reservationKey = `wh-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  await upsertReservation(
    fx.env.client,
    {
      reservationKey,
      deviceIds: [deviceId],
      checkIn: new Date(now - 60 * 60_000).toISOString(),
      checkOut: new Date(now + inMs).toISOString(),
    },
    { taskQueue: pushQueue },
  );
  return reservationKey;
}

test('webhooks: a stay whose door is unlocked after check-out raises attention and an alert; locked again, both resolve', async () => {
  const deviceId = fx.device({ locked: false });
  const key = await stayCheckingOutIn(deviceId, 3_000);
  // Locked at check-out, then watched (the default hour).
  const watching = await eventually(async () => {
    const view = await queryReservation(fx.env.client, key);
    return view.doors[0].locked && /watch after check-out/.test(view.waitingFor.what) ? view : undefined;
  }, 20_000);
  expect(watching.attention).toBe(false);

  fx.sim.updateDevice(deviceId, { locked: false }); // by hand: lock.unlocked, method manual
  const raised = await eventually(async () => {
    const view = await queryReservation(fx.env.client, key);
    return view.attention ? view : undefined;
  });
  expect(raised.doors[0].attention).toEqual(['unlocked_after_check_out']);
  const raise = await eventually(() =>
    alerts.accepted.find((a) => a.deviceId === deviceId && a.kind === 'unlocked_after_check_out'),
  );
  expect(raise).toMatchObject({ state: 'raised', source: { reservationKey: key } });
  expect(raise.message).toContain('manual');
  // lockstep does not fight whoever opened it: no lock was sent after the unlock.
  expect(fx.sim.commandLog().filter((c) => c.deviceId === deviceId)).toHaveLength(1);

  fx.sim.updateDevice(deviceId, { locked: true });
  await eventually(async () => ((await queryReservation(fx.env.client, key)).attention ? undefined : true));
  await eventually(() =>
    alerts.accepted.find(
      (a) => a.deviceId === deviceId && a.kind === 'unlocked_after_check_out' && a.state === 'resolved',
    ),
  );
});

test("webhooks: an offline door's check-out lock is tried again within 1 s of its device.connected", async () => {
  const deviceId = fx.device({ online: false, locked: false });
  const key = await stayCheckingOutIn(deviceId, 3_000);
  await eventually(async () => {
    const view = await queryReservation(fx.env.client, key);
    return view.doors[0].lastOutcome === 'DEVICE_OFFLINE' && /next lock try/.test(view.waitingFor.what)
      ? true
      : undefined;
  }, 20_000);
  // The fast retry would come 30 s after the failure; the webhook brings it now.
  const connectedAtMs = Date.now();
  fx.sim.updateDevice(deviceId, { online: true });
  const view = await eventually(async () => {
    const current = await queryReservation(fx.env.client, key);
    return current.doors[0].locked ? current : undefined;
  });
  expect(view.doors[0]).toMatchObject({ lastOutcome: 'success', actions: 2 });
  expect(fx.sim.webhooks.deliveries().some((d) => d.deviceId === deviceId && d.eventType === 'device.connected')).toBe(
    true,
  );
  const retry = await fx.env.client.workflow
    .getHandle(lockActionWorkflowId('LOCK_DOOR', deviceId, `${key}.2`))
    .describe();
  expect(retry.startTime.getTime() - connectedAtMs).toBeLessThan(1_000);
});

test('lockstep webhooks: the receiver as its own process verifies, signals the door, stops on SIGTERM; no secret is exit 78', async () => {
  assertBuilt();
  const deviceId = fx.device();
  await lock(deviceId);
  const port = await freePort();
  const env = cleanEnv({ TEMPORAL_ADDRESS: fx.env.address, LOCKSTEP_WEBHOOK_ADDR: `127.0.0.1:${port}` });
  const receiverProcess = startLockstep(['webhooks'], { ...env, SEAM_WEBHOOK_SECRET: secret });
  await receiverProcess.waitFor(/^ready /m, 30_000);
  const url = `http://127.0.0.1:${port}/seam/webhooks`;
  const event = signed(lockUnlocked(deviceId));
  expect((await post(event.body, { ...event.headers, 'svix-signature': 'v1,AAAA' }, url)).status).toBe(401);
  expect((await post(event.body, event.headers, url)).status).toBe(200);
  await eventually(async () =>
    (await queryDoor(fx.env.client, deviceId)).knowledge.locked === false ? true : undefined,
  );
  receiverProcess.child.kill('SIGTERM');
  expect(await receiverProcess.exited).toBe(0);

  const unconfigured = await runLockstep(['webhooks'], env);
  expect(unconfigured.code).toBe(78);
  expect(unconfigured.stderr).toContain('SEAM_WEBHOOK_SECRET: is required');
  const misconfigured = await runLockstep(['webhooks'], { ...env, SEAM_WEBHOOK_SECRET: 'whsec_short' });
  expect(misconfigured.code).toBe(78);
  expect(misconfigured.stderr).not.toContain('whsec_short');
}, 60_000);

test('lockstep worker: LOCKSTEP_PUSH=on waits for the webhook (one read of the attempt) and says so at start; off, it watches', async () => {
  assertBuilt();
  const readsOfALock = async (push: 'on' | 'off') => {
    const taskQueue = `push-${push}-${randomUUID()}`;
    const worker = startWorkerProcess(fx, taskQueue, { LOCKSTEP_PUSH: push });
    try {
      await worker.waitFor(/lockstep worker started/, 30_000);
      expect(worker.output()).toContain(push === 'on' ? 'doors wait for Seam' : 'doors watch their attempts');
      const deviceId = fx.device({ attempt: { pendingMs: 1_500 } });
      const outcome = await executeLockAction(fx.env.client, 'LOCK_DOOR', { deviceId }, { taskQueue });
      expect(outcome.ok).toBe(true);
      return fx.sim.countsFor(deviceId).actionAttemptReads;
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  };
  expect(await readsOfALock('on')).toBe(1);
  // Without push the send try watches the attempt in process: a read every few hundred ms.
  expect(await readsOfALock('off')).toBeGreaterThan(2);
}, 90_000);
