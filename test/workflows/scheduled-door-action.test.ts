/**
 * ScheduledDoorActionWorkflow started directly (no schedule) on the real Temporal dev server,
 * with the production worker and the Seam simulator: it acts for its start time, starts one
 * lock action per door under the scheduled ID scheme, reports each door's outcome without
 * failing the run for one door, and refuses invalid input before any door is touched.
 * (Schedules themselves: test/e2e/schedules.test.ts.)
 */
import { scheduledRunViewSchema } from '../../src/contract/views';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { workflowTypes } from '../../src/contract';
import {
  scheduledLockActionWorkflowId,
  scheduledRunQueryName,
  type ScheduledDoorActionResult,
  type ScheduledRunView,
} from '../../src/contract/schedules';
import { useAlertReceiver } from '../helpers/alert-receiver';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const receiver = useAlertReceiver();
const fx = useLockstepFixture(startDevServerEnv, {
  alerts: () => ({ url: receiver.url, secret: receiver.secret }),
});

function startDirectly(input: unknown) {
  return fx.env.client.workflow.start(workflowTypes.SCHEDULED_DOOR_ACTION, {
    args: [input],
    taskQueue: fx.taskQueue,
    workflowId: `direct-${randomUUID()}`,
  });
}

async function runDirectly(input: unknown, ...extra: unknown[]): Promise<ScheduledDoorActionResult> {
  return fx.env.client.workflow.execute<(...args: unknown[]) => Promise<ScheduledDoorActionResult>>(
    workflowTypes.SCHEDULED_DOOR_ACTION,
    {
      args: [input, ...extra],
      taskQueue: fx.taskQueue,
      workflowId: `direct-${randomUUID()}`,
    },
  );
}

const commandsFor = (deviceId: string) => fx.sim.commandLog().filter((c) => c.deviceId === deviceId);

describe('ScheduledDoorActionWorkflow', () => {
  test('ScheduledDoorActionWorkflow: started directly, it locks every door, acting for its start time', async () => {
    const doors = [fx.device({ locked: false }), fx.device({ locked: false })];
    const startedAtMs = Date.now();
    const result = await runDirectly({ scheduleId: 'direct-lock', action: 'lock', deviceIds: doors });
    const scheduledAt = new Date(result.scheduledAt);
    expect(Math.abs(scheduledAt.getTime() - startedAtMs)).toBeLessThan(5_000);
    expect(result).toEqual({
      scheduleId: 'direct-lock',
      action: 'lock',
      scheduledAt: result.scheduledAt,
      notAfter: null,
      doors: doors.map((deviceId) => ({
        deviceId,
        workflowId: scheduledLockActionWorkflowId('lock', 'direct-lock', deviceId, scheduledAt),
        tries: 1,
        attention: null,
        ok: true,
        actionAttemptId: expect.any(String),
        wasConfirmedByDevice: true,
        warnings: [],
      })),
    });
    for (const deviceId of doors) expect(commandsFor(deviceId).map((c) => c.action)).toEqual(['LOCK_DOOR']);
  });

  test('ScheduledDoorActionWorkflow: an unlock carries notAfter = scheduled time + unlock window; a door that fails does not fail the run', async () => {
    const [offline, ready] = [fx.device({ online: false, locked: true }), fx.device({ locked: true })];
    // The smallest window: the offline door's unlock is not tried again (its next try would be
    // after the window), so the run ends in seconds. Retries inside a window: scheduled-fail-secure.test.ts.
    const result = await runDirectly({
      scheduleId: 'direct-unlock',
      action: 'unlock',
      deviceIds: [offline, ready],
      unlockWindowMs: 10_000,
    });
    expect(Date.parse(result.notAfter as string) - Date.parse(result.scheduledAt)).toBe(10_000);
    expect(result.doors).toEqual([
      expect.objectContaining({
        deviceId: offline,
        ok: false,
        code: 'DEVICE_OFFLINE',
        commandSent: false,
        tries: 1,
        attention: 'unlock_not_sent',
      }),
      expect.objectContaining({ deviceId: ready, ok: true }),
    ]);
    const child = await fx.env.client.workflow.getHandle(result.doors[1].workflowId).describe();
    expect(child.type).toBe(workflowTypes.UNLOCK_DOOR);
    expect(commandsFor(offline)).toEqual([]);
    expect(commandsFor(ready).map((c) => c.action)).toEqual(['UNLOCK_DOOR']);
  });

  test('ScheduledDoorActionWorkflow: cancelled while it waits to try a door again, it stops trying, alerts that it stopped, and still returns every door', async () => {
    const door = fx.device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] });
    const other = fx.device({ locked: false });
    const handle = await startDirectly({ scheduleId: 'direct-cancel', action: 'lock', deviceIds: [door, other] });
    // The first round is over (the next is 30 s away, attention 10 minutes): cancel now.
    await eventually(async () => {
      const view = await handle.query<ScheduledRunView>(scheduledRunQueryName).catch(() => undefined);
      // As the contract's schema says it is (schemas/scheduled-run-view.schema.json).
      return view && scheduledRunViewSchema.parse(view).doors.every((d) => d.lastOutcome !== null) ? view : undefined;
    }, 10_000);
    await handle.cancel();
    const { doors } = (await handle.result()) as ScheduledDoorActionResult;
    expect(doors[0]).toMatchObject({
      deviceId: door,
      ok: false,
      code: 'DEVICE_OFFLINE',
      tries: 1,
      attention: 'door_not_locked',
    });
    expect(doors[1]).toMatchObject({ deviceId: other, ok: true, tries: 1, attention: null });
    const alerts = receiver.accepted.filter((a) => a.deviceId === door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['door_not_locked', 'raised']]);
    expect(alerts[0].message).toContain('the run was cancelled');
    expect(commandsFor(door)).toEqual([]);
    expect(await fx.env.client.workflow.getHandle(handle.workflowId).describe()).toMatchObject({
      status: { name: 'COMPLETED' },
    });
  });

  test("ScheduledDoorActionWorkflow: cancelled while a door's lock is still pending at Seam, the lock action is cancelled and a person is told the door may not be locked", async () => {
    const door = fx.device({ locked: false, attempt: { outcome: 'never' } });
    const handle = await startDirectly({ scheduleId: 'direct-cancel-pending', action: 'lock', deviceIds: [door] });
    await eventually(() => (commandsFor(door).length > 0 ? true : undefined), 10_000);
    await handle.cancel();
    const { doors } = (await handle.result()) as ScheduledDoorActionResult;
    expect(doors[0]).toMatchObject({ ok: false, code: 'CANCELLED', tries: 1, attention: 'door_not_locked' });
    const alerts = receiver.accepted.filter((a) => a.deviceId === door);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['door_not_locked', 'raised']]);
    expect(alerts[0].message).toContain('the run was cancelled');
    expect(commandsFor(door)).toHaveLength(1);
  });

  test.each([
    [
      'a bad device id among good ones',
      { scheduleId: 's', action: 'unlock', deviceIds: ['GOOD', 'not ok'] },
      [],
      'deviceIds.1',
    ],
    ['an unknown field', { scheduleId: 's', action: 'lock', deviceIds: ['GOOD'], notAfter: 'x' }, [], 'unknown field'],
    ['a second argument', { scheduleId: 's', action: 'lock', deviceIds: ['GOOD'] }, [{}], '(arguments)'],
  ])(
    'ScheduledDoorActionWorkflow: %s fails INVALID_INPUT with its issues, and no door is read or commanded',
    async (_case, input, extra, issue) => {
      const deviceId = fx.device();
      const withDevice = { ...input, deviceIds: input.deviceIds.map((id) => (id === 'GOOD' ? deviceId : id)) };
      const failure = await runDirectly(withDevice, ...extra).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('INVALID_INPUT');
      expect((cause as ApplicationFailure).nonRetryable).toBe(true);
      expect((cause as ApplicationFailure).details?.[0]).toMatchObject({
        code: 'INVALID_INPUT',
        issues: expect.arrayContaining([expect.stringContaining(issue)]),
      });
      expect(fx.sim.countsFor(deviceId)).toMatchObject({ deviceReads: 0, commandsReceived: 0 });
    },
  );
});
