/**
 * `lockstep schedule` without Temporal: flags and --file become the contract's definition, every
 * malformed one is a usage error (exit 2) before anything connects, and `describe` reads well.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodes, main, UsageError } from '../../src/cli/main';
import { doorScheduleFromArgs, renderDoorSchedule } from '../../src/cli/schedule';
import type { Io } from '../../src/cli/args';
import { doorScheduleSchema, type DoorScheduleView } from '../../src/contract/schedules';
import { officeMorning, officeNight } from '../helpers/door-schedules';

const nightFlags = [
  '--id',
  'office-night',
  '--lock',
  '--device',
  'front-door',
  '--device',
  'back-door',
  '--at',
  '23:00',
  '--tz',
  'Europe/Berlin',
  '--skip',
  '12-24..12-26',
];
const morningFlags = [
  '--id',
  'office-morning',
  '--unlock',
  '--device',
  'front-door',
  '--at',
  '08:00',
  '--days',
  'mon-fri',
  '--tz',
  'Europe/Berlin',
  '--unlock-window',
  '15m',
];

/** An Io that records what a command writes; its TEMPORAL_ADDRESS is a port nothing listens on. */
function recordingIo(): Io & { output: string[] } {
  const output: string[] = [];
  return {
    output,
    out: (text) => output.push(text),
    err: (text) => output.push(text),
    isTTY: false,
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
  };
}

describe('doorScheduleFromArgs', () => {
  test("doorScheduleFromArgs: the issue's nightly lock, from flags", () => {
    expect(doorScheduleFromArgs(nightFlags)).toEqual({ definition: officeNight({ at: ['23:00'] }), json: false });
  });

  test("doorScheduleFromArgs: the issue's weekday unlock, from flags; a plain number is milliseconds", () => {
    expect(doorScheduleFromArgs([...morningFlags, '--note', 'reception', '--json'])).toEqual({
      definition: officeMorning({ at: ['08:00'], note: 'reception' }),
      json: true,
    });
    const inMs = doorScheduleFromArgs([...morningFlags.slice(0, -2), '--unlock-window', '20000']);
    expect(inMs.definition.unlockWindow).toBe(20_000);
  });

  test('doorScheduleFromArgs: --file takes the JSON definition as it is', () => {
    const definition = { scheduleId: 'f', action: 'lock', deviceIds: ['d'], at: '22:00', timezone: 'UTC' };
    const file = join(mkdtempSync(join(tmpdir(), 'lockstep-schedule-')), 'def.json');
    writeFileSync(file, JSON.stringify(definition));
    expect(doorScheduleFromArgs(['--file', file])).toEqual({ definition, json: false });
  });

  test.each([
    ['neither --lock nor --unlock', nightFlags.filter((f) => f !== '--lock'), 'exactly one of --lock and --unlock'],
    ['both --lock and --unlock', [...nightFlags, '--unlock'], 'exactly one of --lock and --unlock'],
    ['no --tz', nightFlags.slice(0, -4).concat(nightFlags.slice(-2)), '--tz is required'],
    ['no --device', ['--id', 'x', '--lock', '--at', '23:00', '--tz', 'UTC'], '--device is required'],
    [
      '--unlock-window on a lock',
      [...nightFlags, '--unlock-window', '15m'],
      '--unlock-window applies to --unlock only',
    ],
    ['days that are not days', [...nightFlags, '--days', 'weekdays'], '--days: expected days like mon-fri'],
    ['an unknown time zone', [...nightFlags.slice(0, -4), '--tz', 'Europe/Atlantis'], 'timezone: unknown time zone'],
    ['a bad time', [...nightFlags, '--at', '25:00'], 'at.1: a time is HH:MM'],
    ['a bad skip', [...nightFlags, '--skip', '12-32'], 'skip.1: a skip is MM-DD'],
    ['an unknown flag', [...nightFlags, '--every', '5m'], "Unknown option '--every'"],
    ['a positional argument', ['office-night', ...nightFlags], 'takes flags only'],
    [
      '--file with definition flags',
      ['--file', 'def.json', '--lock'],
      '--file holds the whole definition; drop --lock',
    ],
    ['a missing --file', ['--file', '/nonexistent/def.json'], '--file: cannot read'],
  ])('doorScheduleFromArgs: %s is a usage error', (_case, argv, message) => {
    expect(() => doorScheduleFromArgs(argv)).toThrow(UsageError);
    expect(() => doorScheduleFromArgs(argv)).toThrow(message);
  });

  test('doorScheduleFromArgs: a --file that is not JSON, or not a valid definition, is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-schedule-'));
    writeFileSync(join(dir, 'broken.json'), '{ "scheduleId": ');
    writeFileSync(join(dir, 'extra.json'), JSON.stringify({ scheduleId: 'x', action: 'lock', extra: 1 }));
    expect(() => doorScheduleFromArgs(['--file', join(dir, 'broken.json')])).toThrow('is not JSON');
    expect(() => doorScheduleFromArgs(['--file', join(dir, 'extra.json')])).toThrow('invalid door schedule');
  });
});

describe('lockstep schedule', () => {
  test('lockstep schedule: a usage error exits 2 before connecting; an unknown subcommand too', async () => {
    for (const argv of [['schedule', 'create', ...nightFlags, '--at', '7pm'], ['schedule', 'open'], ['schedule']]) {
      const io = recordingIo();
      expect(await main(argv, io)).toBe(exitCodes.usage);
      expect(io.output.join('\n')).not.toContain('could not reach Temporal');
    }
  });

  test('lockstep schedule: Temporal unreachable exits 3', async () => {
    const io = recordingIo();
    expect(await main(['schedule', 'list'], io)).toBe(exitCodes.runtime);
    expect(io.output.join('\n')).toContain('could not reach Temporal at 127.0.0.1:1');
  }, 30_000);
});

describe('renderDoorSchedule', () => {
  const view: DoorScheduleView = {
    schedule: doorScheduleSchema.parse(officeMorning({ skip: ['12-24..12-26'] })),
    summary: 'unlock front-door at 08:00 mon-fri (Europe/Berlin); except 12-24..12-26; never later than 15m after',
    taskQueue: 'lock-actions',
    paused: true,
    stateNote: 'office closed',
    policies: { overlap: 'SKIP', catchupWindowMs: 900_000, pauseOnFailure: false },
    nextActionTimes: ['2027-03-26T07:00:00.000Z', '2027-03-29T06:00:00.000Z'],
    recentRuns: [],
    runningWorkflowIds: [],
    missedCatchupWindow: 0,
  };

  test("renderDoorSchedule: the state, the safety policy, and the next runs on the schedule's clock and in UTC", () => {
    const text = renderDoorSchedule(view);
    expect(text).toContain('office-morning: unlock front-door at 08:00 mon-fri (Europe/Berlin)');
    expect(text).toMatch(/state\s+paused \(office closed\)/);
    expect(text).toMatch(/catch-up window\s+15m \(a missed unlock is dropped, never run late\)/);
    expect(text).toMatch(/next runs\s+2027-03-26 08:00 CET \(2027-03-26T07:00:00.000Z\)\n\s+2027-03-29 08:00 CEST/);
    expect(text).not.toContain('recent runs');
  });
});
