/**
 * Stays on the real Temporal dev server, driven the way another language's service would: the
 * `temporal` CLI and the README's plain JSON only (start, update, query), with the real worker,
 * real lock actions through each door, and the Seam simulator over real HTTP. Then the
 * TypeScript client's one idempotent call, update-with-start.
 */
import { randomUUID } from 'node:crypto';
import { queryReservation, upsertReservation } from '../../src/client';
import { reservationWorkflowId, type ReservationInput, type ReservationView } from '../../src/contract';
import { temporalCliPath } from '../../src/dev/toolchain';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { cleanEnv, runProcess } from '../helpers/processes';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

const day = 24 * 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the `temporal` CLI against the test server; fails the test on a non-zero exit. */
async function temporal(args: string[]): Promise<string> {
  const run = await runProcess(temporalCliPath(), [...args, '--address', fx.env.address], cleanEnv());
  if (run.code !== 0) throw new Error(`temporal ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

async function queryViaCli(workflowId: string): Promise<ReservationView> {
  const out = await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', 'reservation', '-o', 'json']);
  const parsed = JSON.parse(out) as { queryResult: ReservationView[] } | ReservationView[];
  return Array.isArray(parsed) ? parsed[0] : parsed.queryResult[0];
}

test('ReservationWorkflow via the temporal CLI and plain JSON: create a stay, move it, check it out now, query it', async () => {
  const doors = [fx.device({ locked: true }), fx.device({ locked: true })];
  const key = `cli-${randomUUID().slice(0, 8)}`;
  const workflowId = reservationWorkflowId(key);
  const now = Date.now();
  const stay = { reservationKey: key, deviceIds: doors, checkIn: iso(now + day), checkOut: iso(now + 2 * day) };
  await temporal([
    'workflow',
    'start',
    '--type',
    'ReservationWorkflow',
    '--task-queue',
    fx.taskQueue,
    '--workflow-id',
    workflowId,
    '--input',
    JSON.stringify(stay),
  ]);
  const booked = await eventually(() => queryViaCli(workflowId).catch(() => undefined));
  expect(booked).toMatchObject({ stage: 'booked', checkIn: stay.checkIn, checkOut: stay.checkOut });

  const moved = { ...stay, checkIn: iso(now + 3 * day), checkOut: iso(now + 5 * day) };
  await temporal([
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    workflowId,
    '--name',
    'upsert',
    '--input',
    JSON.stringify(moved),
  ]);
  expect(await queryViaCli(workflowId)).toMatchObject({
    checkIn: moved.checkIn,
    checkOut: moved.checkOut,
    revisions: 1,
  });

  await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'checkOutNow']);
  const ended = await eventually(async () => {
    const view = await queryViaCli(workflowId);
    return view.stage === 'checked_out' ? view : undefined;
  }, 30_000);
  expect(ended.doors.every((door) => door.locked)).toBe(true);
  expect(ended.attention).toBe(false);
  for (const door of doors) {
    expect(
      fx.sim
        .commandLog()
        .filter((c) => c.deviceId === door)
        .map((c) => c.action),
    ).toEqual(['LOCK_DOOR']);
  }
}, 60_000);

test('upsertReservation: update-with-start creates the stay once; the same reservation again changes nothing; a change is taken', async () => {
  const door = fx.device();
  const key = `pms-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const reservation: ReservationInput = {
    reservationKey: key,
    deviceIds: [door],
    checkIn: iso(now + day),
    checkOut: iso(now + 2 * day),
  };
  const first = await upsertReservation(fx.env.client, reservation, { taskQueue: fx.taskQueue });
  expect(first).toMatchObject({ stage: 'booked', revisions: 0 });
  const again = await upsertReservation(fx.env.client, reservation, { taskQueue: fx.taskQueue });
  expect(again.revisions).toBe(0);
  const extended = await upsertReservation(
    fx.env.client,
    { ...reservation, checkOut: iso(now + 3 * day) },
    { taskQueue: fx.taskQueue },
  );
  expect(extended).toMatchObject({ revisions: 1, checkOut: iso(now + 3 * day) });
  const { runId } = await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).describe();
  expect((await queryReservation(fx.env.client, key)).revisions).toBe(1);
  // One stay, one run: the upserts addressed the same execution.
  expect((await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).describe()).runId).toBe(runId);
  await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).executeUpdate('cancel');
});

test('upsertReservation: once check-out has begun, the same reservation again (the creating upsert, a retry after a lost answer) returns the stay; a changed one is refused', async () => {
  // The lock at check-out stays pending: the stay is checking out for as long as the test needs.
  const door = fx.device({ locked: false, attempt: { outcome: 'never' } });
  const key = `pms-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const reservation: ReservationInput = {
    reservationKey: key,
    deviceIds: [door],
    checkIn: iso(now - day),
    checkOut: iso(now),
    watchAfterCheckOut: '0s',
  };
  // Check-out is already due: the stay begins it while its creating upsert is still being checked.
  const created = await upsertReservation(fx.env.client, reservation, { taskQueue: fx.taskQueue });
  expect(created).toMatchObject({ reservationKey: key, revisions: 0 });
  await eventually(async () =>
    (await queryReservation(fx.env.client, key)).stage === 'checking_out' ? true : undefined,
  );

  const again = await upsertReservation(fx.env.client, reservation, { taskQueue: fx.taskQueue });
  expect(again).toMatchObject({
    reservationKey: key,
    stage: 'checking_out',
    revisions: 0,
    checkOut: reservation.checkOut,
  });
  await expect(
    upsertReservation(fx.env.client, { ...reservation, checkOut: iso(now + day) }, { taskQueue: fx.taskQueue }),
  ).rejects.toMatchObject({ cause: { type: 'CHANGE_REFUSED', message: 'check-out has begun' } });
  expect((await queryReservation(fx.env.client, key)).checkOut).toBe(reservation.checkOut);

  const pending = fx.sim.actionAttempts().filter((a) => a.deviceId === door && a.status === 'pending');
  expect(pending).toHaveLength(1);
  fx.sim.resolveActionAttempt(pending[0].actionAttemptId, 'success');
  const ended = (await fx.env.client.workflow.getHandle(reservationWorkflowId(key)).result()) as ReservationView;
  expect(ended).toMatchObject({ stage: 'ended', revisions: 0 });
  expect(ended.doors[0]).toMatchObject({ locked: true, lastOutcome: 'success' });
}, 60_000);
