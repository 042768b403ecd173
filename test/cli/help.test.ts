/**
 * `lockstep --version` and `lockstep <command> --help`: the version is package.json's, every
 * command prints its own usage (and only its own) with exit 0, and nothing connects; `npx
 * lockstep` runs the CLI from a checkout (package.json `bin`), as a real process.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exitCodes, main } from '../../src/cli/main';
import type { Io } from '../../src/cli/args';
import { assertBuilt, cleanEnv, repoRoot, runProcess } from '../helpers/processes';

const packageVersion = (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

function recordingIo(): Io & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  // An address nothing listens on: a command that tried to connect would fail, not print help.
  return {
    out_,
    err_,
    out: (t) => out_.push(t),
    err: (t) => err_.push(t),
    isTTY: false,
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
  };
}

const commands = [
  'lock',
  'unlock',
  'status',
  'schedule',
  'reservation',
  'door',
  'attention',
  'worker',
  'dev',
  'demo',
  'cluster',
  'simulator',
];

test.each(['--version', '-v', 'version'])("lockstep %s prints package.json's version, exit 0", async (flag) => {
  const io = recordingIo();
  expect(await main([flag], io)).toBe(exitCodes.ok);
  expect(io.out_).toEqual([`lockstep ${packageVersion}`]);
});

test.each(commands)(
  "lockstep %s --help prints that command's usage only, exit 0, connecting nowhere",
  async (command) => {
    for (const flag of ['--help', '-h']) {
      const io = recordingIo();
      expect(await main([command, flag], io)).toBe(exitCodes.ok);
      const text = io.out_.join('\n');
      expect(text).toMatch(new RegExp(`^Usage:\\n {2}lockstep ${command}\\b`));
      const others = commands.filter((c) => c !== command);
      for (const other of others) expect(text).not.toMatch(new RegExp(`^ {2}lockstep ${other}\\b`, 'm'));
      expect(text).toContain('Exit codes:');
      expect(io.err_).toEqual([]);
    }
  },
);

test('lockstep schedule create --help asks for help; a -h after other arguments is theirs (a usage error), not a question', async () => {
  const io = recordingIo();
  expect(await main(['schedule', 'create', '--help'], io)).toBe(exitCodes.ok);
  expect(io.out_.join('\n')).toContain('lockstep schedule create');
  const asValue = recordingIo();
  expect(await main(['schedule', 'pause', 'office-night', '--note', '-h'], asValue)).toBe(exitCodes.usage);
  expect(asValue.out_).toEqual([]);
});

test("npx lockstep version: the checkout's own bin runs through npx (package.json bin), a real process", async () => {
  assertBuilt();
  const run = await runProcess('npx', ['--no', 'lockstep', 'version'], cleanEnv(), 60_000);
  expect(run).toMatchObject({ code: 0, stdout: `lockstep ${packageVersion}\n` });
});
