/**
 * The door's contract (zod-free: workflow code imports it): one `DoorWorkflow` per device,
 * workflow ID `door/<deviceId>`, the single point every lock action of that device passes before
 * it reaches Seam. Lock actions talk to it with signals only; callers read it with the `door`
 * query.
 *
 * Why signals, and why the door runs the command itself (see the README, "One action at a time
 * per door"): a lock action sends its request (one signal) and the door answers with the
 * command's outcome (one signal) — two billable actions, the most ordering may cost. A door
 * that only granted turns would need a third (the release), and an update from a workflow
 * needs an activity to carry it.
 */
import type { CapabilitySnapshot, FailureReport } from './index';
import type { ActionAttemptStatus, ActionAttemptView } from './index';
import { lockActionWorkflowId, type LockAction, type LockActionPlan } from './core';
import { deviceIdsKey } from './search-attributes';

export const doorWorkflowType = 'DoorWorkflow';

/** One door per device: every lock action of `deviceId` passes this workflow. */
export function doorWorkflowId(deviceId: string): string {
  return `door/${deviceId}`;
}

/**
 * How a door is started (by a lock action's signal-with-start, or a caller's update-with-start):
 * findable by its device, and saying what it is in the Web UI.
 */
export function doorStartOptions(deviceId: string, taskQueue: string) {
  const input: DoorInput = { deviceId };
  return {
    workflowId: doorWorkflowId(deviceId),
    taskQueue,
    args: [input] as [DoorInput],
    typedSearchAttributes: [{ key: deviceIdsKey, value: [deviceId] }],
    staticSummary: `Door ${deviceId}: one lock action at a time`,
    staticDetails: `Every lock and unlock of ${deviceId} passes here before it reaches Seam. Query \`door\` for what it knows, runs and holds.`,
  };
}

/** Signals a door receives from lock actions (and the webhook receiver), and the query it answers. */
export const doorSignalNames = {
  /** A lock action asks for its command: {@link DoorRequest}. */
  request: 'doorRequest',
  /** A lock action was cancelled: {@link DoorWithdrawal}. */
  withdraw: 'doorWithdraw',
  /** Seam says the attempt the door follows ended (same payload as the lock action's `actionAttemptEnded`). */
  attemptEnded: 'doorAttemptEnded',
  /** The webhook receiver passes on what Seam pushed about the device: {@link DoorSeamEvent}. */
  seamEvent: 'doorSeamEvent',
} as const;
/** The door's answer to a request, signalled to the requesting lock action: {@link DoorVerdict}. */
export const doorVerdictSignalName = 'doorVerdict';
/** Query that returns {@link DoorView}. */
export const doorQueryName = 'door';

/**
 * Seam's documented per-device limit: 15 `lock_door` and 15 `unlock_door` a minute. The door
 * spaces its commands to stay within 15 a minute of both together, so that neither can be hit.
 */
export const doorCommandLimit = { commands: 15, windowMs: 60_000 } as const;

/**
 * A door continues as new after this many commands (or when Temporal suggests it), between two
 * commands, carrying what waits. ~30 history events per command keeps a run near 3,000 events.
 */
export const doorCommandsPerRun = 100;

/**
 * How many answered requesters a door remembers. A request can arrive twice — `openDoor` retried
 * after its worker died with the signal already delivered — and must never run twice (an unlock
 * sent twice opens a door again). A lock action sends one request per run, within seconds.
 */
export const doorAnsweredMemory = 500;

/**
 * Who sent a request, so that its answer reaches only it: a lock action (`LockDoorWorkflow` /
 * `UnlockDoorWorkflow`), addressed by run, or a `lockAction` update on the door itself
 * (`updateId`: the update's ID, which is also `workflowId`; `runId`: the door run it reached).
 */
export interface Requester {
  workflowId: string;
  runId: string;
  updateId?: string;
}

/** Whether the request came by the door's `lockAction` update (answered by the door, not by signal). */
export function isUpdateRequester(requester: Requester): boolean {
  return requester.updateId !== undefined;
}

/**
 * The door's update: a lock action asked of the door directly (update-with-start on
 * `door/<deviceId>`, from the TypeScript client or any SDK), with the lock action's own input;
 * it returns the lock action's result or fails with its typed failure. One workflow per lock
 * instead of two: see the README, "Door ordering's cost".
 */
export const doorUpdateNames = { lockAction: 'lockAction' } as const;

/** The `lockAction` update's argument. */
export interface DoorLockActionRequest {
  action: LockAction;
  /** The lock action's input, as `LockDoorWorkflow` takes it (validated by the door's device check). */
  input: unknown;
}

/**
 * A door about to continue as new takes no new update (the update would be lost with the run):
 * its validator rejects it with this type, nothing recorded, and the caller sends it again.
 */
export const doorRollingOverType = 'DOOR_ROLLING_OVER';

/** The update ID of the `lockAction` update for `action` on `deviceId` with the caller's requestId. */
export function doorUpdateId(action: LockAction, deviceId: string, requestId: string): string {
  return lockActionWorkflowId(action, deviceId, requestId);
}

/** What a lock action asks of its door. */
export interface DoorRequest {
  requester: Requester;
  action: LockAction;
  plan: LockActionPlan;
  /** Epoch ms: the request's send-by deadline, `min(notAfter, workflow start + timeout)`. */
  sendBy: number;
  /** What the lock action's capability check saw; the failure reports carry it. */
  capability: CapabilitySnapshot | null;
}

/** A cancelled lock action takes its request back; a `lockAction` update's caller names the update. */
export type DoorWithdrawal = { requester: Requester } | { updateId: string };

/** What a command left behind, for the requester's result or failure report. */
export interface CommandFacts {
  commandSent: boolean | null;
  lockResent: boolean;
  polls: number;
  actionAttemptId: string | null;
  lastStatus: ActionAttemptStatus | null;
}

/** The door's answer: the attempt as last seen (the requester concludes), or a failure report. */
export type DoorVerdict =
  | {
      requester: Requester;
      kind: 'observed';
      actionAttempt: ActionAttemptView;
      lockedAfter: boolean | null;
      commandSentAt: string;
      facts: CommandFacts;
    }
  | { requester: Requester; kind: 'failed'; report: FailureReport };

/** Requests not yet sent: all of one kind (a newer request of the other kind supersedes them). */
export interface WaitingCommand {
  action: LockAction;
  members: DoorRequest[];
}

/** What the door last knew of its device. */
export interface DoorKnowledge {
  /** From the last read-back, success, or capability check; null while unknown. */
  locked: boolean | null;
  online: boolean | null;
  lastAction: LockAction | null;
  /** `success` or the failure code of the last command the door ran. */
  lastOutcome: string | null;
  lastActionAttemptId: string | null;
  /** ISO-8601: when the door learned the above. */
  updatedAt: string | null;
}

/** What a Seam event says of a device, as the door hears it (see {@link DoorSeamEvent}). */
export const doorSeamEventKinds = ['attempt_ended', 'connected', 'disconnected', 'locked', 'unlocked'] as const;
export type DoorSeamEventKind = (typeof doorSeamEventKinds)[number];

/**
 * A Seam event about the door's device, verified and reduced by the webhook receiver
 * (webhooks/seam-events.ts) to what the door acts on.
 */
export interface DoorSeamEvent {
  /** Seam's `event_id`: one effect per event, however often Seam delivers it. */
  eventId: string;
  kind: DoorSeamEventKind;
  /** ISO-8601, Seam's `occurred_at`: what an older event says never overrides a newer fact. */
  occurredAt: string;
  /** `attempt_ended`: the attempt; `locked` / `unlocked`: the attempt that moved it, when Seam started it. */
  actionAttemptId?: string;
  /** `attempt_ended`: how it ended. */
  status?: 'success' | 'error';
  /** `locked` / `unlocked`: how (`keycode`, `manual`, `remote`, `automatic`, `unknown`). */
  method?: string;
}

/**
 * How many Seam event IDs a door remembers. Temporal already drops a redelivered event's signal
 * (the receiver signals with the event as request ID); this covers a redelivery that reaches
 * the door's next run, hours apart at most (Seam stops redelivering after ~28 h).
 */
export const doorEventMemory = 200;

/** What a door carries into its next run (continue-as-new). */
export interface DoorCarry {
  waiting: WaitingCommand | null;
  knowledge: DoorKnowledge;
  /** Epoch ms of the commands sent within the last rate window. */
  recentCommands: number[];
  /** Commands run by the door's earlier runs. */
  commandsBefore: number;
  /** The requesters the door has answered lately (absent from older runs). */
  answered?: Requester[];
  /** `lockAction` updates withdrawn before they reached the door (absent when none). */
  withdrawnUpdates?: string[];
  /** Seam events heard lately, by `event_id` (absent from older runs). */
  heardEvents?: string[];
  /** Epoch ms of the newest fact behind `knowledge.locked` and `knowledge.online` (absent from older runs). */
  factTimes?: { locked?: number; online?: number };
}

/** `DoorWorkflow`'s input: the device, and what an earlier run carried. */
export interface DoorInput {
  deviceId: string;
  carried?: DoorCarry;
}

/** The `door` query: what the door knows, runs and holds. */
export interface DoorView {
  deviceId: string;
  knowledge: DoorKnowledge;
  /** The command being sent or followed now. */
  current: {
    action: LockAction;
    requesters: string[];
    /**
     * `commanding` while a send try runs — since the door's `send-and-watch`, that includes the
     * try's watch of the attempt it sent (before it: `watching`) —, then `polling`.
     */
    phase: string;
    actionAttemptId: string | null;
    sendBy: string;
  } | null;
  /** Requests waiting for the current command to finish. */
  waiting: { action: LockAction; requesters: { workflowId: string; sendBy: string }[] } | null;
  commandsInLastMinute: number;
  commandsRun: number;
}
