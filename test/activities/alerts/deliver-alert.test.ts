/**
 * The alert activity against a real receiver over real HTTP (test/helpers/alert-receiver.ts):
 * the receiver verifies each signature with verifyAlertSignature, as the README tells receivers
 * to, and takes each idempotency key once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import {
  alertReceiverUnsetReason,
  classifyAlertAnswer,
  createAlertActivities,
  type AlertActivityDeps,
  type AlertConfig,
  type AlertDelivery,
} from '../../../src/activities/alerts';
import { verifyAlertSignature } from '../../../src/activities/alerts/signature';
import { alertIdempotencyKey, type Alert, type AlertState } from '../../../src/contract';
import { freePort } from '../../../src/dev/free-port';
import { formatLogLine } from '../../../src/ops/logging';
import { startStalledListener } from '../../../src/dev/simulator/stalled-listener';
import { useAlertReceiver } from '../../helpers/alert-receiver';

const receiver = useAlertReceiver();
beforeEach(() => receiver.reset());

/** A door-not-locked alert for a fresh incident, or its `state` counterpart of `alertId`. */
function doorAlert(state: AlertState = 'raised', alertId = `door_not_locked/front-door/${randomUUID()}`): Alert {
  return {
    idempotencyKey: alertIdempotencyKey(alertId, state),
    alertId,
    kind: 'door_not_locked',
    state,
    deviceId: 'front-door',
    source: { workflowId: 'stay/room-12/2026-11-25', reservationKey: 'room-12-2026-11-25' },
    message: 'front-door was not locked by 11:15, 15 minutes after check-out',
    at: '2026-11-25T11:15:00Z',
    details: { failureCode: 'DEVICE_OFFLINE' },
  };
}

/** Runs deliverAlert once, as the worker would, with its log entries collected. */
async function deliver(
  config: AlertConfig | undefined,
  alert: unknown,
  deps: AlertActivityDeps = {},
): Promise<{ outcome: AlertDelivery | ApplicationFailure; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('DEBUG', (e) => logs.push(e)) });
  const { deliverAlert } = createAlertActivities(config, deps);
  const outcome = await env
    .run<[Alert], AlertDelivery, typeof deliverAlert>(deliverAlert, alert as Alert)
    .catch((err: unknown) => {
      if (err instanceof ApplicationFailure) return err;
      throw err;
    });
  return { outcome, logs };
}

/** The entries as the worker prints them, unredacted: what a secret would show up in. */
const logLines = (logs: LogEntry[]) => logs.map((entry) => formatLogLine(entry, [])).join('\n');

const configured = (): AlertConfig => ({ url: receiver.url, secret: receiver.secret });

describe('deliverAlert', () => {
  test('deliverAlert: POSTs the alert signed; the receiver verifies it and takes it', async () => {
    const alert = doorAlert();
    const { outcome, logs } = await deliver(configured(), alert);
    expect(outcome).toEqual({ delivered: true, status: 200 });
    expect(receiver.accepted).toEqual([alert]);
    const [request] = receiver.requests;
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': alert.idempotencyKey,
      'user-agent': 'lockstep',
    });
    const signature = request.headers['lockstep-signature'] as string;
    expect(verifyAlertSignature(request.body, signature, receiver.secret)).toBe(true);
    expect(JSON.parse(request.body)).toEqual(alert);
    expect(logLines(logs)).toContain('alert delivered');
    expect(logLines(logs)).not.toContain(receiver.secret);
    expect(logLines(logs)).not.toContain(signature);
  });

  test('deliverAlert: a repeated delivery is taken once; the resolve of the same incident is its own alert', async () => {
    const raised = doorAlert('raised');
    const resolved = doorAlert('resolved', raised.alertId);
    for (const alert of [raised, raised, resolved]) {
      expect((await deliver(configured(), alert)).outcome).toEqual({ delivered: true, status: 200 });
    }
    expect(receiver.accepted).toEqual([raised, resolved]);
    expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      `${raised.alertId}/raised`,
      `${raised.alertId}/raised`,
      `${raised.alertId}/resolved`,
    ]);
  });

  test('deliverAlert: a signature made with another secret is refused 401: ALERT_REJECTED, non-retryable, no secret in it', async () => {
    const forger = { url: receiver.url, secret: `forged-${randomUUID()}` };
    const { outcome, logs } = await deliver(forger, doorAlert());
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    expect(outcome).toMatchObject({ type: 'ALERT_REJECTED', nonRetryable: true, details: [{ status: 401 }] });
    expect(receiver.requests.map((r) => r.status)).toEqual([401]);
    expect(receiver.accepted).toEqual([]);
    for (const text of [JSON.stringify(outcome), (outcome as ApplicationFailure).message, logLines(logs)]) {
      expect(text).not.toContain(forger.secret);
      expect(text).not.toContain(receiver.requests[0].headers['lockstep-signature'] as string);
    }
  });

  test('deliverAlert: a worker clock 10 minutes off makes a stale signature, refused like a forged one', async () => {
    const { outcome } = await deliver(configured(), doorAlert(), { now: () => Date.now() - 10 * 60_000 });
    expect(outcome).toMatchObject({ type: 'ALERT_REJECTED', nonRetryable: true, details: [{ status: 401 }] });
    expect(receiver.accepted).toEqual([]);
  });

  test('deliverAlert: a 500 is retryable ALERT_RECEIVER_UNAVAILABLE; the next try is taken', async () => {
    const alert = doorAlert();
    receiver.failNext(1);
    const { outcome } = await deliver(configured(), alert);
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    expect(outcome).toMatchObject({
      type: 'ALERT_RECEIVER_UNAVAILABLE',
      nonRetryable: false,
      details: [{ status: 500 }],
    });
    expect((await deliver(configured(), alert)).outcome).toEqual({ delivered: true, status: 200 });
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(receiver.accepted).toEqual([alert]);
  });

  test('deliverAlert: a refused connection is retryable ALERT_NO_ANSWER', async () => {
    const closed = { url: `http://127.0.0.1:${await freePort()}/alerts`, secret: receiver.secret };
    const { outcome } = await deliver(closed, doorAlert());
    expect(outcome).toMatchObject({ type: 'ALERT_NO_ANSWER', nonRetryable: false, details: [{ status: null }] });
    expect((outcome as ApplicationFailure).message).toContain('ECONNREFUSED');
  });

  test('deliverAlert: a receiver whose connect never completes is aborted at the request bound: retryable ALERT_NO_ANSWER', async () => {
    const stalled = await startStalledListener();
    try {
      const startedMs = Date.now();
      const { outcome } = await deliver(
        { url: stalled.url, secret: receiver.secret, requestTimeoutMs: 300 },
        doorAlert(),
      );
      expect(outcome).toMatchObject({ type: 'ALERT_NO_ANSWER', nonRetryable: false });
      expect((outcome as ApplicationFailure).message).toContain('no answer within 300 ms');
      expect(Date.now() - startedMs).toBeLessThan(3_000);
    } finally {
      await stalled.close();
    }
  });

  test('deliverAlert: with no URL configured, logs the alert at WARN and returns delivered: false', async () => {
    const alert = doorAlert();
    const { outcome, logs } = await deliver(undefined, alert);
    expect(outcome).toEqual({ delivered: false, reason: alertReceiverUnsetReason });
    expect(alertReceiverUnsetReason).toBe('LOCKSTEP_ALERT_URL is not set');
    const warnings = logs.filter((entry) => entry.level === 'WARN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain(alert.message);
    expect(warnings[0].meta).toMatchObject({ alertId: alert.alertId, state: 'raised', deviceId: 'front-door' });
    expect(logLines(logs)).not.toMatch(/lockstep-signature|v1=/);
    expect(receiver.requests).toEqual([]);
  });

  test.each([
    ['an idempotency key that is not <alertId>/<state>', { idempotencyKey: 'something-else' }],
    ['no message', { message: undefined }],
    ['an unknown kind', { kind: 'door_on_fire' }],
    ['a field the contract does not have', { apiKey: 'seam_leak' }],
    ['a time without a zone', { at: '2026-11-25T11:15:00' }],
    ['a nested detail', { details: { failureCode: 'DEVICE_OFFLINE', device: { id: 'x' } } }],
  ])(
    'deliverAlert: an alert with %s fails INVALID_ALERT, non-retryable, and nothing is sent',
    async (_case, change) => {
      for (const config of [configured(), undefined]) {
        const { outcome } = await deliver(config, { ...doorAlert(), ...change });
        expect(outcome).toBeInstanceOf(ApplicationFailure);
        expect(outcome).toMatchObject({ type: 'INVALID_ALERT', nonRetryable: true });
      }
      expect(receiver.requests).toEqual([]);
    },
  );
});

describe('classifyAlertAnswer', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [301, 'rejected'],
    [400, 'rejected'],
    [401, 'rejected'],
    [404, 'rejected'],
    [409, 'rejected'],
  ])('classifyAlertAnswer: HTTP %p is %p', (status, answer) => {
    expect(classifyAlertAnswer(status)).toBe(answer);
  });
});
