/**
 * The simulator's own behaviour that tests elsewhere rely on: auth, Seam's error shapes,
 * reproducible rate-based faults, the state change a successful attempt makes, the faults that
 * strike after Seam acted, the command log, workspace-wide faults, and the stalled listener.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { SeamHttp } from 'seam';
import { startSeamSimulator, type SeamSimulator } from '../../src/dev/simulator/seam-simulator';
import { startStalledListener, type StalledListener } from '../../src/dev/simulator/stalled-listener';

let sim: SeamSimulator;
const apiKey = 'seam_simulator_selftest';

beforeAll(async () => {
  sim = await startSeamSimulator({
    apiKey,
    seed: 7,
    devices: [{ deviceId: 'd1' }, { deviceId: 'flaky', faults: [{ route: '/devices/get', kind: '503', rate: 0.5 }] }],
  });
});
afterAll(() => sim.close());

function post(path: string, body: unknown, key = apiKey, signal?: AbortSignal) {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** The status of a `/devices/get` on another simulator than the shared one. */
async function deviceGetStatus(simulator: SeamSimulator, deviceId: string): Promise<number> {
  const response = await fetch(`${simulator.url}/devices/get`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ device_id: deviceId }),
  });
  return response.status;
}

test('seam simulator: a wrong key is 401 with a Seam error body', async () => {
  const response = await post('/devices/get', { device_id: 'd1' }, 'seam_wrong');
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: { type: 'unauthorized' }, ok: false });
});

test('seam simulator: a missing device_id is 400 invalid_input; an unknown device is 404 device_not_found', async () => {
  expect((await post('/devices/get', {})).status).toBe(400);
  const response = await post('/devices/get', { device_id: 'nope' });
  expect(response.status).toBe(404);
  expect(response.headers.get('seam-request-id')).toEqual(expect.any(String));
  expect(await response.json()).toMatchObject({ error: { type: 'device_not_found' } });
});

test('seam simulator: rate-based faults hit about the rate, the same way for the same seed', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await post('/devices/get', { device_id: 'flaky' })).status);
  const failed = statuses.filter((s) => s === 503).length;
  expect(failed).toBeGreaterThan(8);
  expect(failed).toBeLessThan(32);

  const twin = await startSeamSimulator({
    apiKey,
    seed: 7,
    devices: [{ deviceId: 'flaky', faults: [{ route: '/devices/get', kind: '503', rate: 0.5 }] }],
  });
  const twinStatuses: number[] = [];
  for (let i = 0; i < 40; i++) twinStatuses.push(await deviceGetStatus(twin, 'flaky'));
  await twin.close();
  expect(twinStatuses).toEqual(statuses);
});

test('seam simulator: a command answers pending, and success locks the device', async () => {
  const { action_attempt } = (await (await post('/locks/lock_door', { device_id: 'd1' })).json()) as {
    action_attempt: { action_attempt_id: string; status: string };
  };
  expect(action_attempt.status).toBe('pending');
  const read = (await (
    await post('/action_attempts/get', { action_attempt_id: action_attempt.action_attempt_id })
  ).json()) as { action_attempt: { status: string; result: unknown } };
  expect(read.action_attempt).toMatchObject({ status: 'success', result: { was_confirmed_by_device: true } });
  const { device } = (await (await post('/devices/get', { device_id: 'd1' })).json()) as {
    device: { properties: { locked: boolean } };
  };
  expect(device.properties.locked).toBe(true);
  expect(sim.countsFor('d1')).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
});

test('seam simulator: an attempt records when a read first saw it end (make bench subtracts it), and later reads leave it', async () => {
  sim.setDevice({ deviceId: 'slow', attempt: { pendingMs: 1_500 } });
  const { action_attempt } = (await (await post('/locks/lock_door', { device_id: 'slow' })).json()) as {
    action_attempt: { action_attempt_id: string };
  };
  const id = action_attempt.action_attempt_id;
  const readAt = async () => {
    const before = Date.now();
    const { action_attempt: read } = (await (await post('/action_attempts/get', { action_attempt_id: id })).json()) as {
      action_attempt: { status: string };
    };
    return { status: read.status, before, after: Date.now() };
  };
  const recorded = () => sim.actionAttempts().find((a) => a.actionAttemptId === id)!;
  expect((await readAt()).status).toBe('pending');
  expect(recorded().endReadAtMs).toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  expect(recorded()).toMatchObject({ status: 'success', endReadAtMs: null }); // ended, not yet read
  const seen = await readAt();
  expect(seen.status).toBe('success');
  const { endReadAtMs, endedAtMs } = recorded();
  expect(endReadAtMs).toBeGreaterThanOrEqual(seen.before);
  expect(endReadAtMs).toBeLessThanOrEqual(seen.after);
  expect(endReadAtMs).toBeGreaterThan(endedAtMs!);
  await readAt();
  expect(recorded().endReadAtMs).toBe(endReadAtMs);
});

// ---------------------------------------------------------------------------------------------
// Faults after Seam acted, the command log, workspace-wide faults, and a connect that never completes.

/** The SDK as lockstep builds it: no SDK retries, no in-process waiting, axios' (idle) timeout. */
function sdk(endpoint: string, timeoutMs: number): SeamHttp {
  return SeamHttp.fromApiKey(apiKey, {
    endpoint,
    waitForActionAttempt: false,
    axiosRetryOptions: { retries: 0 },
    axiosOptions: { timeout: timeoutMs, adapter: 'http' },
  });
}

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const startedAt = Date.now();
  try {
    return { value: await promise, ms: Date.now() - startedAt };
  } catch (error) {
    return { error, ms: Date.now() - startedAt };
  }
}

test('seam simulator: acted-then-reset creates the attempt and drops the response', async () => {
  sim.setDevice({ deviceId: 'acted', faults: [{ route: '/locks/lock_door', kind: 'acted-then-reset', count: 1 }] });
  const { error } = await settled(sdk(sim.url, 5_000).locks.lockDoor({ device_id: 'acted' }));
  // "socket hang up": the socket closed before any response byte.
  expect(axiosCode(error)).toBe('ECONNRESET');
  expect(sim.countsFor('acted')).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
  const [attempt] = sim.actionAttempts().filter((a) => a.deviceId === 'acted');
  expect(attempt).toMatchObject({ actionType: 'LOCK_DOOR' });
  // The attempt is real: a client that lost the response can still find it on "Seam".
  const read = await sdk(sim.url, 5_000).actionAttempts.get({ action_attempt_id: attempt.actionAttemptId });
  expect(read).toMatchObject({ action_attempt_id: attempt.actionAttemptId, status: 'success' });
});

test('seam simulator: acted-then-reset on a read counts the read and drops the response', async () => {
  sim.setDevice({ deviceId: 'acted-read', faults: [{ route: '/devices/get', kind: 'acted-then-reset', count: 1 }] });
  const { error } = await settled(sdk(sim.url, 5_000).devices.get({ device_id: 'acted-read' }));
  expect(axiosCode(error)).toBe('ECONNRESET');
  expect(sim.countsFor('acted-read').deviceReads).toBe(1);
});

test('seam simulator: stall-response keeps a client with a 1 s idle timeout receiving for 3 s', async () => {
  sim.setDevice({
    deviceId: 'stall-idle',
    faults: [{ route: '/locks/lock_door', kind: 'stall-response', count: 1, stallMs: 3_200, trickleMs: 200 }],
  });
  const { value, error, ms } = await settled(sdk(sim.url, 1_000).locks.lockDoor({ device_id: 'stall-idle' }));
  // axios' timeout is an idle timer in Node: a byte every 200 ms keeps it from ever firing.
  expect(error).toBeUndefined();
  expect(ms).toBeGreaterThanOrEqual(3_000);
  expect(value).toMatchObject({ action_type: 'LOCK_DOOR', status: 'pending' });
  expect(sim.countsFor('stall-idle').commandsAccepted).toBe(1);
  expect(sim.stalledResponses()).toBe(0);
});

test('seam simulator: stall-response is ended by a wall-clock AbortSignal, and stops trickling when the client goes', async () => {
  sim.setDevice({
    deviceId: 'stall-abort',
    faults: [{ route: '/locks/unlock_door', kind: 'stall-response', count: 1, stallMs: 30_000, trickleMs: 200 }],
  });
  const answer = settled(
    post('/locks/unlock_door', { device_id: 'stall-abort' }, apiKey, AbortSignal.timeout(1_000)).then((r) => r.text()),
  );
  await sleep(300);
  expect(sim.stalledResponses()).toBe(1);
  const { error, ms } = await answer;
  expect((error as Error).name).toBe('TimeoutError');
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(1_500);
  // The command was acted on even though the client gave up on the answer.
  expect(sim.countsFor('stall-abort').commandsAccepted).toBe(1);
  for (let i = 0; i < 50 && sim.stalledResponses() > 0; i++) await sleep(20);
  expect(sim.stalledResponses()).toBe(0);
});

test('seam simulator: the command log records each command at arrival, with its fault and attempt', async () => {
  sim.setDevice({ deviceId: 'logged', faults: [{ route: '/locks/unlock_door', kind: '503', count: 1 }] });
  const before = sim.commandLog().length;
  await post('/locks/lock_door', { device_id: 'logged' });
  await post('/locks/unlock_door', { device_id: 'logged' });
  // A body that comes 400 ms after the headers: the arrival is the headers, not the body.
  const sentAtMs = Date.now();
  await slowBodyPost('/locks/unlock_door', { device_id: 'logged' }, 400);

  const log = sim.commandLog().slice(before);
  const attemptIds = sim
    .actionAttempts()
    .filter((a) => a.deviceId === 'logged')
    .map((a) => a.actionAttemptId);
  expect(log).toEqual([
    {
      deviceId: 'logged',
      action: 'LOCK_DOOR',
      receivedAtMs: expect.any(Number),
      accepted: true,
      actionAttemptId: attemptIds[0],
      fault: null,
    },
    {
      deviceId: 'logged',
      action: 'UNLOCK_DOOR',
      receivedAtMs: expect.any(Number),
      accepted: false,
      actionAttemptId: null,
      fault: '503',
    },
    {
      deviceId: 'logged',
      action: 'UNLOCK_DOOR',
      receivedAtMs: expect.any(Number),
      accepted: true,
      actionAttemptId: attemptIds[1],
      fault: null,
    },
  ]);
  expect(log[2].receivedAtMs - sentAtMs).toBeLessThan(200);
  expect(log[0].receivedAtMs).toBeLessThanOrEqual(log[1].receivedAtMs);
  const listed = (await (await post('/_simulator/commands/list', {})).json()) as { commands: unknown[] };
  expect(listed.commands.slice(before)).toEqual(log);
});

test('seam simulator: global faults hit every device at the given rate, the same way for the same seed', async () => {
  const devices = [{ deviceId: 'g1' }, { deviceId: 'g2' }, { deviceId: 'g3' }];
  const run = async (setFaults: (twin: SeamSimulator) => Promise<unknown>) => {
    const twin = await startSeamSimulator({ apiKey, seed: 11, devices });
    try {
      await setFaults(twin);
      const statuses: Array<{ deviceId: string; status: number }> = [];
      for (let i = 0; i < 60; i++) {
        const deviceId = devices[i % devices.length].deviceId;
        statuses.push({ deviceId, status: await deviceGetStatus(twin, deviceId) });
      }
      return statuses;
    } finally {
      await twin.close();
    }
  };
  const rules = [{ kind: '503' as const, rate: 0.3 }];
  const viaMethod = await run((twin) => Promise.resolve(twin.setGlobalFaults(rules)));
  const viaRoute = await run((twin) =>
    fetch(`${twin.url}/_simulator/faults/set`, { method: 'POST', body: JSON.stringify({ faults: rules }) }),
  );
  expect(viaRoute).toEqual(viaMethod);
  const failed = viaMethod.filter((s) => s.status === 503);
  expect(failed.length).toBeGreaterThan(8);
  expect(failed.length).toBeLessThan(30);
  expect(new Set(failed.map((s) => s.deviceId))).toEqual(new Set(['g1', 'g2', 'g3']));
});

test("seam simulator: a device's own fault rules take precedence over global ones", async () => {
  const twin = await startSeamSimulator({
    apiKey,
    devices: [{ deviceId: 'own', faults: [{ kind: '429', count: 1 }] }],
  });
  try {
    twin.setGlobalFaults([{ kind: '503', count: 2 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await deviceGetStatus(twin, 'own'));
    expect(statuses).toEqual([429, 503, 503, 200]);
  } finally {
    await twin.close();
  }
});

describe('stalled listener', () => {
  let listener: StalledListener;
  beforeAll(async () => {
    listener = await startStalledListener();
  });
  afterAll(() => listener.close());

  test('stalled listener: a connect does not complete within 1 s', async () => {
    const socket = connect(listener.port, '127.0.0.1');
    let connected = false;
    socket.on('connect', () => (connected = true));
    await sleep(1_000);
    expect(connected).toBe(false);
    expect(socket.connecting).toBe(true);
    socket.destroy();
  });

  test('stalled listener: an AbortSignal-bounded request is aborted while still connecting', async () => {
    const { error, ms } = await settled(
      new Promise((resolve, reject) => {
        request(listener.url, { method: 'POST', signal: AbortSignal.timeout(500) }, resolve)
          .on('error', reject)
          .end();
      }),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1_000);
  });

  test("stalled listener: the SDK's axios timeout bounds the connect too", async () => {
    const { error, ms } = await settled(sdk(listener.url, 1_000).devices.get({ device_id: 'd1' }));
    expect(axiosCode(error)).toBe('ECONNABORTED');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2_000);
  });
});

/** axios' error code (the SDK passes network errors through); axios is not a direct dependency. */
function axiosCode(error: unknown): string | undefined {
  const err = error as { isAxiosError?: boolean; code?: string } | undefined;
  return err?.isAxiosError ? err.code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** POSTs with the headers first and the body `delayMs` later. */
function slowBodyPost(path: string, body: unknown, delayMs: number): Promise<number> {
  const json = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(json), delayMs);
  });
}
