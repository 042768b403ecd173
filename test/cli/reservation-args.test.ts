/**
 * The arguments of `lockstep reservation ...`, `lockstep door` and `lockstep attention`: every
 * malformed one is a usage error (exit 2) that names the issue, found before anything connects
 * (TEMPORAL_ADDRESS points at a closed port: reaching it would be exit 3, not 2).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, type Io } from '../../src/cli/args';
import { main } from '../../src/cli/main';
import { reservationArgs } from '../../src/cli/reservation';

const flags = [
  '--key',
  'r-123',
  '--door',
  'front-door',
  '--door',
  'room-12',
  '--check-in',
  '2026-12-01T15:00:00+01:00',
  '--check-out',
  '2026-12-03T11:00:00+01:00',
];

/** `flags` with one flag's value replaced, or the flag left out (value undefined). */
function withFlag(flag: string, value: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i += 2) if (flags[i] !== flag) out.push(flags[i], flags[i + 1]);
  return value === undefined ? out : [...out, flag, value];
}

function usageErrorOf(argv: string[]): string {
  try {
    reservationArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

/** Runs the CLI with an io that records what it prints; Temporal is unreachable on purpose. */
async function run(argv: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => (out += text + '\n'),
    err: (text) => (err += text + '\n'),
    isTTY: false,
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
    ...(stdin !== undefined ? { readStdin: () => Promise.resolve(stdin) } : {}),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('reservation upsert flags', () => {
  test('reservation upsert: the flags become the contract reservation, defaults left to the stay', () => {
    expect(reservationArgs(['upsert', ...flags])).toEqual({
      command: 'upsert',
      json: false,
      from: {
        input: {
          reservationKey: 'r-123',
          deviceIds: ['front-door', 'room-12'],
          checkIn: '2026-12-01T15:00:00+01:00',
          checkOut: '2026-12-03T11:00:00+01:00',
        },
      },
    });
  });

  test('reservation upsert: each optional flag sets its field', () => {
    const args = reservationArgs([
      'upsert',
      ...flags,
      '--unlock-at-check-in',
      '--unlock-window',
      '15m',
      '--no-lock-at-check-out',
      '--lock-retry-horizon',
      '24h',
      '--attention-after',
      '10m',
      '--json',
    ]);
    expect(args).toMatchObject({
      json: true,
      from: {
        input: {
          unlockAtCheckIn: true,
          unlockWindow: '15m',
          lockAtCheckOut: false,
          lockRetryHorizon: '24h',
          attentionAfter: '10m',
        },
      },
    });
  });

  test.each([
    ['a missing --key', withFlag('--key', undefined), /--key is required/],
    ['no --door', withFlag('--door', undefined), /--door is required \(once per door\)/],
    [
      'a check-in without an offset',
      withFlag('--check-in', '2026-12-01T15:00:00'),
      /--check-in: checkIn must be an ISO-8601 date-time with an offset/,
    ],
    ['a check-in that is not a date', withFlag('--check-in', 'tomorrow'), /--check-in: checkIn must be an ISO-8601/],
    [
      'check-out before check-in',
      withFlag('--check-out', '2026-11-30T11:00:00+01:00'),
      /--check-out: checkOut must be after checkIn/,
    ],
    ['a door id with a slash', [...flags, '--door', 'a/b'], /--door: deviceIds\[\] may hold only letters/],
    ['a door named twice', [...flags, '--door', 'room-12'], /--door: deviceIds must not repeat a door/],
    ['an unreadable duration', [...flags, '--unlock-window', 'soon'], /--unlock-window: not a duration: "soon"/],
    [
      'a duration out of bounds',
      [...flags, '--lock-retry-horizon', '1s'],
      /--lock-retry-horizon: duration must be between/,
    ],
    ['an unknown flag', [...flags, '--bogus'], /Unknown option '--bogus'/],
    ['a flag given twice', [...flags, '--key', 'r-124'], /--key may be given only once/],
    ['a positional argument', [...flags, 'extra'], /takes no positional arguments, got extra/],
    ['--file with flags', ['--file', 'stay.json', '--key', 'r-1'], /--file holds the whole reservation; drop --key/],
  ])('reservation upsert: %s is a usage error naming it', (_case, argv, message) => {
    expect(usageErrorOf(['upsert', ...argv])).toMatch(message);
  });

  test('reservation upsert: no reservation at all says both ways to give one', () => {
    const message = usageErrorOf(['upsert']);
    expect(message).toMatch(/--file FILE \(- for stdin\) or as flags/);
    for (const flag of ['--key', '--door', '--check-in', '--check-out'])
      expect(message).toContain(`${flag} is required`);
  });
});

describe('reservation commands with a key', () => {
  test.each(['show', 'check-out-now', 'cancel'] as const)('reservation %s <key> [--json]', (command) => {
    expect(reservationArgs([command, 'r-123'])).toEqual({ command, reservationKey: 'r-123', json: false });
    expect(reservationArgs([command, 'r-123', '--json'])).toMatchObject({ json: true });
  });

  test.each([
    ['no key', ['show'], /expected exactly one reservationKey, got 0/],
    ['two keys', ['cancel', 'a', 'b'], /expected exactly one reservationKey, got 2/],
    ['a key no stay could have', ['show', 'a/b'], /reservationKey may hold only letters/],
    ['an unknown flag', ['check-out-now', 'r-1', '--force'], /Unknown option '--force'/],
    ['an unknown subcommand', ['extend', 'r-1'], /unknown reservation command: extend/],
    ['no subcommand', [], /reservation needs upsert, show, check-out-now or cancel/],
  ])('reservation: %s is a usage error', (_case, argv, message) => {
    expect(usageErrorOf(argv)).toMatch(message);
  });
});

describe('exit code 2 through the CLI, nothing sent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-cli-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test.each([
    [
      'a bad check-in flag',
      ['reservation', 'upsert', ...withFlag('--check-in', 'soon')],
      /--check-in: checkIn must be/,
    ],
    ['no key for show', ['reservation', 'show'], /expected exactly one reservationKey/],
    ['a bad device id', ['door', 'a/b'], /deviceId may hold only letters/],
    ['no device id', ['door'], /expected exactly one deviceId, got 0/],
    ['an argument to attention', ['attention', 'now'], /attention takes no positional arguments/],
    ['an unknown flag to attention', ['attention', '--since', '1h'], /Unknown option '--since'/],
  ])('lockstep %s: exit 2 with the issue and the usage', async (_case, argv, message) => {
    const { code, err, out } = await run(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('lockstep reservation upsert --key KEY');
    expect(out).toBe('');
  });

  test('reservation upsert --file: every issue of the file is listed, exit 2', async () => {
    const path = file(
      'bad.json',
      JSON.stringify({
        reservationKey: 'r-1',
        deviceIds: [],
        checkIn: 'soon',
        checkOut: '2026-12-03T11:00:00Z',
        pin: 1,
      }),
    );
    const { code, err } = await run(['reservation', 'upsert', '--file', path]);
    expect(code).toBe(2);
    expect(err).toContain(`invalid reservation in ${path}`);
    expect(err).toMatch(/deviceIds: deviceIds must name at least one door/);
    expect(err).toMatch(/checkIn: checkIn must be an ISO-8601/);
    expect(err).toMatch(/Unrecognized key: "pin"/);
  });

  test('reservation upsert --file: not JSON, or no such file, is a usage error', async () => {
    const notJson = await run(['reservation', 'upsert', '--file', file('stay.txt', 'reservationKey: r-1')]);
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/stay\.txt is not JSON/);
    const missing = await run(['reservation', 'upsert', '--file', join(dir, 'missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*missing\.json: ENOENT/);
  });

  test('reservation upsert --file -: reads standard input and checks it like a file', async () => {
    const { code, err } = await run(['reservation', 'upsert', '--file', '-'], '{"reservationKey":"r-1"}');
    expect(code).toBe(2);
    expect(err).toMatch(/invalid reservation in standard input: deviceIds: /);
  });

  test('a valid reservation gets past the checks: it then tries Temporal (exit 3 here, unreachable)', async () => {
    const valid = {
      reservationKey: 'r-1',
      deviceIds: ['d'],
      checkIn: '2026-12-01T15:00:00Z',
      checkOut: '2026-12-02T11:00:00Z',
    };
    const { code, err } = await run(['reservation', 'upsert', '--file', '-'], JSON.stringify(valid));
    expect(code).toBe(3);
    expect(err).toMatch(/could not reach Temporal at 127\.0\.0\.1:1/);
  });
});
