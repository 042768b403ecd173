/**
 * What every `lockstep` command shares: its I/O, the usage error, and argument parsing that
 * turns any malformed argument into a usage error (exit 2) before anything connects.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectClient } from '../client';
import { startTracingIfConfigured, tracingFromEnv } from '../ops/tracing-config';
import type { Env } from '../ops/config';

export const exitCodes = { ok: 0, actionFailed: 1, usage: 2, runtime: 3, config: 78 } as const;

/** Where a command writes and what it reads: the process's streams and environment, or a test's. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  env: Env;
  /** All of standard input (`--file -`); absent: this process's stdin. */
  readStdin?: () => Promise<string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const portSchema = z.coerce.number().int().min(1).max(65535);

export function parse(argv: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function portOption(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const parsed = portSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--${name} must be a port number (1-65535)`);
  return parsed.data;
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0];
}

/**
 * The one positional argument, checked against the contract's schema for it (a reservation key,
 * a device id): an argument no workflow could have is a usage error, not a "not found".
 */
export function oneChecked(positionals: string[], what: string, schema: z.ZodType<string>): string {
  const parsed = schema.safeParse(onePositional(positionals, what));
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** What `work` gives, or undefined when Temporal has no such workflow (a key or door never used). */
export async function unlessNotFound<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Runs `use` with a client connected the Temporal way (TEMPORAL_* from `io.env`), then closes it. */
/** A client for one command; traced (its starts, signals, updates) when OTEL_EXPORTER_OTLP_* say where to. */
export async function withClient<T>(io: Io, use: (client: Client) => Promise<T>): Promise<T> {
  const tracing = await startTracingIfConfigured(tracingFromEnv(io.env));
  try {
    const client = await connectClient(io.env, tracing ? [tracing.clientInterceptor] : []);
    try {
      return await use(client);
    } finally {
      await client.connection.close();
    }
  } finally {
    await tracing?.shutdown();
  }
}
