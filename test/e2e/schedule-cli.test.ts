/**
 * `lockstep schedule` as real processes against the real Temporal dev server, with the
 * production worker and the Seam simulator: the two schedules created from flags and
 * from the JSON contract, described, listed, paused, triggered (the doors lock) and deleted; a
 * malformed definition exits 2 and creates nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describeDoorSchedule, DoorScheduleNotFoundError } from '../../src/client';
import type { DoorScheduleView } from '../../src/contract/schedules';
import { officeMorning } from '../helpers/door-schedules';
import { assertBuilt, cleanEnv, runLockstep, type Finished } from '../helpers/processes';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

beforeAll(() => assertBuilt());

function schedule(...args: string[]): Promise<Finished> {
  return runLockstep(
    ['schedule', ...args],
    cleanEnv({ TEMPORAL_ADDRESS: fx.env.address, LOCKSTEP_TASK_QUEUE: fx.taskQueue }),
  );
}

async function describedAsJson(scheduleId: string): Promise<DoorScheduleView> {
  const described = await schedule('describe', scheduleId, '--json');
  expect(described).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(described.stdout) as DoorScheduleView;
}

const commandsFor = (deviceId: string) => fx.sim.commandLog().filter((c) => c.deviceId === deviceId);

describe('lockstep schedule', () => {
  test("lockstep schedule create: the issue's nightly lock from flags is described and listed; trigger locks its doors; delete removes it", async () => {
    const scheduleId = `office-night-${randomUUID().slice(0, 8)}`;
    const [front, back] = [fx.device({ locked: false }), fx.device({ locked: false })];
    const created = await schedule(
      'create',
      ...['--id', scheduleId, '--lock', '--device', front, '--device', back],
      ...['--at', '23:00', '--tz', 'Europe/Berlin', '--skip', '12-24..12-26'],
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain(
      `created ${scheduleId}: lock ${front}, ${back} at 23:00 every day (Europe/Berlin)`,
    );

    expect((await describedAsJson(scheduleId)).schedule).toEqual({
      scheduleId,
      action: 'lock',
      deviceIds: [front, back],
      at: ['23:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      timezone: 'Europe/Berlin',
      skip: ['12-24..12-26'],
    });
    const readable = await schedule('describe', scheduleId);
    expect(readable.stdout).toMatch(/catch-up window\s+1d \(a missed lock still runs: fail-secure\)/);
    expect(readable.stdout).toMatch(/overlap\s+BUFFER_ONE/);
    expect(readable.stdout).toMatch(/next runs\s+\d{4}-\d\d-\d\d 23:00 CES?T/);
    await eventually(async () => ((await schedule('list')).stdout.includes(scheduleId) ? true : undefined));

    expect(await schedule('trigger', scheduleId)).toMatchObject({
      code: 0,
      stdout: `triggered a run of ${scheduleId}\n`,
    });
    await eventually(() => (commandsFor(front).length > 0 && commandsFor(back).length > 0 ? true : undefined), 15_000);
    expect([...commandsFor(front), ...commandsFor(back)].map((c) => c.action)).toEqual(['LOCK_DOOR', 'LOCK_DOOR']);

    expect(await schedule('delete', scheduleId)).toMatchObject({ code: 0, stdout: `deleted ${scheduleId}\n` });
    const gone = await schedule('describe', scheduleId);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`no lockstep door schedule ${scheduleId}`);
  }, 60_000);

  test("lockstep schedule create --file: the issue's weekday unlock from the JSON contract; pause and unpause with a note", async () => {
    const scheduleId = `office-morning-${randomUUID().slice(0, 8)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'lockstep-schedule-')), 'office-morning.json');
    writeFileSync(file, JSON.stringify(officeMorning({ scheduleId })));
    expect(await schedule('create', '--file', file)).toMatchObject({ code: 0, stderr: '' });
    try {
      expect(await describedAsJson(scheduleId)).toMatchObject({
        schedule: { action: 'unlock', days: ['mon', 'tue', 'wed', 'thu', 'fri'], unlockWindowMs: 900_000 },
        policies: { overlap: 'SKIP', catchupWindowMs: 900_000 },
        paused: false,
      });
      expect(await schedule('pause', scheduleId, '--note', 'office closed')).toMatchObject({ code: 0 });
      expect(await describedAsJson(scheduleId)).toMatchObject({ paused: true, stateNote: 'office closed' });
      expect(await schedule('unpause', scheduleId)).toMatchObject({ code: 0 });
      expect(await describedAsJson(scheduleId)).toMatchObject({ paused: false });
    } finally {
      await schedule('delete', scheduleId);
    }
  }, 60_000);

  test('lockstep schedule create: a malformed definition exits 2 and creates nothing', async () => {
    const scheduleId = `malformed-${randomUUID().slice(0, 8)}`;
    const refused = await schedule(
      'create',
      ...['--id', scheduleId, '--unlock', '--device', 'front-door', '--at', '08:00', '--tz', 'Europe/Berlin'],
      ...['--unlock-window', '5s'],
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unlockWindow: duration must be between 10000 ms');
    await expect(describeDoorSchedule(fx.env.client, scheduleId)).rejects.toThrow(DoorScheduleNotFoundError);
  });
});
