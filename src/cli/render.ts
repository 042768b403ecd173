/**
 * What the CLI shows people: progress lines while a lock action runs, and a readable verdict at
 * the end. `--json` bypasses all of this and prints the typed result or failure report.
 */
import type { LockActionOutcome } from '../client';
import { describeAction, type LockAction, type Progress } from '../contract';

export function progressLine(action: LockAction, deviceId: string, progress: Progress): string {
  const parts = [`${describeAction(action)} ${deviceId}: ${progress.phase}`];
  if (progress.actionAttemptId) parts.push(`attempt ${progress.actionAttemptId}`);
  if (progress.polls > 0) parts.push(`${progress.polls} poll${progress.polls === 1 ? '' : 's'}`);
  if (progress.lastStatus) parts.push(`status ${progress.lastStatus}`);
  return parts.join(' · ');
}

function yesNoUnknown(value: boolean | null): string {
  return value === null ? 'unknown (the provider cannot confirm)' : value ? 'yes' : 'no';
}

/** null is the case an operator must act on: the command may have reached Seam. */
export function commandSentText(commandSent: boolean | null): string {
  return commandSent === null ? 'unknown — check the door' : commandSent ? 'yes' : 'no';
}

/**
 * Labelled rows, one a line, empty values left out: the layout of every readable report. A label
 * longer than the column (a Seam device id is a UUID) still keeps two spaces before its value.
 */
export function rows(entries: Array<[string, string | number | null | undefined]>): string[] {
  return entries
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `  ${k.padEnd(20)}  ${v}`);
}

export function renderOutcome(action: LockAction, deviceId: string, outcome: LockActionOutcome): string {
  if (outcome.ok) {
    const r = outcome.result;
    const tookMs = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
    return [
      `OK   ${describeAction(action)} ${deviceId}`,
      ...rows([
        ['action attempt', r.actionAttemptId],
        ['confirmed by device', yesNoUnknown(r.wasConfirmedByDevice)],
        ['locked after', r.lockedAfter === null ? 'not read' : String(r.lockedAfter)],
        [
          'confirmation',
          r.confirmation === 'action_attempt'
            ? 'action_attempt (Seam says success)'
            : 'device_state (the door reports it)',
        ],
        ['polls', r.polls],
        ['warnings', r.warnings.join(', ')],
        ['took', Number.isFinite(tookMs) ? `${(tookMs / 1000).toFixed(1)} s` : undefined],
      ]),
    ].join('\n');
  }
  const f = outcome.report;
  return [
    `FAIL ${describeAction(action)} ${deviceId}: ${f.code}`,
    ...rows([
      ['why', f.message],
      ['command sent', commandSentText(f.commandSent)],
      ['action attempt', f.actionAttemptId],
      ['last status', f.lastStatus],
      ['seam error', f.seamError ? `${f.seamError.type}: ${f.seamError.message}` : undefined],
      ['seam request id', f.seamRequestId],
      ['device online', f.capability ? String(f.capability.online) : undefined],
      ['device errors', f.capability?.errors.map((e) => e.code).join(', ')],
      ['device warnings', f.capability?.warnings.map((w) => w.code).join(', ')],
      ['input issues', f.issues.join('; ')],
      ['warnings', f.warnings.join(', ')],
    ]),
  ].join('\n');
}
