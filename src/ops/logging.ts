/**
 * Logs an operator can read: one line per entry (`time LEVEL message key=value ...`, or one
 * JSON object with LOCKSTEP_LOG_FORMAT=json), with
 * every configured secret replaced by [REDACTED] wherever it appears, in the message or in any
 * metadata, however deep. Workflow logs (one per phase) reach this through the worker's sinks.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { LogFormat } from './config';

const redacted = '[REDACTED]';

export function redact(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return secrets.reduce((text, secret) => text.split(secret).join(redacted), value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[TRUNCATED]';
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`, secrets);
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secrets, depth + 1)]));
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One log entry, redacted, without the context keys that say nothing new on every line. */
function logRecord(entry: LogEntry, secrets: readonly string[]) {
  const meta = (redact(entry.meta ?? {}, secrets) as Record<string, unknown>) ?? {};
  const { namespace: _ns, runId: _run, taskToken: _token, sdkComponent: _component, ...rest } = meta;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    message: redact(entry.message, secrets) as string,
    fields,
  };
}

/** `time LEVEL message key=value ...`: for people. */
export function formatLogLine(entry: LogEntry, secrets: readonly string[]): string {
  const { time, level, message, fields } = logRecord(entry, secrets);
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`);
  return [time, level.padEnd(5), message, ...pairs].join(' ');
}

/**
 * One JSON object per line, `{time, level, message, ...fields}`, the same fields and the same
 * redaction as the text line: for log pipelines. A field named time, level or message is dropped
 * rather than allowed to overwrite the entry's own.
 */
export function formatJsonLogLine(entry: LogEntry, secrets: readonly string[]): string {
  const { time, level, message, fields } = logRecord(entry, secrets);
  const { time: _time, level: _level, message: _message, ...extra } = fields;
  return JSON.stringify({ time, level, message, ...extra }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** A Temporal logger writing single redacted lines (text or JSON) to `write` (stderr by default). */
export function createOperatorLogger(
  level: LogLevel,
  secrets: readonly string[],
  format: LogFormat = 'text',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): DefaultLogger {
  const nonEmpty = secrets.filter((s) => s.length >= 4);
  const formatLine = format === 'json' ? formatJsonLogLine : formatLogLine;
  return new DefaultLogger(level, (entry) => write(formatLine(entry, nonEmpty)));
}
