/**
 * Logs an operator can read: one line per entry (`time LEVEL message key=value ...`), with
 * every configured secret replaced by [REDACTED] wherever it appears, in the message or in any
 * metadata, however deep. Workflow logs (one per phase) reach this through the worker's sinks.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

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

export function formatLogLine(entry: LogEntry, secrets: readonly string[]): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = (redact(entry.meta ?? {}, secrets) as Record<string, unknown>) ?? {};
  // Workflow and activity context keys that say nothing new on every line.
  const { namespace: _ns, runId: _run, taskToken: _token, sdkComponent: _component, ...rest } = meta;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [time, entry.level.padEnd(5), redact(entry.message, secrets), ...fields].join(' ');
}

/** A Temporal logger writing single redacted lines to `write` (stderr by default). */
export function createOperatorLogger(
  level: LogLevel,
  secrets: readonly string[],
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): DefaultLogger {
  const nonEmpty = secrets.filter((s) => s.length >= 4);
  return new DefaultLogger(level, (entry) => write(formatLogLine(entry, nonEmpty)));
}
