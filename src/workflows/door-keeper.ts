/**
 * The door's mechanics, beside its script (door.ts): what waits, what runs, what the door knows,
 * and the answers it signals back to lock actions. The ordering rules themselves are pure
 * functions (decisions/door.ts); this file applies them and talks to Temporal.
 */
import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { FailureReport } from '../contract';
import { describeAction } from '../contract/core';
import {
  doorAnsweredMemory,
  doorVerdictSignalName,
  type CommandFacts,
  type DoorCarry,
  type DoorKnowledge,
  type DoorRequest,
  type DoorSeamEvent,
  type DoorVerdict,
  type DoorView,
  type Requester,
  type WaitingCommand,
  isUpdateRequester,
} from '../contract/door';
import type { CommandOutcome } from '../activities';
import {
  admitRequest,
  commandSendBy,
  commandsInWindow,
  expireWaiting,
  factsFromEvent,
  newerFacts,
  readmitOlder,
  seenBetween,
  rememberEvent,
  type FactTimes,
  sameRequester,
  withoutRequester,
} from '../decisions';
import { lockActionFailure, cancelledFailure, type LockActionState } from './failures';
import type { AttemptWakeups } from './command';

/**
 * Changes to a door's steps, each behind `patched()` so that doors running before it replay:
 * - `send-and-watch`: the send try that Seam accepts goes on to watch the attempt, in the same
 *   activity (command.ts); before it, a watch activity of its own followed each accepted try.
 * - `send-try-ids`: a send try's activity ID is `send-try-<command>.<try>`, not `send-try-<uuid4>`.
 *   uuid4() draws from the workflow's seeded random stream, and so does OpenTelemetry's workflow
 *   interceptor (span IDs): a door recorded untraced would not replay traced. Counted IDs do not
 *   depend on who else draws, so tracing can be switched on or off under running doors.
 * - `door-facts-as-of-command`: what a command saw of the device (online, locked) counts only
 *   where the door knows nothing newer, a reassuring fact (locked, online) as of when the
 *   command began, an alarming one (unlocked, offline) as of its end; before it, every fact as
 *   of the end, over anything. A `device.disconnected` that occurred while a lock ran was then
 *   dropped as older than the lock's "online" (stamped later, at the lock's end).
 * - `announced-unlock-send`: an unlock's tries run `sendCommandTryAnnounced`, which has Temporal
 *   record that it is about to send before it sends; a try that timed out with no heartbeat is
 *   then known unsent and tried again (lostTry). Before it, `sendCommandTry`: such a try ended
 *   the unlock COMMAND_OUTCOME_UNKNOWN.
 * - `door-cancel-learns-the-send`: a door cancelled while its command runs waits for what the
 *   command's send try did (its cancel path reads the try's heartbeat) before it answers the
 *   command's requesters; before it, they were answered at once, `commandSent: false` even when
 *   the command had gone out.
 */
export const doorPatchIds = {
  sendAndWatch: 'send-and-watch',
  sendTryIds: 'send-try-ids',
  factsAsOfCommand: 'door-facts-as-of-command',
  announcedUnlockSend: 'announced-unlock-send',
  cancelLearnsTheSend: 'door-cancel-learns-the-send',
} as const;

/** The command the door is sending or following, and who it serves. */
interface CurrentCommand {
  command: WaitingCommand;
  state: LockActionState;
  scope: CancellationScope;
  sendBy: number;
  /** Workflow time it began: what it sees of the device holds as of then (or later). */
  begunAtMs: number;
  /** Members that withdrew while it ran; they are answered when it stops. */
  withdrawn: DoorRequest[];
}

export const unknownKnowledge: DoorKnowledge = {
  locked: null,
  online: null,
  lastAction: null,
  lastOutcome: null,
  lastActionAttemptId: null,
  updatedAt: null,
};

/** A `lockAction` update the door serves: withdrawn by its caller yet, and its verdict (untaken: answered, not yet taken). */
interface ServedUpdate {
  withdrawn: boolean;
  verdict: Promise<DoorVerdict>;
  resolve: (verdict: DoorVerdict) => void;
  untaken: boolean;
}

export class DoorKeeper {
  waiting: WaitingCommand | null;
  current: CurrentCommand | null = null;
  knowledge: DoorKnowledge;
  recentCommands: number[];
  commandsRun: number;
  /** Bumped on every change to what waits, so that a wait on the next expiry starts over. */
  waitingVersion = 0;
  readonly wakeups: AttemptWakeups = { endedAttempt: null };
  /** Verdict signals not yet delivered. */
  private readonly deliveries = new Set<Promise<void>>();
  /** `lockAction` updates this run is serving, by update ID. */
  private readonly updates = new Map<string, ServedUpdate>();
  /** Updates withdrawn before they reached the door, by ID (see {@link doorAnsweredMemory}). */
  private withdrawnUpdates: string[];
  /** Requesters answered lately, oldest first (see {@link doorAnsweredMemory}). */
  private readonly answered: Requester[];
  /** Seam events heard lately, by ID (see {@link doorEventMemory}). */
  private heardEvents: string[];
  /** When the facts behind `knowledge.locked` and `knowledge.online` held. */
  private factTimes: FactTimes;

  constructor(
    readonly deviceId: string,
    carried?: DoorCarry,
  ) {
    this.waiting = carried?.waiting ?? null;
    this.knowledge = carried?.knowledge ?? unknownKnowledge;
    this.recentCommands = carried?.recentCommands ?? [];
    this.commandsRun = carried?.commandsBefore ?? 0;
    this.answered = [...(carried?.answered ?? [])];
    this.withdrawnUpdates = [...(carried?.withdrawnUpdates ?? [])];
    this.heardEvents = [...(carried?.heardEvents ?? [])];
    this.factTimes = { ...carried?.factTimes };
  }

  /**
   * Seam says something of the device (a verified webhook): once per event. An attempt that
   * ended wakes the door's follow of it (even before the send try has named it: the attempt is
   * then read at once); the device's state and connection are learned unless a newer fact is known.
   */
  hear(event: DoorSeamEvent): void {
    if (this.heardEvents.includes(event.eventId)) return;
    this.heardEvents = rememberEvent(this.heardEvents, event.eventId);
    if (event.kind === 'attempt_ended') {
      // Only for the attempt the door follows (or may: its send try has not named it yet); a
      // late event of an earlier attempt must not take the current one's wake-up.
      const following = this.current?.state.progress.actionAttemptId;
      if (!this.current || (following && following !== event.actionAttemptId)) return;
      this.wakeups.endedAttempt = event.actionAttemptId ?? this.wakeups.endedAttempt;
      this.wakeups.endedAt = event.occurredAt;
      return;
    }
    const { facts, times } = factsFromEvent(event, this.factTimes);
    if (Object.keys(facts).length > 0) this.learn(facts, times);
  }

  /**
   * A request arrives: it joins what waits, or supersedes it (the newest intent wins). False
   * when the door holds or has answered this requester already (a second delivery: ignored).
   */
  admit(request: DoorRequest): boolean {
    if (this.isKnown(request.requester)) return false;
    const { waiting, superseded } = admitRequest(this.waiting, request);
    this.setWaiting(waiting);
    for (const loser of superseded) this.supersede(loser, request);
    // A request's device check may be older than what the door last saw: it only fills gaps.
    const seen = request.capability;
    if (seen && this.knowledge.updatedAt === null) this.learn({ online: seen.online, locked: seen.locked });
    return true;
  }

  private supersede(loser: DoorRequest, winner: DoorRequest): void {
    this.fail(
      loser,
      'SUPERSEDED',
      `superseded by ${winner.requester.workflowId} (a newer ${describeAction(winner.action)} for this door) before any command was sent`,
      { supersededBy: winner.requester.workflowId },
    );
  }

  /**
   * A `lockAction` update begins: `new` (the door serves it from now on), `withdrawn` (its caller
   * took it back before it arrived) or `answered` (by an earlier run: it is not run again).
   */
  beginUpdate(updateId: string): 'new' | 'withdrawn' | 'answered' {
    if (this.withdrawnUpdates.includes(updateId)) return 'withdrawn';
    if (this.answeredUpdate(updateId)) return 'answered';
    let resolve: (verdict: DoorVerdict) => void = () => undefined;
    const verdict = new Promise<DoorVerdict>((r) => (resolve = r));
    this.updates.set(updateId, { withdrawn: false, verdict, resolve, untaken: false });
    return 'new';
  }

  /** Whether this door (this run, or one it continues) answered the `lockAction` update with this ID. */
  private answeredUpdate(updateId: string): boolean {
    return this.answered.some((a) => a.updateId === updateId);
  }

  /** Whether the door serves any `lockAction` update now (a run cannot carry one into the next). */
  servesUpdates(): boolean {
    return this.updates.size > 0;
  }

  /** Whether the caller took this update back while its device check ran. */
  updateWithdrawn(updateId: string): boolean {
    return this.updates.get(updateId)?.withdrawn === true;
  }

  /**
   * A `lockAction` update's caller takes its request back: as a lock action's withdrawal once
   * the request is held; while the update's device check runs, the update stops there; before
   * the update arrives, it is remembered, and the update ends CANCELLED when it comes.
   */
  withdrawUpdate(updateId: string): void {
    const held = [...(this.waiting?.members ?? []), ...(this.current?.command.members ?? [])].find(
      (m) => m.requester.updateId === updateId,
    );
    if (held) return this.withdraw(held.requester);
    const update = this.updates.get(updateId);
    if (update) update.withdrawn = true;
    else if (!this.answeredUpdate(updateId) && !this.withdrawnUpdates.includes(updateId))
      this.withdrawnUpdates = [...this.withdrawnUpdates, updateId].slice(-doorAnsweredMemory);
  }

  /** The door's verdict for a `lockAction` update, once there is one. */
  updateVerdict(updateId: string): Promise<DoorVerdict> {
    return this.updates.get(updateId)!.verdict;
  }

  /** A `lockAction` update took its verdict: what follows is its own (see {@link updatesSettled}). */
  verdictTaken(updateId: string): void {
    const update = this.updates.get(updateId);
    if (update) update.untaken = false;
  }

  /**
   * Whether every update the door has answered has taken its verdict (and, in the same turn,
   * ended, unless it reads the device back). The door's loop waits for it before it
   * acts on a change: an update then completes before the door's next command, however many
   * steps its handler takes — which tracing changes — so a history replays traced or not.
   */
  updatesSettled(): boolean {
    return ![...this.updates.values()].some((update) => update.untaken);
  }

  /** A `lockAction` update's handler is over: the door keeps only that it answered it. */
  endUpdate(updateId: string): void {
    this.updates.delete(updateId);
  }

  /** A cancelled lock action takes its request back; one whose command runs alone stops it. */
  withdraw(requester: Requester): void {
    const { waiting, removed } = withoutRequester(this.waiting, requester);
    if (removed) {
      this.setWaiting(waiting);
      this.fail(removed, 'CANCELLED', 'cancelled while waiting at its door; no command was sent');
      return;
    }
    const current = this.current;
    const member = current?.command.members.find((m) => sameRequester(m.requester, requester));
    if (!current || !member) {
      // Unknown here (already answered, or never arrived): say so, so that it stops waiting.
      this.answer({
        requester,
        kind: 'failed',
        report: {
          ...bareReport,
          message: 'cancelled; its door holds no request of it (already answered, or it never arrived)',
        },
      });
      return;
    }
    current.command = { ...current.command, members: current.command.members.filter((m) => m !== member) };
    // The next send try asks only those still served whether they want it (see sendCommandTry).
    if (current.state.requesters) current.state.requesters = current.command.members.map((m) => m.requester);
    if (current.command.members.length > 0) {
      this.answer(this.failedVerdict(member, cancelledFailure(current.state)));
    } else {
      current.withdrawn.push(member);
      current.scope.cancel();
    }
  }

  /** Takes what waits as the next command, after dropping requests whose deadline came. */
  takeNext(nowMs: number): WaitingCommand | null {
    this.reapExpired(nowMs);
    const next = this.waiting;
    this.setWaiting(null);
    return next;
  }

  /** Answers DEADLINE_PASSED to waiting requests that may no longer be sent. */
  reapExpired(nowMs: number): void {
    const { waiting, expired } = expireWaiting(this.waiting, nowMs);
    if (expired.length === 0) return;
    this.setWaiting(waiting);
    for (const request of expired) {
      this.fail(
        request,
        'DEADLINE_PASSED',
        `the send-by deadline ${new Date(request.sendBy).toISOString()} passed while the request waited at its door; no command was sent`,
      );
    }
  }

  /** Starts the bookkeeping of a command about to run. */
  begin(command: WaitingCommand, state: LockActionState, scope: CancellationScope, nowMs: number): CurrentCommand {
    this.current = { command, state, scope, sendBy: commandSendBy(command), begunAtMs: nowMs, withdrawn: [] };
    this.showDetails();
    this.recentCommands = commandsInWindow(this.recentCommands, nowMs);
    this.commandsRun++;
    this.wakeups.endedAttempt = null;
    return this.current;
  }

  /**
   * The command ran to an observation: every member concludes from it. The door's watch has
   * told them already when the attempt ended inside the watch window (`verdictsSent`).
   */
  finishObserved(outcome: CommandOutcome & { lockedAfter?: boolean | null }): void {
    const current = this.end();
    const { state } = current;
    // Told by the watch already (lock actions; never an update): remembered as answered all the same.
    const told = outcome.verdictsSent ? current.command.members.filter((m) => !isUpdateRequester(m.requester)) : [];
    for (const member of told) this.remember(member.requester);
    for (const member of current.command.members.filter((m) => !told.includes(m))) {
      this.answer({
        requester: member.requester,
        kind: 'observed',
        actionAttempt: outcome.actionAttempt,
        lockedAfter: outcome.lockedAfter ?? null,
        commandSentAt: outcome.commandSentAt,
        facts: factsOf(state),
      });
    }
    const succeeded = outcome.actionAttempt.status === 'success';
    this.learnFromCommand(current, {
      lastAction: state.action,
      lastOutcome: outcome.actionAttempt.status === 'error' ? 'ACTION_ATTEMPT_FAILED' : outcome.actionAttempt.status,
      lastActionAttemptId: outcome.actionAttempt.actionAttemptId,
      online: true,
      ...(succeeded ? { locked: outcome.lockedAfter ?? state.action === 'LOCK_DOOR' } : {}),
    });
  }

  /**
   * The command ended without an observation: a typed failure for its members, or a cancel for
   * those who withdrew. Members whose own deadline still leaves room wait again when the
   * command's (earliest) deadline came before anything was sent.
   */
  finishFailed(err: unknown): void {
    const current = this.end();
    const { state } = current;
    if (isCancellation(err)) {
      // Those who withdrew, and — when the door itself was cancelled — those still served.
      for (const member of [...current.withdrawn, ...current.command.members])
        this.answer(this.failedVerdict(member, cancelledFailure(state)));
      this.learn({ lastAction: state.action, lastOutcome: 'CANCELLED' });
      return;
    }
    const failure = err instanceof ApplicationFailure ? err : this.unexpected(state, err);
    let members = current.command.members;
    if (failure.type === 'DEADLINE_PASSED' && state.commandSent === false) {
      const later = members.filter((member) => member.sendBy > current.sendBy);
      members = members.filter((member) => !later.includes(member));
      const { waiting, superseded } = readmitOlder(this.waiting, later);
      this.setWaiting(waiting);
      for (const loser of superseded) this.supersede(loser, waiting!.members[waiting!.members.length - 1]);
    }
    for (const member of members) this.answer(this.failedVerdict(member, failure));
    this.learnFromCommand(current, {
      lastAction: state.action,
      lastOutcome: failure.type ?? 'UNKNOWN',
      ...(failure.type === 'DEVICE_OFFLINE' ? { online: false } : {}),
      ...(state.progress.actionAttemptId ? { lastActionAttemptId: state.progress.actionAttemptId } : {}),
    });
  }

  view(nowMs: number): DoorView {
    const current = this.current;
    return {
      deviceId: this.deviceId,
      knowledge: this.knowledge,
      current: current && {
        action: current.command.action,
        requesters: current.command.members.map((m) => m.requester.workflowId),
        phase: current.state.progress.phase,
        actionAttemptId: current.state.progress.actionAttemptId,
        sendBy: new Date(current.sendBy).toISOString(),
      },
      waiting: this.waiting && {
        action: this.waiting.action,
        requesters: this.waiting.members.map((m) => ({
          workflowId: m.requester.workflowId,
          sendBy: new Date(m.sendBy).toISOString(),
        })),
      },
      commandsInLastMinute: commandsInWindow(this.recentCommands, nowMs).length,
      commandsRun: this.commandsRun,
    };
  }

  carry(nowMs: number): DoorCarry {
    return {
      waiting: this.waiting,
      knowledge: this.knowledge,
      recentCommands: commandsInWindow(this.recentCommands, nowMs),
      commandsBefore: this.commandsRun,
      answered: this.answered,
      ...(this.withdrawnUpdates.length > 0 ? { withdrawnUpdates: this.withdrawnUpdates } : {}),
      heardEvents: this.heardEvents,
      factTimes: this.factTimes,
    };
  }

  /** The command is over; it counts towards the rate limit from now (never before Seam saw it). */
  private end(): CurrentCommand {
    const current = this.current;
    if (!current) throw new Error('no command is running');
    this.current = null;
    this.recentCommands.push(Date.now());
    return current;
  }

  /** A request the door holds, or has answered: a second delivery of it is ignored. */
  private isKnown(requester: Requester): boolean {
    const inWaiting = this.waiting?.members.some((m) => sameRequester(m.requester, requester)) ?? false;
    const inCurrent = this.current?.command.members.some((m) => sameRequester(m.requester, requester)) ?? false;
    return inWaiting || inCurrent || this.answered.some((a) => sameRequester(a, requester));
  }

  private setWaiting(waiting: WaitingCommand | null): void {
    this.waiting = waiting;
    this.waitingVersion++;
    this.showDetails();
  }

  /**
   * What a command saw (`door-facts-as-of-command`; before it, every fact as of now, over
   * anything): each device fact as of when it may have held ({@link seenBetween}: in doubt,
   * unlocked and offline), and only where the door knows nothing newer. A `device.disconnected`
   * that occurred while a lock ran outlives the lock's "online", whichever the door hears first.
   */
  private learnFromCommand(current: CurrentCommand, learned: Partial<DoorKnowledge>): void {
    if (!patched(doorPatchIds.factsAsOfCommand)) return this.learn(learned);
    const { locked, online, ...rest } = learned;
    const seen = { locked, online };
    const { facts, times } = newerFacts(seen, seenBetween(seen, current.begunAtMs, Date.now()), this.factTimes);
    this.learn({ ...rest, ...facts }, times);
  }

  /**
   * Learns facts of the device. What a request's device check saw (and, before
   * `door-facts-as-of-command`, a command) holds as of now; an event's facts and a command's as
   * of `times`.
   */
  private learn(facts: Partial<DoorKnowledge>, times?: FactTimes): void {
    const nowMs = Date.now();
    this.factTimes = times ?? {
      ...this.factTimes,
      ...(facts.locked !== undefined ? { locked: nowMs } : {}),
      ...(facts.online !== undefined ? { online: nowMs } : {}),
    };
    this.knowledge = { ...this.knowledge, ...facts, updatedAt: new Date(nowMs).toISOString() };
    this.showDetails();
  }

  /** The Web UI's current details: what the door runs and holds, in words (no history cost). */
  showDetails(): void {
    const { knowledge, current, waiting } = this;
    const state = knowledge.locked === null ? 'unknown' : knowledge.locked ? 'locked' : 'unlocked';
    setCurrentDetails(
      [
        `**Door ${this.deviceId}** — ${state}; last: ${knowledge.lastAction ?? 'none'} ${knowledge.lastOutcome ?? ''}`.trim(),
        current
          ? `Running: ${describeAction(current.command.action)} for ${current.command.members.map((m) => m.requester.workflowId).join(', ')}`
          : 'Running: nothing',
        waiting
          ? `Waiting: ${describeAction(waiting.action)} for ${waiting.members.map((m) => m.requester.workflowId).join(', ')}`
          : 'Waiting: nothing',
      ].join('\n'),
    );
  }

  private fail(
    request: DoorRequest,
    code: 'SUPERSEDED' | 'DEADLINE_PASSED' | 'CANCELLED',
    message: string,
    extra: Partial<Pick<FailureReport, 'supersededBy'>> = {},
  ): void {
    const state = requestState(request);
    this.answer(this.failedVerdict(request, lockActionFailure(state, code, message, extra)));
  }

  private failedVerdict(member: DoorRequest, failure: ApplicationFailure): DoorVerdict {
    return { requester: member.requester, kind: 'failed', report: failure.details?.[0] as FailureReport };
  }

  /**
   * Signals the verdict to the lock action waiting for it; one that is gone cannot be told.
   * The signal is tracked until delivered: a run that continued as new with one in flight
   * would drop it (see {@link answersDelivered}).
   */
  private remember(requester: Requester): void {
    this.answered.push(requester);
    if (this.answered.length > doorAnsweredMemory) this.answered.splice(0, this.answered.length - doorAnsweredMemory);
  }

  private answer(verdict: DoorVerdict): void {
    this.remember(verdict.requester);
    const { workflowId, runId, updateId } = verdict.requester;
    if (updateId !== undefined) {
      const update = this.updates.get(updateId);
      update?.resolve(verdict);
      if (update) update.untaken = true;
      return;
    }
    const delivery = getExternalWorkflowHandle(workflowId, runId)
      .signal(doorVerdictSignalName, verdict)
      .catch((err: unknown) => {
        log.warn('could not answer a lock action (it is no longer running)', {
          requester: workflowId,
          error: err instanceof Error ? err.message : String(err),
        });
      })
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  /** Resolves once every verdict signalled so far has reached its lock action (or failed to). */
  async answersDelivered(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  /** Verdict signals in flight. */
  answersPending(): number {
    return this.deliveries.size;
  }

  /** A fault of the door's own, as a typed failure for its members rather than no answer. */
  private unexpected(state: LockActionState, err: unknown): ApplicationFailure {
    log.error('door command failed unexpectedly', { deviceId: this.deviceId, error: String(err) });
    const code = state.commandSent === false ? 'SEAM_UNAVAILABLE' : 'COMMAND_OUTCOME_UNKNOWN';
    return lockActionFailure(state, code, `its door could not finish the command (${String(err)}); check the door`);
  }

  /** Tells a requester its request could not be taken (INVALID_INPUT); nothing was sent for it. */
  refuse(requester: Requester, message: string): void {
    this.answer({ requester, kind: 'failed', report: { ...bareReport, code: 'INVALID_INPUT', message } });
  }

  /** Answers CANCELLED to everything waiting (the door is going away); nothing was sent for them. */
  abandonWaiting(message: string): void {
    const waiting = this.waiting?.members ?? [];
    this.setWaiting(null);
    for (const request of waiting) this.fail(request, 'CANCELLED', message);
  }
}

/** The state a command (or a refusal) for `request` starts from. */
export function requestState(request: Pick<DoorRequest, 'action' | 'plan' | 'capability'>): LockActionState {
  return {
    action: request.action,
    deviceId: request.plan.deviceId,
    progress: { phase: 'commanding', polls: 0, actionAttemptId: null, lastStatus: null },
    commandSent: false,
    capability: request.capability,
    ambiguousTry: false,
    lockResent: false,
  };
}

function factsOf(state: LockActionState): CommandFacts {
  return {
    commandSent: state.commandSent,
    lockResent: state.lockResent,
    polls: state.progress.polls,
    actionAttemptId: state.progress.actionAttemptId,
    lastStatus: state.progress.lastStatus,
  };
}

/** A report with nothing known; the lock action fills in its own action, device and capability. */
const bareReport: FailureReport = {
  code: 'CANCELLED',
  message: 'cancelled; its door holds no request of it (already answered, or it never arrived)',
  deviceId: null,
  action: 'LOCK_DOOR',
  actionAttemptId: null,
  lastStatus: null,
  commandSent: false,
  polls: 0,
  seamError: null,
  seamRequestId: null,
  capability: null,
  issues: [],
  warnings: [],
  supersededBy: null,
};
