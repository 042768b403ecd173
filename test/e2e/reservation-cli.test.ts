/**
 * `lockstep reservation ...`, `lockstep door` and `lockstep attention` as real processes
 * (`bin/lockstep`, built by `make build`) against the Temporal dev server, with the production
 * worker and the Seam simulator behind them: a stay made from flags, read back, checked out
 * early (a second check-out-now changes nothing; a late upsert is refused), read again once it has ended; its door read back; and
 * the attention list empty, then naming a stay's door that cannot lock and an unlock whose
 * outcome is unknown — but not a failure that says plainly nothing moved.
 */
import { reservationWorkflowId, workflowTypes } from '../../src/contract';
import { scheduleRunWorkflowId } from '../../src/contract/schedules';
import { randomUUID } from 'node:crypto';
import type { AttentionItem } from '../../src/cli/attention-items';
import { queryDoor, queryReservation } from '../../src/client';
import type { ReservationView } from '../../src/contract';
import type { DoorView } from '../../src/contract/door';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { assertBuilt, cleanEnv, runLockstep, type Finished } from '../helpers/processes';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

beforeAll(() => assertBuilt());

const hour = 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** `bin/lockstep ...` against this file's dev server and worker task queue. */
function lockstep(...args: string[]): Promise<Finished> {
  return runLockstep(args, cleanEnv({ TEMPORAL_ADDRESS: fx.env.address, LOCKSTEP_TASK_QUEUE: fx.taskQueue }));
}

/** Flags of a stay that began an hour ago and ends tomorrow: checked in, waiting for check-out. */
function stayFlags(key: string, doors: string[], extra: string[] = []): string[] {
  const now = Date.now();
  return [
    'reservation',
    'upsert',
    '--key',
    key,
    ...doors.flatMap((door) => ['--door', door]),
    '--check-in',
    iso(now - hour),
    '--check-out',
    iso(now + 24 * hour),
    ...extra,
  ];
}

function jsonOf<T>(run: Finished): T {
  if (run.code !== 0 && run.code !== 1) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

test('lockstep reservation: upsert from flags, show --json, check-out-now (again: nothing changes; a late upsert refused), show once ended, door --json', async () => {
  // Locks that take 8 s: check-out is under way long enough for changes to be refused.
  const doors = [fx.device({ locked: false, attempt: { pendingMs: 8_000 } }), fx.device({ locked: false })];
  const key = `cli-${randomUUID().slice(0, 8)}`;

  // No watch after check-out: the stay ends once its doors are locked.
  const upsert = await lockstep(...stayFlags(key, doors, ['--watch-after-check-out', '0s']));
  expect(upsert).toMatchObject({ code: 0, stderr: '' });
  expect(upsert.stdout).toMatch(new RegExp(`^stay ${key}: checked in$`, 'm'));
  expect(upsert.stdout).toMatch(/^ {2}waiting for {11}check-out \(lock\), at .* \(in 24 h\)$/m);

  const shown = jsonOf<ReservationView>(await lockstep('reservation', 'show', key, '--json'));
  expect(shown).toEqual(await queryReservation(fx.env.client, key));
  expect(shown).toMatchObject({ reservationKey: key, stage: 'checked_in', attention: false });
  expect(shown.doors.map((d) => d.deviceId)).toEqual(doors);

  const checkOut = await lockstep('reservation', 'check-out-now', key);
  expect(checkOut.code).toBe(0);
  expect(checkOut.stdout).toMatch(new RegExp(`^stay ${key}: `, 'm'));
  await eventually(async () =>
    (await queryReservation(fx.env.client, key)).stage === 'checking_out' ? true : undefined,
  );
  // Sent again (a retry after a lost answer): accepted, nothing changes, the stay is printed.
  const again = await lockstep('reservation', 'check-out-now', key);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(new RegExp(`^stay ${key}: checking out`, 'm'));
  const lateUpsert = await lockstep(...stayFlags(key, doors));
  expect(lateUpsert).toMatchObject({ code: 1, stdout: '' });
  expect(lateUpsert.stderr).toContain(`lockstep: stay ${key} refused upsert: check-out has begun`);

  // Ended: read from the stay's result, not by query.
  const ended = await eventually(async () => {
    const view = jsonOf<ReservationView>(await lockstep('reservation', 'show', key, '--json'));
    return view.stage === 'ended' ? view : undefined;
  }, 30_000);
  expect(ended.doors.every((d) => d.locked && d.lastAction === 'LOCK_DOOR' && d.lastOutcome === 'success')).toBe(true);
  const readable = await lockstep('reservation', 'show', key);
  expect(readable.code).toBe(0);
  expect(readable.stdout).toMatch(new RegExp(`^stay ${key}: ended$`, 'm'));
  expect(readable.stdout).toMatch(new RegExp(`^ {4}${doors[0]} +locked by the stay · last: lock success at `, 'm'));

  const afterEnd = await lockstep('reservation', 'cancel', key);
  expect(afterEnd.code).toBe(1);
  expect(afterEnd.stderr).toContain(`stay ${key} has ended (COMPLETED); there is nothing to change`);
  // A late push of the same reservation never starts the stay again (nothing unlocked, nothing sent).
  const commandsBefore = fx.sim.commandLog().length;
  const upsertAfterEnd = await lockstep(...stayFlags(key, doors));
  expect(upsertAfterEnd).toMatchObject({ code: 1, stdout: '' });
  expect(upsertAfterEnd.stderr).toContain(`the stay ${key} has ended; a new stay needs a new reservationKey`);
  expect((await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).describe()).status.name).toBe('COMPLETED');
  expect(fx.sim.commandLog()).toHaveLength(commandsBefore);

  const door = jsonOf<DoorView>(await lockstep('door', doors[0], '--json'));
  expect(door).toEqual(await queryDoor(fx.env.client, doors[0]));
  expect(door).toMatchObject({
    deviceId: doors[0],
    knowledge: { lastAction: 'LOCK_DOOR', lastOutcome: 'success', locked: true },
    current: null,
  });
  const doorText = await lockstep('door', doors[0]);
  expect(doorText.stdout).toMatch(/^ {2}last command {10}lock → success · attempt \S+$/m);
}, 120_000);

test('lockstep reservation show / door: a key with no stay and a door no action reached exit 1, saying so', async () => {
  const show = await lockstep('reservation', 'show', 'no-such-stay');
  expect(show).toMatchObject({ code: 1, stdout: '' });
  expect(show.stderr).toContain('no stay for reservation key no-such-stay (no workflow reservation/no-such-stay');
  const door = await lockstep('door', 'no-such-door', '--json');
  expect(door).toMatchObject({ code: 1, stdout: '' });
  expect(door.stderr).toContain('door no-such-door: no lock action has reached this door yet');
}, 60_000);

test('lockstep attention: exit 0 and [] when nothing needs a person; then a stay door not locked, a scheduled unlock not sent and an unknown unlock, exit 1', async () => {
  const none = await lockstep('attention', '--json');
  expect(none.code).toBe(0);
  expect(JSON.parse(none.stdout)).toEqual([]);
  expect((await lockstep('attention')).stdout.trim()).toBe('nothing needs a person');

  // A stay whose door is offline at check-out, attention at once; an unlock that may have landed;
  // a lock that failed with nothing sent (no person needed).
  const offline = fx.device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] });
  const key = `cli-attention-${randomUUID().slice(0, 8)}`;
  expect((await lockstep(...stayFlags(key, [offline], ['--attention-after', '0s']))).code).toBe(0);
  expect((await lockstep('reservation', 'check-out-now', key)).code).toBe(0);
  const unknown = fx.device({ faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }] });
  const unlock = await lockstep('unlock', unknown, '--json');
  expect(unlock.code).toBe(1);
  expect(unlock.stdout).toContain('COMMAND_OUTCOME_UNKNOWN');
  const plainFailure = fx.device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] });
  expect((await lockstep('lock', plainFailure)).code).toBe(1);
  // A schedule's unlock that cannot be sent inside its (smallest) window: its run tells a person.
  const closedAtOpening = fx.device({ online: false, locked: true });
  const scheduleId = `cli-attention-${randomUUID().slice(0, 8)}`;
  await fx.env.client.workflow.start(workflowTypes.SCHEDULED_DOOR_ACTION, {
    args: [{ scheduleId, action: 'unlock', deviceIds: [closedAtOpening], unlockWindowMs: 10_000 }],
    taskQueue: fx.taskQueue,
    workflowId: `${scheduleRunWorkflowId(scheduleId)}-direct`,
  });

  const items = await eventually(async () => {
    const run = await lockstep('attention', '--json');
    const listed = jsonOf<AttentionItem[]>(run);
    return listed.length >= 3 ? { run, listed } : undefined;
  }, 30_000);
  expect(items.run.code).toBe(1);
  expect(items.listed).toHaveLength(3);
  expect(items.listed).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        kind: 'door_not_locked',
        deviceId: offline,
        reservationKey: key,
        workflowId: `reservation/${key}`,
        stillTrying: true,
      }),
      expect.objectContaining({
        kind: 'lock_action_failed',
        deviceId: unknown,
        action: 'UNLOCK_DOOR',
        code: 'COMMAND_OUTCOME_UNKNOWN',
        commandSent: null,
      }),
      expect.objectContaining({
        kind: 'unlock_not_sent',
        deviceId: closedAtOpening,
        scheduleId,
        workflowId: `${scheduleRunWorkflowId(scheduleId)}-direct`,
        stillTrying: false,
        lastOutcome: 'DEVICE_OFFLINE',
      }),
    ]),
  );
  expect(items.listed.some((item) => item.deviceId === plainFailure)).toBe(false);

  const readable = await lockstep('attention');
  expect(readable.code).toBe(1);
  expect(readable.stdout).toMatch(/^3 things need a person:$/m);
  expect(readable.stdout).toMatch(
    new RegExp(
      `^UNLOCK NOT SENT · ${closedAtOpening} · since .* · schedule ${scheduleId} .* · → people may be at a locked door`,
      'm',
    ),
  );
  expect(readable.stdout).toMatch(
    new RegExp(`^NOT LOCKED · ${offline} · since .* · stay ${key}, .* · → lock ${offline} by hand`, 'm'),
  );
  expect(readable.stdout).toMatch(
    new RegExp(`^OUTCOME UNKNOWN · ${unknown} · since .* · → check ${unknown}: the unlock may have opened it`, 'm'),
  );
}, 120_000);
