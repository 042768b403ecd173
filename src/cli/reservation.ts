/**
 * `lockstep reservation upsert | show | check-out-now | cancel`: a stay (`ReservationWorkflow`)
 * from the command line. The reservation — a JSON file of the contract's shape, or flags for the
 * common case — is checked against the contract before anything connects, so a bad one is a
 * usage error and nothing is sent. A stay's answer is its view: printed readable, or with
 * `--json` exactly as the workflow gives it.
 */
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  cancelReservation,
  checkOutReservationNow,
  queryReservation,
  stayHandle,
  upsertReservation,
  isReservationEndedError,
} from '../reservation-client';
import {
  checkReservationInput,
  reservationInputSchema,
  reservationWorkflowId,
  type ReservationInput,
  type ReservationView,
} from '../contract';
import { taskQueueFromEnv } from '../ops/config';
import { exitCodes, oneChecked, parse, UsageError, unlessNotFound, withClient, type Io } from './args';
import { renderReservation } from './render-views';

const changes = { 'check-out-now': checkOutReservationNow, cancel: cancelReservation } as const;

export type ReservationArgs =
  | { command: 'upsert'; from: { file: string } | { input: ReservationInput }; json: boolean }
  | { command: 'show' | keyof typeof changes; reservationKey: string; json: boolean };

/** Each reservation flag and the contract field it sets: an issue with a field names its flag. */
const fieldOfFlag = {
  key: 'reservationKey',
  door: 'deviceIds',
  'check-in': 'checkIn',
  'check-out': 'checkOut',
  'unlock-at-check-in': 'unlockAtCheckIn',
  'unlock-window': 'unlockWindow',
  'no-lock-at-check-out': 'lockAtCheckOut',
  'lock-retry-horizon': 'lockRetryHorizon',
  'attention-after': 'attentionAfter',
  'watch-after-check-out': 'watchAfterCheckOut',
} as const;
type ReservationFlag = keyof typeof fieldOfFlag;

/**
 * One value of a flag: node's parseArgs keeps the last of a repeated flag, which would let
 * `--key r-1 ... --key r-2` pass silently; every flag is read as a list and must hold one.
 */
const once = (flag: ReservationFlag, required?: string) =>
  z
    .array(z.string(), required === undefined ? undefined : { error: `--${flag} is required (${required})` })
    .max(1, `--${flag} may be given only once`)
    .transform((values) => values[0]);
const optionalField = (flag: ReservationFlag, value: string | undefined) =>
  value === undefined ? {} : { [fieldOfFlag[flag]]: value };

/**
 * The flags as the contract's reservation. The flags say only what they can (presence, one
 * value each); the contract's own schema judges the values, so flags and a JSON file are held
 * to the same rules.
 */
const reservationFlagsSchema = z
  .object({
    key: once('key', 'the reservation key'),
    door: z.array(z.string(), { error: '--door is required (once per door)' }),
    'check-in': once('check-in', 'ISO-8601 with an offset'),
    'check-out': once('check-out', 'ISO-8601 with an offset'),
    'unlock-at-check-in': z.boolean().optional(),
    'unlock-window': once('unlock-window').optional(),
    'no-lock-at-check-out': z.boolean().optional(),
    'lock-retry-horizon': once('lock-retry-horizon').optional(),
    'attention-after': once('attention-after').optional(),
    'watch-after-check-out': once('watch-after-check-out').optional(),
  })
  .transform((f): ReservationInput => ({
    reservationKey: f.key,
    deviceIds: f.door,
    checkIn: f['check-in'],
    checkOut: f['check-out'],
    ...(f['unlock-at-check-in'] ? { unlockAtCheckIn: true } : {}),
    ...optionalField('unlock-window', f['unlock-window']),
    // Locking at check-out is the default; this flag is the one way to say otherwise.
    ...(f['no-lock-at-check-out'] ? { lockAtCheckOut: false } : {}),
    ...optionalField('lock-retry-horizon', f['lock-retry-horizon']),
    ...optionalField('attention-after', f['attention-after']),
    ...optionalField('watch-after-check-out', f['watch-after-check-out']),
  }));

const listed = { type: 'string', multiple: true } as const;
const flagOptions = {
  key: listed,
  door: listed,
  'check-in': listed,
  'check-out': listed,
  'unlock-at-check-in': { type: 'boolean' },
  'unlock-window': listed,
  'no-lock-at-check-out': { type: 'boolean' },
  'lock-retry-horizon': listed,
  'attention-after': listed,
  'watch-after-check-out': listed,
} as const satisfies Record<ReservationFlag, unknown>;

/** Parses `reservation ...` arguments; anything malformed is a usage error before anything connects. */
export function reservationArgs(argv: string[]): ReservationArgs {
  const [command, ...rest] = argv;
  if (command === 'upsert') return upsertArgs(rest);
  if (command === 'show' || command === 'check-out-now' || command === 'cancel') {
    const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false } });
    const reservationKey = oneChecked(positionals, 'reservationKey', reservationInputSchema.shape.reservationKey);
    return { command, reservationKey, json: values.json === true };
  }
  throw new UsageError(
    command ? `unknown reservation command: ${command}` : 'reservation needs upsert, show, check-out-now or cancel',
  );
}

function upsertArgs(argv: string[]): ReservationArgs {
  const { values, positionals } = parse(argv, {
    ...flagOptions,
    file: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length > 0)
    throw new UsageError(`reservation upsert takes no positional arguments, got ${positionals.join(' ')}`);
  const json = values.json === true;
  const flagsGiven = Object.keys(flagOptions).filter((flag) => values[flag] !== undefined);
  if (values.file !== undefined) {
    if (flagsGiven.length > 0)
      throw new UsageError(`--file holds the whole reservation; drop ${flagsGiven.map((f) => `--${f}`).join(', ')}`);
    return { command: 'upsert', from: { file: values.file as string }, json };
  }
  const flags = reservationFlagsSchema.safeParse(values);
  if (!flags.success)
    throw new UsageError(
      `give the reservation as --file FILE (- for stdin) or as flags: ${flags.error.issues.map((i) => i.message).join('; ')}`,
    );
  const checked = checkReservationInput(flags.data);
  if (!checked.ok) throw new UsageError(`invalid reservation: ${checked.issues.map(issueOfFlags).join('; ')}`);
  return { command: 'upsert', from: { input: flags.data }, json };
}

/** `checkIn: must be ...` from the contract, said of the flag that set it: `--check-in: must be ...`. */
function issueOfFlags(issue: string): string {
  const split = issue.indexOf(': ');
  const field = issue.slice(0, split).split('.')[0];
  const flag = Object.entries(fieldOfFlag).find(([, f]) => f === field)?.[0];
  return flag && split > 0 ? `--${flag}:${issue.slice(split + 1)}` : issue;
}

/** The reservation of a `--file` (`-`: standard input), checked against the contract. */
export async function reservationFromFile(io: Io, file: string): Promise<ReservationInput> {
  const name = file === '-' ? 'standard input' : file;
  const text = await (file === '-' ? (io.readStdin ?? readProcessStdin)() : readFile(file, 'utf8')).catch(
    (err: unknown) => {
      throw new UsageError(`cannot read ${name}: ${(err as Error).message ?? String(err)}`);
    },
  );
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${name} is not JSON: ${(err as Error).message}`);
  }
  const checked = checkReservationInput(input);
  if (!checked.ok) throw new UsageError(`invalid reservation in ${name}: ${checked.issues.join('; ')}`);
  return input as ReservationInput;
}

async function readProcessStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

export async function reservationCommand(io: Io, argv: string[]): Promise<number> {
  const args = reservationArgs(argv);
  // The file is read and checked before connecting: a bad reservation sends nothing.
  const input = args.command === 'upsert' ? await inputOf(io, args.from) : undefined;
  const print = (view: ReservationView) =>
    io.out(args.json ? JSON.stringify(view, null, 2) : renderReservation(view, Date.now()));
  return withClient(io, async (client) => {
    if (args.command === 'show') return showStay(io, client, args.reservationKey, print);
    const key = args.command === 'upsert' ? input!.reservationKey : args.reservationKey;
    const change = args.command;
    try {
      print(
        change === 'upsert'
          ? await upsertReservation(client, input!, { taskQueue: taskQueueFromEnv(io.env) })
          : await changes[change](client, key),
      );
      return exitCodes.ok;
    } catch (err) {
      // A refusal ("check-out has begun"): by a validator (the stay took nothing) or, for a change
      // queued behind others, by its handler (nothing changed).
      if (err instanceof WorkflowUpdateFailedError) {
        io.err(`lockstep: stay ${key} refused ${change}: ${err.cause?.message ?? err.message}`);
        return exitCodes.actionFailed;
      }
      if (isReservationEndedError(err)) {
        io.err(`lockstep: ${err.message}`);
        return exitCodes.actionFailed;
      }
      // An update finds no running stay: none ever ran, or it has ended.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return noStay(io, client, key, await unlessNotFound(stayHandle(client, key).describe()));
    }
  });
}

function inputOf(io: Io, from: { file: string } | { input: ReservationInput }): Promise<ReservationInput> {
  return 'file' in from ? reservationFromFile(io, from.file) : Promise.resolve(from.input);
}

/** The stay as it stands: queried while it runs; once it has ended, its result (the final view). */
async function showStay(io: Io, client: Client, key: string, print: (view: ReservationView) => void): Promise<number> {
  const handle = stayHandle(client, key);
  const description = await unlessNotFound(handle.describe());
  if (!description) return noStay(io, client, key, undefined);
  const status = description.status.name;
  if (status === 'RUNNING') print(await queryReservation(client, key));
  else if (status === 'COMPLETED') print((await handle.result()) as ReservationView);
  else {
    const why = await handle.result().then(
      () => '',
      (err: unknown) => (err instanceof WorkflowFailedError && err.cause ? `: ${err.cause.message}` : ''),
    );
    io.err(`lockstep: stay ${key} ended ${status} and left no view${why}`);
    return exitCodes.actionFailed;
  }
  return exitCodes.ok;
}

/** No running stay under `key`: none ever ran (nothing to read), or it has ended (nothing to change). */
function noStay(io: Io, client: Client, key: string, description: WorkflowExecutionDescription | undefined): number {
  io.err(
    description
      ? `lockstep: stay ${key} has ended (${description.status.name}); there is nothing to change`
      : `lockstep: no stay for reservation key ${key} (no workflow ${reservationWorkflowId(key)} in namespace ${client.options.namespace})`,
  );
  return exitCodes.actionFailed;
}
