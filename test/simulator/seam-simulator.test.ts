/**
 * The simulator's own behaviour that tests elsewhere rely on: auth, Seam's error shapes,
 * reproducible rate-based faults, and the state change a successful attempt makes.
 */
import { startSeamSimulator, type SeamSimulator } from '../../src/simulator/seam-simulator';

let sim: SeamSimulator;
const apiKey = 'seam_simulator_selftest';

beforeAll(async () => {
  sim = await startSeamSimulator({ apiKey, seed: 7, devices: [{ deviceId: 'd1' }, { deviceId: 'flaky', faults: [{ route: '/devices/get', kind: '503', rate: 0.5 }] }] });
});
afterAll(() => sim.close());

function post(path: string, body: unknown, key = apiKey) {
  return fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
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

  const twin = await startSeamSimulator({ apiKey, seed: 7, devices: [{ deviceId: 'flaky', faults: [{ route: '/devices/get', kind: '503', rate: 0.5 }] }] });
  const twinStatuses: number[] = [];
  for (let i = 0; i < 40; i++) {
    const response = await fetch(`${twin.url}/devices/get`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ device_id: 'flaky' }) });
    twinStatuses.push(response.status);
  }
  await twin.close();
  expect(twinStatuses).toEqual(statuses);
});

test('seam simulator: a command answers pending, and success locks the device', async () => {
  const { action_attempt } = (await (await post('/locks/lock_door', { device_id: 'd1' })).json()) as { action_attempt: { action_attempt_id: string; status: string } };
  expect(action_attempt.status).toBe('pending');
  const read = (await (await post('/action_attempts/get', { action_attempt_id: action_attempt.action_attempt_id })).json()) as { action_attempt: { status: string; result: unknown } };
  expect(read.action_attempt).toMatchObject({ status: 'success', result: { was_confirmed_by_device: true } });
  const { device } = (await (await post('/devices/get', { device_id: 'd1' })).json()) as { device: { properties: { locked: boolean } } };
  expect(device.properties.locked).toBe(true);
  expect(sim.countsFor('d1')).toMatchObject({ commandsReceived: 1, commandsAccepted: 1 });
});
