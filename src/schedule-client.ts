/**
 * Typed helpers for door schedules over Temporal Schedules: create one from a definition
 * (checked before anything is created), list, describe, pause, unpause, trigger and delete.
 * Other languages need none of this: `scheduleOptionsOf` (src/contract/schedules.ts) says what a
 * door schedule is, and any Temporal client can create the same. These helpers touch only
 * lockstep's own schedules: another team's schedule in the namespace is "not found" to them.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import {
  checkDoorSchedule,
  doorScheduleFromDescription,
  doorScheduleMemoKey,
  scheduleOptionsOf,
  type DoorSchedule,
  type DoorScheduleDefinition,
  type DoorScheduleView,
} from './contract/schedules';
import { defaultTaskQueue, workflowTypes } from './contract/core';

/** Thrown before anything is created when a definition is invalid. */
export class DoorScheduleInputError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid door schedule: ${issues.join('; ')}`);
    this.name = this.constructor.name;
  }
}

export const isDoorScheduleInputError = (err: unknown): err is DoorScheduleInputError =>
  err instanceof DoorScheduleInputError;

/** There is no lockstep door schedule with this id: none at all, or another kind of schedule. */
export class DoorScheduleNotFoundError extends Error {
  constructor(
    readonly scheduleId: string,
    readonly reason: string,
  ) {
    super(`no lockstep door schedule ${scheduleId}: ${reason}`);
    this.name = this.constructor.name;
  }
}

export const isDoorScheduleNotFoundError = (err: unknown): err is DoorScheduleNotFoundError =>
  err instanceof DoorScheduleNotFoundError;

/** A schedule with this id already exists (of any kind); nothing was changed. */
export class DoorScheduleExistsError extends Error {
  constructor(readonly scheduleId: string) {
    super(`a schedule ${scheduleId} already exists; delete it first or choose another id`);
    this.name = this.constructor.name;
  }
}

export const isDoorScheduleExistsError = (err: unknown): err is DoorScheduleExistsError =>
  err instanceof DoorScheduleExistsError;

/** How to create a door schedule. */
export interface DoorScheduleOptions {
  /**
   * The task queue the lockstep workers poll: every run, and the lock actions it starts, run there.
   * @default 'lock-actions' (the workers' LOCKSTEP_TASK_QUEUE must match)
   */
  taskQueue?: string;
}

/** One line of `listDoorSchedules`. */
export interface DoorScheduleListing {
  scheduleId: string;
  summary: string;
  note?: string;
  paused: boolean;
  /** ISO-8601, the next few. */
  nextActionTimes: string[];
}

/**
 * Creates a door schedule: a Temporal Schedule whose runs are `ScheduledDoorActionWorkflow`s,
 * with the safety policy of `schedulePoliciesOf`. Returns the definition in canonical form.
 *
 * @throws {DoorScheduleInputError} when the definition is invalid; nothing is created.
 * @throws {DoorScheduleExistsError} when a schedule with its id exists; nothing is changed.
 */
export async function createDoorSchedule(
  client: Client,
  definition: DoorScheduleDefinition,
  options: DoorScheduleOptions = {},
): Promise<DoorSchedule> {
  const checked = checkDoorSchedule(definition);
  if (!checked.ok) throw new DoorScheduleInputError(checked.issues);
  try {
    await client.schedule.create(scheduleOptionsOf(checked.schedule, options.taskQueue ?? defaultTaskQueue));
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new DoorScheduleExistsError(checked.schedule.scheduleId);
    throw err;
  }
  return checked.schedule;
}

/**
 * lockstep's door schedules in the client's namespace. Temporal lists schedules from its
 * visibility store, which lags a moment behind a create, pause or delete.
 */
export async function listDoorSchedules(client: Client): Promise<DoorScheduleListing[]> {
  const listings: DoorScheduleListing[] = [];
  for await (const summary of client.schedule.list()) {
    const memo = summary.memo?.[doorScheduleMemoKey] as { summary?: unknown; note?: unknown } | undefined;
    if (summary.action?.workflowType !== workflowTypes.SCHEDULED_DOOR_ACTION || typeof memo?.summary !== 'string') {
      continue;
    }
    listings.push({
      scheduleId: summary.scheduleId,
      summary: memo.summary,
      ...(typeof memo.note === 'string' ? { note: memo.note } : {}),
      paused: summary.state.paused,
      nextActionTimes: summary.info.nextActionTimes.map((t) => t.toISOString()),
    });
  }
  return listings.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/**
 * A door schedule's definition (read back from Temporal) and state: paused or not, next times,
 * recent runs.
 *
 * @throws {DoorScheduleNotFoundError} when there is no such schedule, or it is not a door schedule.
 */
export async function describeDoorSchedule(client: Client, scheduleId: string): Promise<DoorScheduleView> {
  return (await doorScheduleHandle(client, scheduleId)).view;
}

/**
 * Pauses a door schedule: no run starts until it is unpaused, and times that pass meanwhile are
 * not caught up later beyond the catch-up window.
 *
 * @throws {DoorScheduleNotFoundError}
 */
export async function pauseDoorSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  const { handle } = await doorScheduleHandle(client, scheduleId);
  await handle.pause(note ?? 'paused with lockstep');
}

/** @throws {DoorScheduleNotFoundError} */
export async function unpauseDoorSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  const { handle } = await doorScheduleHandle(client, scheduleId);
  await handle.unpause(note ?? 'unpaused with lockstep');
}

/**
 * Starts a run now. Under the schedule's own overlap policy, not the SDK's default ALLOW_ALL for
 * triggers: a triggered lock waits for a running one, a triggered unlock is dropped while
 * another run of the schedule is still going.
 *
 * @throws {DoorScheduleNotFoundError}
 */
export async function triggerDoorSchedule(client: Client, scheduleId: string): Promise<void> {
  const { handle, description } = await doorScheduleHandle(client, scheduleId);
  await handle.trigger(description.policies.overlap);
}

/** Deletes a door schedule; runs already started go on. @throws {DoorScheduleNotFoundError} */
export async function deleteDoorSchedule(client: Client, scheduleId: string): Promise<void> {
  const { handle } = await doorScheduleHandle(client, scheduleId);
  await handle.delete();
}

/** The handle of a door schedule, once Temporal has described it as one. */
async function doorScheduleHandle(
  client: Client,
  scheduleId: string,
): Promise<{ handle: ScheduleHandle; description: ScheduleDescription; view: DoorScheduleView }> {
  const handle = client.schedule.getHandle(scheduleId);
  const description = await handle.describe().catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError) {
      throw new DoorScheduleNotFoundError(scheduleId, `none in namespace ${client.options.namespace}`);
    }
    throw err;
  });
  const read = doorScheduleFromDescription(description);
  if (!read.ok) throw new DoorScheduleNotFoundError(scheduleId, `it is not one (${read.issues.join('; ')})`);
  return { handle, description, view: read.view };
}
