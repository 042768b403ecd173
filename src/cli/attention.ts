/**
 * `lockstep attention`: everything that needs a person, one line each (or, with `--json`, an
 * array of typed items, ./attention-items.ts). Exits 1 when anything does, so that a cron job
 * can alert on the exit code alone.
 *
 * What needs a person: a stay's or a schedule run's door whose alert is raised and not resolved
 * (not locked in time, an unlock not sent in its window), and a lock action of the last day that
 * failed leaving its door's state unknown. A workflow lockstep cannot read is listed too: unknown is not fine.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { lockActionOutcome } from '../client';
import {
  parseLockActionWorkflowId,
  reservationQueryName,
  reservationWorkflowId,
  workflowTypes,
  type ReservationView,
} from '../contract';
import { attentionListQueries, failedActionLookbackMs } from '../ops/attention-queries';
import { exitCodes, parse, UsageError, withClient, type Io } from './args';
import {
  failedLockActionItem,
  scheduleRunAttentionItems,
  sortAttentionItems,
  stayAttentionItems,
  type AttentionItem,
} from './attention-items';
import { scheduleRunWorkflowId, scheduledRunQueryName, type ScheduledRunView } from '../contract/scheduled-action';
import { renderAttention } from './render-views';

/** A stay or a schedule's run must answer its query within this; one no worker answers for is listed as unreadable. */
export const stayQueryTimeoutMs = 10_000;

/** Reads in flight at once: quick over many stays without flooding a small Temporal. */
const readsInParallel = 8;

/** Everything that needs a person now, oldest first. */
export async function listAttention(client: Client, nowMs: number): Promise<AttentionItem[]> {
  const queries = attentionListQueries(new Date(nowMs - failedActionLookbackMs));
  const [stays, runs, failed] = await Promise.all([
    listed(client, queries.stays),
    listed(client, queries.scheduleRuns),
    listed(client, queries.failedLockActions),
  ]);
  const [stayItems, runItems, actionItems] = await Promise.all([
    inParallel(stays, (info) => stayItemsOf(client, info)),
    inParallel(runs, (info) => scheduleRunItemsOf(client, info)),
    inParallel(failed.filter(notRetriedByItsParent), (info) => failedActionItemsOf(client, info)),
  ]);
  return sortAttentionItems([...stayItems.flat(), ...runItems.flat(), ...actionItems.flat()]);
}

export async function attentionCommand(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
  if (positionals.length > 0)
    throw new UsageError(`attention takes no positional arguments, got ${positionals.join(' ')}`);
  return withClient(io, async (client) => {
    const nowMs = Date.now();
    const items = await listAttention(client, nowMs);
    io.out(values.json ? JSON.stringify(items, null, 2) : renderAttention(items, nowMs));
    return items.length === 0 ? exitCodes.ok : exitCodes.actionFailed;
  });
}

async function listed(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) infos.push(info);
  return infos;
}

/**
 * Lock actions their parent answers for are left to it: a stay retries its doors and raises
 * attention itself when one stays unlocked, and so does a schedule's run for its locks, so a
 * failed try it later made good is no one's job. A schedule's unlocks are listed: a run raises
 * nothing for an unlock of unknown outcome.
 */
function notRetriedByItsParent(info: WorkflowExecutionInfo): boolean {
  const parent = info.parentExecution?.workflowId ?? '';
  if (parent.startsWith(reservationWorkflowId(''))) return false;
  return !(parent.startsWith(scheduleRunWorkflowId('')) && info.type === workflowTypes.LOCK_DOOR);
}

function stayItemsOf(client: Client, info: WorkflowExecutionInfo): Promise<AttentionItem[]> {
  const key = info.workflowId.slice(reservationWorkflowId('').length);
  return itemsFromQuery<ReservationView>(client, info, reservationQueryName, {
    items: (view) => (view.attention ? stayAttentionItems(info.workflowId, view) : []),
    who: 'the stay',
    show: `lockstep reservation show ${key}`,
  });
}

function scheduleRunItemsOf(client: Client, info: WorkflowExecutionInfo): Promise<AttentionItem[]> {
  return itemsFromQuery<ScheduledRunView>(client, info, scheduledRunQueryName, {
    items: (view) => scheduleRunAttentionItems(info.workflowId, view),
    who: "the schedule's run",
    show: `temporal workflow query --workflow-id ${info.workflowId} --type ${scheduledRunQueryName}`,
  });
}

/** The items a workflow's query gives; an unreadable item when it does not answer in time. */
async function itemsFromQuery<View>(
  client: Client,
  info: WorkflowExecutionInfo,
  queryName: string,
  read: { items: (view: View) => AttentionItem[]; who: string; show: string },
): Promise<AttentionItem[]> {
  try {
    const view = await client.connection.withDeadline(Date.now() + stayQueryTimeoutMs, () =>
      client.workflow.getHandle(info.workflowId).query<View>(queryName),
    );
    return read.items(view);
  } catch (err) {
    return [
      {
        kind: 'unreadable',
        workflowId: info.workflowId,
        deviceId: null,
        since: null,
        reason: `${read.who} did not answer: ${messageOf(err)}`,
        todo: `check that a lockstep worker polls task queue ${info.taskQueue}, then ${read.show}`,
      },
    ];
  }
}

async function failedActionItemsOf(client: Client, info: WorkflowExecutionInfo): Promise<AttentionItem[]> {
  const failedAt = info.closeTime?.toISOString() ?? null;
  try {
    const outcome = await lockActionOutcome(client.workflow.getHandle(info.workflowId, info.runId));
    const item = outcome.ok ? undefined : failedLockActionItem(info.workflowId, failedAt, outcome.report);
    return item ? [item] : [];
  } catch (err) {
    // Failed without a lockstep report: a bug or a foreign workflow under the type's name.
    return [
      {
        kind: 'unreadable',
        workflowId: info.workflowId,
        deviceId: parseLockActionWorkflowId(info.workflowId)?.deviceId ?? null,
        since: failedAt,
        reason: `failed without a lockstep failure report: ${messageOf(err)}`,
        todo: `read its history (temporal workflow show --workflow-id ${info.workflowId}) and check the door`,
      },
    ];
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `map` over `items` with at most {@link readsInParallel} calls in flight, results in order. */
async function inParallel<T, R>(items: T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(readsInParallel, items.length) }, lane));
  return results;
}
