/**
 * How the fault suite judges a scenario: every workflow's outcome against the outcomes the
 * scenario designed for, and the simulator's command log against the promises — no command
 * after a send-by deadline or after a cancel that came before the send, no duplicate that is not
 * a lock re-sent after an ambiguous send — and no secret in any history, result or log line.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { isSendTry } from '../../src/activities';
import { failureReportOf } from '../../src/client';
import {
  lockstepWarnings,
  type FailureCode,
  type FailureReport,
  type LockAction,
  type LockActionResult,
} from '../../src/contract';
import type { CommandLogEntry } from '../../src/dev/simulator/seam-simulator';
import { cancelSendGraceMs, commandSendTries } from '../../src/contract/timing-budget';

/** How one attempt ended: a workflow's result or failure, a refusal before anything started, or no end in time. */
export type Outcome =
  | { kind: 'success'; result: LockActionResult }
  | { kind: 'failure'; code: FailureCode; report: FailureReport }
  | { kind: 'refused'; how: string }
  | { kind: 'untyped'; message: string }
  | { kind: 'hung' };

/** What a scenario expects an attempt may end as: 'success', a failure code, or 'refused'. */
export type Expected = 'success' | 'refused' | FailureCode;

export interface Tracked {
  label: string;
  /** The device the attempt would act on; null when it never named a valid one. */
  deviceId: string | null;
  action: LockAction;
  expected: readonly Expected[];
  handle?: WorkflowHandle;
  /** No command for this device may reach Seam after this (epoch ms): the send-by deadline. */
  sendByMs: number | null;
  /** When the scenario asked for a cancel (epoch ms). */
  cancelledAtMs?: number;
  /** How many times its caller had to try the start again. */
  startRetries?: number;
  /** When its caller began the start (epoch ms), and how long it took, retries included (ms). */
  startBegunAtMs?: number;
  startTookMs?: number;
  /** Its start was under way while the frontend was down (the frontend scenario sets it). */
  metOutage?: boolean;
  outcome?: Outcome;
  /** Its history, once the outcome is in. */
  history?: History;
}

export interface Row {
  scenario: string;
  server: string;
  workflows: number;
  /**
   * Starts under way while the frontend was down (the client's own retries, or the caller's, rode
   * it out). A try that got through unanswered is found, not started twice.
   */
  startsInOutage: number;
  completed: number;
  failedAsDesigned: number;
  unexpected: number;
  commandsSent: number;
  duplicates: number;
  duplicatesExplained: number;
  lateSends: number;
  secretHits: number;
  seconds: number;
  asDesigned: boolean;
  notes: string[];
}

export function outcomeLabel(outcome: Outcome | undefined): string {
  if (!outcome) return 'none';
  if (outcome.kind === 'failure') return outcome.code;
  return outcome.kind;
}

/** Why an outcome came about, when it says (a failure's message), for the notes of a violated row. */
function outcomeReason(outcome: Outcome | undefined): string {
  if (outcome?.kind === 'failure') return ` (${outcome.report.message})`;
  if (outcome?.kind === 'untyped') return ` (${outcome.message})`;
  return '';
}

/** Waits for a workflow's outcome, riding out a Temporal restart, up to `untilMs`. */
export async function outcomeOf(handle: WorkflowHandle, untilMs: number): Promise<Outcome> {
  while (Date.now() < untilMs) {
    try {
      const result = (await Promise.race([handle.result(), sleep(untilMs - Date.now()).then(() => hung)])) as
        LockActionResult | typeof hung;
      return result === hung ? { kind: 'hung' } : { kind: 'success', result };
    } catch (err) {
      const report = failureReportOf(err);
      if (report) return { kind: 'failure', code: report.code, report };
      if (err instanceof WorkflowFailedError) return { kind: 'untyped', message: err.cause?.message ?? err.message };
      await sleep(500); // the server is restarting: ask again
    }
  }
  return { kind: 'hung' };
}

const hung = Symbol('hung');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Everything a history says, with its payloads (base64 JSON) decoded, as one text to search. */
export function historyText(history: History): string {
  const json = historyToJSON(history);
  const decoded = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1], 'base64').toString('utf8'),
  );
  return [json, ...decoded].join('\n');
}

/** Occurrences of any secret (or a secret without its `seam_` prefix) across the texts. */
export function secretHits(texts: readonly string[], secrets: readonly string[]): number {
  const needles = secrets
    .flatMap((s) => (s.startsWith('seam_') ? [s, s.slice('seam_'.length)] : [s]))
    .filter((s) => s.length >= 8);
  return texts.reduce((hits, text) => hits + needles.reduce((n, needle) => n + (text.split(needle).length - 1), 0), 0);
}

/** Duplicates the product explains: a lock re-sent after a send that may have landed, and says so. */
function duplicatesAreExplained(t: Tracked, accepted: number): boolean {
  const outcome = t.outcome;
  const warnings =
    outcome?.kind === 'success' ? outcome.result.warnings : outcome?.kind === 'failure' ? outcome.report.warnings : [];
  return t.action === 'LOCK_DOOR' && warnings.includes(lockstepWarnings.lockResent) && accepted <= commandSendTries;
}

/** A send try the workflow scheduled after its cancel was requested: it should never exist. */
export function sendScheduledAfterCancel(history: History): boolean {
  const events = history.events ?? [];
  const cancelAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
  return (
    cancelAt >= 0 &&
    events.slice(cancelAt).some((e) => isSendTry(e.activityTaskScheduledEventAttributes?.activityType?.name))
  );
}

export function judge(
  scenario: { name: string; allowsDuplicates?: boolean },
  server: string,
  tracked: readonly Tracked[],
  commands: readonly CommandLogEntry[],
  hits: number,
  extraViolations: string[],
  seconds: number,
): Row {
  const notes = [...extraViolations];
  let completed = 0;
  let failedAsDesigned = 0;
  let duplicates = 0;
  let duplicatesExplained = 0;
  let lateSends = 0;
  let commandsSent = 0;
  for (const t of tracked) {
    const label = outcomeLabel(t.outcome);
    if (t.outcome?.kind === 'success' && t.expected.includes('success')) completed++;
    else if (t.outcome && t.outcome.kind !== 'hung' && t.expected.includes(label as Expected)) failedAsDesigned++;
    else notes.push(`${t.label}: ended ${label}, designed ${t.expected.join(' | ')}${outcomeReason(t.outcome)}`);

    const mine = commands.filter((c) => c.deviceId === t.deviceId);
    const accepted = mine.filter((c) => c.accepted).length;
    commandsSent += accepted;
    if (accepted > 1) {
      duplicates += accepted - 1;
      if (duplicatesAreExplained(t, accepted)) duplicatesExplained += accepted - 1;
      else notes.push(`${t.label}: ${accepted} commands reached Seam, unexplained`);
    }
    // Late: after the deadline; after a cancel (beyond the in-flight grace: strict — a send try
    // dispatched just before a cancel may, on a slow Seam, land later and be flagged); any command at all
    // for an action that says none was sent; any send try scheduled after the cancel.
    const late = mine.filter(
      (c) =>
        (t.sendByMs !== null && c.receivedAtMs > t.sendByMs) ||
        (t.cancelledAtMs !== undefined && c.receivedAtMs > t.cancelledAtMs + cancelSendGraceMs),
    );
    const saidNoneSent = t.outcome?.kind === 'failure' && t.outcome.report.commandSent === false && accepted > 0;
    const triedAfterCancel = t.history !== undefined && sendScheduledAfterCancel(t.history);
    if (late.length > 0 || saidNoneSent || triedAfterCancel) {
      lateSends += Math.max(late.length, saidNoneSent ? accepted : 0, triedAfterCancel ? 1 : 0);
      notes.push(
        `${t.label}: a command reached Seam (or was tried) after its deadline or its cancel, or despite "commandSent: false"`,
      );
    }
  }
  if (hits > 0) notes.push(`${hits} secret occurrence(s) in histories, results or logs`);
  const unexpected = tracked.length - completed - failedAsDesigned + extraViolations.length;
  const asDesigned =
    unexpected === 0 &&
    lateSends === 0 &&
    hits === 0 &&
    duplicates === duplicatesExplained &&
    (scenario.allowsDuplicates === true || duplicates === 0);
  return {
    scenario: scenario.name,
    server,
    workflows: tracked.length,
    startsInOutage: tracked.filter((t) => t.metOutage).length,
    completed,
    failedAsDesigned,
    unexpected,
    commandsSent,
    duplicates,
    duplicatesExplained,
    lateSends,
    secretHits: hits,
    seconds,
    asDesigned,
    notes,
  };
}

export function formatTable(rows: readonly Row[]): string {
  const header = [
    'scenario',
    'server',
    'workflows',
    'starts in outage',
    'completed',
    'failed as designed',
    'unexpected',
    'commands sent',
    'duplicates (explained)',
    'late sends',
    'secret hits',
    's',
    'verdict',
  ];
  const cells = rows.map((r) => [
    r.scenario,
    r.server,
    String(r.workflows),
    String(r.startsInOutage),
    String(r.completed),
    String(r.failedAsDesigned),
    String(r.unexpected),
    String(r.commandsSent),
    `${r.duplicates} (${r.duplicatesExplained})`,
    String(r.lateSends),
    String(r.secretHits),
    r.seconds.toFixed(0),
    r.asDesigned ? 'as designed' : 'VIOLATED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
