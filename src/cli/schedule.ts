/**
 * `lockstep schedule create | list | describe | pause | unpause | trigger | delete`: recurring
 * lock and unlock over Temporal Schedules. A definition comes from flags or, with --file, as
 * the contract's plain JSON; either way it is checked before anything connects, so a bad one
 * creates nothing (exit 2).
 */
import type { Client } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import {
  createDoorSchedule,
  deleteDoorSchedule,
  describeDoorSchedule,
  isDoorScheduleExistsError,
  isDoorScheduleInputError,
  isDoorScheduleNotFoundError,
  listDoorSchedules,
  pauseDoorSchedule,
  triggerDoorSchedule,
  unpauseDoorSchedule,
  type DoorScheduleListing,
} from '../client';
import {
  checkDoorSchedule,
  durationText,
  localClockText,
  parseDays,
  type DoorScheduleDefinition,
  type DoorScheduleView,
} from '../contract/schedules';
import { taskQueueFromEnv } from '../ops/config';
import { exitCodes, onePositional, parse, UsageError, withClient, type Io } from './args';
import { rows } from './render';

/** How many upcoming runs `describe` shows (Temporal returns about ten). */
export const shownNextRuns = 5;

const definitionFlags = {
  id: { type: 'string' },
  lock: { type: 'boolean' },
  unlock: { type: 'boolean' },
  device: { type: 'string', multiple: true },
  at: { type: 'string', multiple: true },
  days: { type: 'string' },
  tz: { type: 'string' },
  skip: { type: 'string', multiple: true },
  'unlock-window': { type: 'string' },
  note: { type: 'string' },
} as const;

type DefinitionFlags = Partial<{
  id: string;
  lock: boolean;
  unlock: boolean;
  device: string[];
  at: string[];
  days: string;
  tz: string;
  skip: string[];
  'unlock-window': string;
  note: string;
}>;

/**
 * The door schedule `schedule create` asks for, checked against the contract; nothing connects
 * before this passes.
 *
 * @throws {UsageError} naming the flag or the definition's field that is wrong.
 */
export function doorScheduleFromArgs(argv: string[]): { definition: DoorScheduleDefinition; json: boolean } {
  const { values, positionals } = parse(argv, {
    ...definitionFlags,
    file: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`schedule create takes flags only, not ${positionals.join(' ')}`);
  const { file, json, ...flags } = values as DefinitionFlags & { file?: string; json?: boolean };
  const definition = file !== undefined ? definitionFromFile(file, flags) : definitionFromFlags(flags);
  const checked = checkDoorSchedule(definition);
  if (!checked.ok) throw new UsageError(`invalid door schedule: ${checked.issues.join('; ')}`);
  return { definition: definition as DoorScheduleDefinition, json: json === true };
}

function definitionFromFile(path: string, flags: DefinitionFlags): unknown {
  if (Object.keys(flags).length > 0) {
    throw new UsageError(`--file holds the whole definition; drop --${Object.keys(flags).join(', --')}`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--file: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`--file: ${path} is not JSON: ${(err as Error).message}`);
  }
}

function definitionFromFlags(flags: DefinitionFlags): DoorScheduleDefinition {
  if (flags.lock === flags.unlock) throw new UsageError('give exactly one of --lock and --unlock');
  for (const flag of ['id', 'device', 'at', 'tz'] as const) {
    if (flags[flag] === undefined) throw new UsageError(`--${flag} is required (or give the definition with --file)`);
  }
  if (flags.lock && flags['unlock-window'] !== undefined) {
    throw new UsageError('--unlock-window applies to --unlock only (a missed lock always runs)');
  }
  const days = flags.days === undefined ? undefined : parseDays(flags.days);
  if (flags.days !== undefined && !days)
    throw new UsageError(`--days: expected days like mon-fri or sat,sun, got ${flags.days}`);
  const window = flags['unlock-window'];
  return {
    scheduleId: flags.id as string,
    action: flags.lock ? 'lock' : 'unlock',
    deviceIds: flags.device as string[],
    at: flags.at as string[],
    timezone: flags.tz as string,
    ...(days ? { days } : {}),
    ...(flags.skip ? { skip: flags.skip } : {}),
    ...(window !== undefined ? { unlockWindow: /^\d+$/.test(window) ? Number(window) : window } : {}),
    ...(flags.note !== undefined ? { note: flags.note } : {}),
  };
}

export async function scheduleCommand(io: Io, argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'create': {
      const { definition, json } = doorScheduleFromArgs(rest);
      const taskQueue = taskQueueFromEnv(io.env);
      return withSchedules(io, async (client) => {
        const { scheduleId } = await createDoorSchedule(client, definition, { taskQueue });
        const view = await describeDoorSchedule(client, scheduleId);
        io.out(json ? JSON.stringify(view, null, 2) : `created ${renderDoorSchedule(view)}`);
        return exitCodes.ok;
      });
    }
    case 'list': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false } });
      if (positionals.length > 0) throw new UsageError('schedule list takes no arguments but --json');
      return withSchedules(io, async (client) => {
        const listings = await listDoorSchedules(client);
        io.out(values.json ? JSON.stringify(listings, null, 2) : renderDoorScheduleList(listings));
        return exitCodes.ok;
      });
    }
    case 'describe': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false } });
      const scheduleId = onePositional(positionals, 'scheduleId');
      return withSchedules(io, async (client) => {
        const view = await describeDoorSchedule(client, scheduleId);
        io.out(values.json ? JSON.stringify(view, null, 2) : renderDoorSchedule(view));
        return exitCodes.ok;
      });
    }
    case 'pause':
    case 'unpause': {
      const { values, positionals } = parse(rest, { note: { type: 'string' } });
      const scheduleId = onePositional(positionals, 'scheduleId');
      const note = values.note as string | undefined;
      return withSchedules(io, async (client) => {
        await (subcommand === 'pause' ? pauseDoorSchedule : unpauseDoorSchedule)(client, scheduleId, note);
        io.out(`${subcommand}d ${scheduleId}`);
        return exitCodes.ok;
      });
    }
    case 'trigger':
    case 'delete': {
      const scheduleId = onePositional(parse(rest, {}).positionals, 'scheduleId');
      return withSchedules(io, async (client) => {
        await (subcommand === 'trigger' ? triggerDoorSchedule : deleteDoorSchedule)(client, scheduleId);
        io.out(subcommand === 'trigger' ? `triggered a run of ${scheduleId}` : `deleted ${scheduleId}`);
        return exitCodes.ok;
      });
    }
    default:
      throw new UsageError(
        subcommand
          ? `unknown schedule command: ${subcommand}`
          : 'schedule needs a command: create, list, describe, ...',
      );
  }
}

/** Runs `use` with a client; a schedule that is missing, taken or invalid is the caller's mistake (exit 2). */
async function withSchedules(io: Io, use: (client: Client) => Promise<number>): Promise<number> {
  try {
    return await withClient(io, use);
  } catch (err) {
    if (isDoorScheduleNotFoundError(err) || isDoorScheduleExistsError(err) || isDoorScheduleInputError(err)) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}

/** An instant on the schedule's wall clock, then in UTC. */
const when = (iso: string, timezone: string) => `${localClockText(new Date(iso), timezone)} (${iso})`;

export function renderDoorSchedule(view: DoorScheduleView): string {
  const { schedule, policies } = view;
  const missed =
    schedule.action === 'unlock'
      ? 'a missed unlock is dropped, never run late'
      : 'a missed lock still runs: fail-secure';
  const lines = (values: string[]) => values.join(`\n${' '.repeat(24)}`);
  return [
    `${schedule.scheduleId}: ${view.summary}`,
    ...rows([
      ['state', view.paused ? `paused${view.stateNote ? ` (${view.stateNote})` : ''}` : 'active'],
      ['note', schedule.note],
      ['devices', schedule.deviceIds.join(', ')],
      ['time zone', schedule.timezone],
      ['skips', schedule.skip.join(', ')],
      ['unlock window', schedule.unlockWindowMs !== undefined ? durationText(schedule.unlockWindowMs) : undefined],
      ['catch-up window', `${durationText(policies.catchupWindowMs)} (${missed})`],
      ['overlap', policies.overlap],
      ['task queue', view.taskQueue],
      ['next runs', lines(view.nextActionTimes.slice(0, shownNextRuns).map((t) => when(t, schedule.timezone)))],
      [
        'recent runs',
        lines(view.recentRuns.map((run) => `${when(run.scheduledAt, schedule.timezone)}  ${run.workflowId}`)),
      ],
      ['running', view.runningWorkflowIds.join(', ')],
      ['missed catch-up', view.missedCatchupWindow > 0 ? view.missedCatchupWindow : undefined],
    ]),
  ].join('\n');
}

export function renderDoorScheduleList(listings: DoorScheduleListing[]): string {
  if (listings.length === 0) return 'no door schedules';
  return listings
    .map((s) => `${s.scheduleId}  ${s.paused ? 'paused' : 'active'}  ${s.summary}  next ${s.nextActionTimes[0] ?? '-'}`)
    .join('\n');
}
