import type { LogEntry } from '@temporalio/worker';
import { formatJsonLogLine, formatLogLine } from '../../src/ops/logging';

const secret = 'seam_logtest_0123456789abcdef';

function entry(message: string, meta: Record<string, unknown> = {}): LogEntry {
  return { level: 'WARN', message, meta, timestampNanos: 1_764_115_200_000_000_000n };
}

describe('formatJsonLogLine', () => {
  test('formatJsonLogLine: one JSON object with time, level, message and the fields, secrets redacted', () => {
    const line = formatJsonLogLine(
      entry(`request with ${secret} failed`, {
        deviceId: 'front-door',
        error: { cause: `key ${secret}` },
        runId: 'r1',
      }),
      [secret],
    );
    expect(line).not.toContain('\n');
    expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toEqual({
      time: '2025-11-26T00:00:00.000Z',
      level: 'WARN',
      message: 'request with [REDACTED] failed',
      deviceId: 'front-door',
      error: { cause: 'key [REDACTED]' },
    });
  });

  test('formatJsonLogLine: a field cannot overwrite the message, and bigint fields are written as strings', () => {
    const parsed = JSON.parse(
      formatJsonLogLine(entry('real message', { message: 'forged', attempt: 3n }), []),
    ) as Record<string, unknown>;
    expect(parsed).toMatchObject({ message: 'real message', attempt: '3' });
  });
});

describe('formatLogLine', () => {
  test('formatLogLine: time, level, message and key=value fields on one line, secrets redacted', () => {
    const line = formatLogLine(entry(`using ${secret}`, { deviceId: 'front-door', note: 'two words' }), [secret]);
    expect(line).toBe('2025-11-26T00:00:00.000Z WARN  using [REDACTED] deviceId=front-door note="two words"');
  });
});
