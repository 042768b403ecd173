/**
 * Process configuration from the environment, parsed once at start-up with zod. A bad value
 * fails fast with a message that names the variable and never echoes a secret.
 */
import type { LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import type { AlertConfig } from '../activities/alerts';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { SeamConfig } from '../activities/seam/client';
import { singleWorkspace, type SeamWorkspacesConfig } from '../activities/seam/workspaces';
import { webhookSecretPattern, workspaceAliasPattern } from '../contract/core';
import { defaultTaskQueue, taskQueueEnvVar } from '../contract';
import { defaultRequestTimeoutMs, maxRequestTimeoutMs, minRequestTimeoutMs } from '../contract/timing-budget';

export const defaultSeamEndpoint = 'https://connect.getseam.com';
/** End-to-end bound of one Seam HTTP call (see timing-budget.ts); Temporal retries what times out. */
export const defaultSeamRequestTimeoutMs = defaultRequestTimeoutMs;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = this.constructor.name;
  }
}

export const isConfigError = (err: unknown): err is ConfigError => err instanceof ConfigError;

/** Process environment variables, as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

const seamEnvSchema = {
  SEAM_API_KEY: z
    .string({ message: 'is required (a Seam API key, seam_...)' })
    .min(1, 'is required (a Seam API key, seam_...)')
    .startsWith('seam_', 'must be a Seam API key (it starts with seam_)'),
  SEAM_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default(defaultSeamEndpoint),
  SEAM_REQUEST_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(minRequestTimeoutMs, `must be at least ${minRequestTimeoutMs}`)
    // The activities' start-to-close timeouts are sized for requests of at most this (timing-budget.ts).
    .max(maxRequestTimeoutMs, `must be at most ${maxRequestTimeoutMs}`)
    .default(defaultSeamRequestTimeoutMs),
};

/** Parses one variable; the message names it and says what was wrong, never what it held. */
function readVariable<T extends z.ZodType>(env: Env, name: string, schema: T): z.output<T> {
  const raw = env[name];
  const parsed = schema.safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data;
}

/** @throws {ConfigError} naming the first variable that is missing or malformed. */
export function seamConfigFromEnv(env: Env = process.env): SeamConfig & { apiKey: string } {
  return {
    apiKey: readVariable(env, 'SEAM_API_KEY', seamEnvSchema.SEAM_API_KEY),
    endpoint: readVariable(env, 'SEAM_ENDPOINT', seamEnvSchema.SEAM_ENDPOINT),
    requestTimeoutMs: readVariable(env, 'SEAM_REQUEST_TIMEOUT_MS', seamEnvSchema.SEAM_REQUEST_TIMEOUT_MS),
  };
}

/** @throws {ConfigError} when the task queue name is malformed. */
export function taskQueueFromEnv(env: Env = process.env): string {
  return readVariable(
    env,
    taskQueueEnvVar,
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be letters, digits, . _ - (at most 200)')
      .default(defaultTaskQueue),
  );
}

/** @throws {ConfigError} when LOCKSTEP_LOG_LEVEL is not a log level. */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  const logLevel = z
    .enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])
    .safeParse((env.LOCKSTEP_LOG_LEVEL || 'INFO').toUpperCase());
  if (!logLevel.success) throw new ConfigError('LOCKSTEP_LOG_LEVEL', 'must be one of TRACE, DEBUG, INFO, WARN, ERROR');
  return logLevel.data;
}

export const logFormats = ['text', 'json'] as const;
/** `text`: one readable line per entry; `json`: one JSON object per line, for log pipelines. */
export type LogFormat = (typeof logFormats)[number];

/** @throws {ConfigError} when LOCKSTEP_LOG_FORMAT is neither text nor json. */
export function logFormatFromEnv(env: Env = process.env): LogFormat {
  return readVariable(
    env,
    'LOCKSTEP_LOG_FORMAT',
    z.enum(logFormats, { message: 'must be text or json' }).default('text'),
  );
}

/**
 * The shortest LOCKSTEP_ALERT_SECRET: 32 characters (e.g. `openssl rand -hex 16`) keep an
 * HMAC key out of reach of guessing; a receiver that accepts forged alerts would page people
 * for nothing, or be told all is well while a door stands open.
 */
export const minAlertSecretLength = 32;

function holdsNoCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true; // not a URL at all: z.url() says so
  }
}

const alertEnvSchema = {
  LOCKSTEP_ALERT_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    // The signature authenticates lockstep; a password in the URL would be logged by proxies and leak with it.
    .refine(holdsNoCredentials, 'must not hold a user or password')
    .optional(),
  LOCKSTEP_ALERT_SECRET: z
    .string()
    .min(minAlertSecretLength, `must be at least ${minAlertSecretLength} characters`)
    .optional(),
};

/**
 * Where alerts go, or undefined when LOCKSTEP_ALERT_URL is unset (alerts are then logged at WARN
 * and kept in the workflows' histories). A secret without a URL is refused too: it says the
 * operator meant to send alerts, and a typo in the URL's name would otherwise silence them.
 * @throws {ConfigError} naming LOCKSTEP_ALERT_URL or LOCKSTEP_ALERT_SECRET
 */
export function alertConfigFromEnv(env: Env = process.env): AlertConfig | undefined {
  const url = readVariable(env, 'LOCKSTEP_ALERT_URL', alertEnvSchema.LOCKSTEP_ALERT_URL);
  const secret = readVariable(env, 'LOCKSTEP_ALERT_SECRET', alertEnvSchema.LOCKSTEP_ALERT_SECRET);
  if (url === undefined) {
    if (secret === undefined) return undefined;
    throw new ConfigError('LOCKSTEP_ALERT_SECRET', 'is set but LOCKSTEP_ALERT_URL is not: set both, or neither');
  }
  if (secret === undefined) {
    throw new ConfigError(
      'LOCKSTEP_ALERT_SECRET',
      `is required when LOCKSTEP_ALERT_URL is set (at least ${minAlertSecretLength} characters, the receiver's signing secret)`,
    );
  }
  return { url, secret };
}

/**
 * LOCKSTEP_METRICS_ADDR: where the worker serves Prometheus `/metrics`, an IP address and a port
 * (`0.0.0.0:9464`, `[::]:9464`: the runtime's exporter binds a socket address, not a host name);
 * undefined (metrics off) when unset.
 * @throws {ConfigError} when it is not ip:port with a port in 1-65535
 */
export function metricsAddressFromEnv(env: Env = process.env): string | undefined {
  return readVariable(env, 'LOCKSTEP_METRICS_ADDR', socketAddress(9464).optional());
}

/** `ip:port` (`[v6]:port`): an address a socket binds, not a host name. */
function socketAddress(examplePort: number) {
  return z
    .string()
    .regex(
      /^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):\d{1,5}$/,
      `must be ip:port (e.g. 0.0.0.0:${examplePort} or [::]:${examplePort})`,
    )
    .refine(
      (value) => isIP(hostOf(value)) !== 0,
      `must be ip:port with a valid IP address (e.g. 0.0.0.0:${examplePort})`,
    )
    .refine((value) => {
      const port = portOf(value);
      return port >= 1 && port <= 65_535;
    }, 'must have a port from 1 to 65535');
}

const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** Where `lockstep webhooks` listens when LOCKSTEP_WEBHOOK_ADDR is unset (loopback: put a TLS proxy in front). */
export const defaultWebhookAddress = '127.0.0.1:8788';

/**
 * A Svix signing secret as Seam shows it: `whsec_` and the base64 of at least 24 random bytes.
 * Checked here because the library would take a short or mistyped one and reject every event.
 */
export const webhookSecretSchema = z
  .string()
  .regex(webhookSecretPattern, 'must be a Seam webhook secret (whsec_ and base64)')
  .refine((value) => Buffer.from(value.slice('whsec_'.length), 'base64').length >= 24, 'is too short (under 24 bytes)');

export interface WebhookReceiverConfig {
  host: string;
  port: number;
  /** SEAM_WEBHOOK_SECRET, and each workspace's `webhookSecret` in LOCKSTEP_SEAM_WORKSPACES. */
  secrets: string[];
}

/**
 * `lockstep webhooks`'s configuration: LOCKSTEP_WEBHOOK_ADDR (`ip:port`, default
 * {@link defaultWebhookAddress}) and the secrets of the workspaces whose events it takes:
 * SEAM_WEBHOOK_SECRET and the `webhookSecret`s of LOCKSTEP_SEAM_WORKSPACES (at least one).
 * @throws {ConfigError} naming the variable, never echoing a secret
 */
export function webhookReceiverConfigFromEnv(env: Env = process.env): WebhookReceiverConfig {
  const address = readVariable(env, 'LOCKSTEP_WEBHOOK_ADDR', socketAddress(8788).default(defaultWebhookAddress));
  const own = readVariable(env, 'SEAM_WEBHOOK_SECRET', webhookSecretSchema.optional());
  const fromWorkspaces = env.LOCKSTEP_SEAM_WORKSPACES
    ? Object.entries(seamWorkspacesFromEnv(env).workspaces).flatMap(([alias, w]) => {
        if (w.webhookSecret === undefined) return [];
        if (!webhookSecretSchema.safeParse(w.webhookSecret).success)
          throw new ConfigError(
            'LOCKSTEP_SEAM_WORKSPACES',
            `workspaces.${alias}.webhookSecret is not a Seam webhook secret`,
          );
        return [w.webhookSecret];
      })
    : [];
  const secrets = [...(own ? [own] : []), ...fromWorkspaces];
  if (secrets.length === 0)
    throw new ConfigError(
      'SEAM_WEBHOOK_SECRET',
      "is required (whsec_..., the workspace webhook's signing secret), or a webhookSecret in LOCKSTEP_SEAM_WORKSPACES",
    );
  return { host: hostOf(address), port: portOf(address), secrets };
}

const pushModes = { on: true, off: false } as const;

/**
 * LOCKSTEP_PUSH: `on` when Seam's webhooks reach a `lockstep webhooks` receiver for every
 * workspace the worker serves: doors then wait for the push and read only as a safety net.
 * @default off
 * @throws {ConfigError} when it is neither on nor off
 */
export function pushFromEnv(env: Env = process.env): boolean {
  const mode = readVariable(
    env,
    'LOCKSTEP_PUSH',
    z.enum(['on', 'off'], { message: 'must be on or off' }).default('off'),
  );
  return pushModes[mode];
}

const seamKey = (what: string) => z.string().startsWith('seam_', `${what} must start with seam_`);

/** One workspace in the LOCKSTEP_SEAM_WORKSPACES file. */
const workspaceEntrySchema = z.union([
  z
    .object({
      apiKey: seamKey('apiKey'),
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      webhookSecret: z.string().startsWith('whsec_', 'webhookSecret must start with whsec_').optional(),
    })
    .strict(),
  z
    .object({
      personalAccessToken: seamKey('personalAccessToken'),
      workspaceId: z.string().min(1).max(200),
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      webhookSecret: z.string().startsWith('whsec_', 'webhookSecret must start with whsec_').optional(),
    })
    .strict(),
]);

const workspacesFileSchema = z
  .object({
    workspaces: z
      .record(z.string(), workspaceEntrySchema)
      .refine((w) => Object.keys(w).length > 0, 'must name at least one workspace')
      .refine(
        (w) => Object.keys(w).every((alias) => workspaceAliasPattern.test(alias)),
        'aliases are lower-case letters, digits, _ and - (at most 63)',
      ),
    default: z.string().optional(),
  })
  .strict()
  .refine((file) => file.default === undefined || file.default in file.workspaces, {
    message: 'default must be one of the workspaces',
    path: ['default'],
  });

/**
 * The Seam workspaces the worker serves. With LOCKSTEP_SEAM_WORKSPACES, a JSON file that only
 * its owner may read: `{ "workspaces": { "<alias>": { "apiKey": "seam_..." } | { "personalAccessToken":
 * "seam_at...", "workspaceId": "..." }, each with optional "endpoint" and "webhookSecret" }, "default": "<alias>" }`.
 * Without it, SEAM_API_KEY is the one workspace, `default`. SEAM_ENDPOINT and SEAM_REQUEST_TIMEOUT_MS
 * apply to every workspace (an entry's endpoint overrides the first).
 * @throws {ConfigError} naming the variable; a file problem never echoes the file's content
 */
export function seamWorkspacesFromEnv(env: Env = process.env): SeamWorkspacesConfig {
  const path = env.LOCKSTEP_SEAM_WORKSPACES;
  if (!path) return singleWorkspace(seamConfigFromEnv(env));
  const variable = 'LOCKSTEP_SEAM_WORKSPACES';
  if (env.SEAM_API_KEY)
    throw new ConfigError(
      'SEAM_API_KEY',
      `is set beside ${variable}: put every key in the file (its "default" serves inputs that name no workspace)`,
    );
  const endpoint = readVariable(env, 'SEAM_ENDPOINT', seamEnvSchema.SEAM_ENDPOINT);
  const requestTimeoutMs = readVariable(env, 'SEAM_REQUEST_TIMEOUT_MS', seamEnvSchema.SEAM_REQUEST_TIMEOUT_MS);
  const text = readOwnersFile(variable, path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(variable, `${path} is not JSON`);
  }
  const parsed = workspacesFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Where and what, never the value (it may be a key).
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      variable,
      `${path}: ${issuePath(issue?.path ?? []) || '(file)'}: ${issue?.message ?? 'is invalid'}`,
    );
  }
  const workspaces = Object.fromEntries(
    Object.entries(parsed.data.workspaces).map(([alias, entry]) => [
      alias,
      { ...entry, endpoint: entry.endpoint ?? endpoint, requestTimeoutMs },
    ]),
  );
  return { workspaces, defaultAlias: parsed.data.default ?? null };
}

/**
 * The text of a file that holds secrets, checked the way SSH checks a key: a regular file owned
 * by this process's user that nobody else may read or write. Checked on the open descriptor
 * (fstat), so the file read is the file checked.
 */
function readOwnersFile(variable: string, path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(variable, `${path} is not a regular file`);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid())
      throw new ConfigError(
        variable,
        `${path} is owned by another user (uid ${stat.uid}): it holds keys, so the worker's user must own it`,
      );
    if ((stat.mode & 0o077) !== 0)
      throw new ConfigError(
        variable,
        `${path} is readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    return readFileSync(fd, 'utf8');
  } catch (err) {
    if (isConfigError(err)) throw err;
    throw new ConfigError(variable, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Where a file issue is, naming an entry's alias only when it is a valid one (never a pasted key). */
function issuePath(path: PropertyKey[]): string {
  return path
    .map((part, index) =>
      index === 1 && path[0] === 'workspaces' && !workspaceAliasPattern.test(String(part))
        ? '(an alias)'
        : String(part),
    )
    .join('.');
}

/** Every secret the workspaces hold: keys, tokens, webhook secrets. */
export function workspaceSecrets(config: SeamWorkspacesConfig): string[] {
  return Object.values(config.workspaces).flatMap((w) => [
    'apiKey' in w ? w.apiKey : w.personalAccessToken,
    ...(w.webhookSecret ? [w.webhookSecret] : []),
  ]);
}
