/**
 * The stay's mechanics, beside its script (reservation.ts): its doors, the changes a
 * property-management system pushes, the lock actions it runs through each door's ordering
 * point (as child workflows), and the alerts it raises and resolves. What to do next is a pure
 * function (decisions/reservation.ts).
 */
import { workspaceField } from '../contract/core';
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { attentionKey, deviceIdsKey, outcomeKey, reservationKeyKey } from '../contract/search-attributes';
import type { Alert } from '../contract/alerts';
import type { LockActionResult } from '../contract';
import type { AlertKind } from '../contract/alerts-core';
import {
  describeAction,
  lockActionWorkflowId,
  workflowTypes,
  type FailureCode,
  type LockAction,
} from '../contract/core';
import {
  newStayDoor,
  type ReservationPlan,
  type ReservationView,
  type StayCarry,
  type StayDoor,
  type StayDoorEvent,
  type CheckOutLock,
  type HeardLockEvent,
  type StayFacts,
  type StayStage,
} from '../contract/reservation-core';
import {
  afterCheckOutVerdict,
  lockRetryDelayMs,
  nextStayStep,
  owesLock,
  retriesAtOnceOn,
  unlockRetryDelayMs,
  watchStep,
  withLockEvent,
  type StayStep,
} from '../decisions';
import { doorAlert, sendAlert } from './alerts';

/**
 * Changes to a stay's steps, each behind `patched()` so that stays started before it replay
 * unchanged (their histories are in test/histories/).
 * - `stay-cancel-locks`: Temporal's own cancel (not the `cancel` update) is fail-secure too:
 *   the stay locks what it owes once, and a door it could not lock is a person's to check.
 * - `stay-serial-upserts`: `upsert` updates apply one after another, in the order accepted.
 * - `stay-watch-after-check-out`: once its doors are locked at check-out, the stay watches them
 *   for the plan's `watchAfterCheckOutMs` before it ends (a door unlocked meanwhile is raised).
 * - `stay-roll-over-while-waiting`: a wait ends when the history is due to roll over (Seam's
 *   events arrive as signals while the stay waits, possibly for days).
 * - `stay-same-upsert-after-check-out`: once check-out has begun, an upsert of the reservation
 *   the stay already holds (its creating update-with-start, a caller's retry) is answered with
 *   the stay; only a change is refused.
 */
export const stayPatchIds = {
  lockOnTemporalCancel: 'stay-cancel-locks',
  serialUpserts: 'stay-serial-upserts',
  watchAfterCheckOut: 'stay-watch-after-check-out',
  rollOverWhileWaiting: 'stay-roll-over-while-waiting',
  sameUpsertAfterCheckOut: 'stay-same-upsert-after-check-out',
} as const;

/** Why a stay takes no more changes but a cancel (or the same reservation again: see `upsert`). */
export const checkOutBegun = 'check-out has begun';

/** A lock action's end as the stay records it. */
type ActionOutcome = 'success' | FailureCode;

export class Stay {
  plan: ReservationPlan;
  doors: StayDoor[];
  cancelled: boolean;
  checkOutBeganMs: number | null;
  lockingSinceMs: number | null;
  retryAtMs: number | null;
  revisions: number;
  rounds: number;
  /** Bumped by every accepted change, so that a wait starts over. */
  version = 0;
  ended = false;
  /**
   * Alerts not yet delivered, oldest first: delivered one at a time, so that a resolve never
   * overtakes its raise; carried across continue-as-new (their idempotency keys make a
   * repeated delivery harmless).
   */
  private readonly alertQueue: Alert[];
  /** Whether each door's last lock action sent its command (`null`: may have); not carried. */
  private readonly lastCommandSent = new Map<string, boolean | null>();
  /** The search attributes last written, so that only changes are written. */
  private published = '';
  /** Lock-state events heard lately, per door (webhooks come in any order). */
  private readonly lockEvents: Record<string, HeardLockEvent[]>;
  /** The lock each door got at check-out, by device. */
  private readonly checkOutLocks: Record<string, CheckOutLock>;
  /** Whether this stay's code watches after check-out (`stay-watch-after-check-out`); asked once, when it would end. */
  private watching: boolean | undefined;
  /** When a door waiting for a retry was last heard to connect (a round then under way retries at once). */
  private connectHeardMs: number | null = null;
  /** Whether alerts are being delivered (one at a time, in order). */
  private delivering = false;

  constructor(from: StayCarry) {
    this.plan = from.plan;
    this.doors = from.doors;
    this.cancelled = from.cancelled;
    this.checkOutBeganMs = from.checkOutBeganMs;
    this.lockingSinceMs = from.lockingSinceMs;
    this.retryAtMs = from.retryAtMs;
    this.revisions = from.revisions;
    this.rounds = from.rounds;
    this.alertQueue = [...(from.pendingAlerts ?? [])];
    this.lockEvents = { ...from.lockEvents };
    this.checkOutLocks = { ...from.checkOutLocks };
  }

  static fromPlan(plan: ReservationPlan): Stay {
    return new Stay({
      plan,
      doors: plan.deviceIds.map(newStayDoor),
      cancelled: false,
      checkOutBeganMs: null,
      lockingSinceMs: null,
      retryAtMs: null,
      revisions: 0,
      rounds: 0,
      pendingAlerts: [],
    });
  }

  facts(): StayFacts {
    return {
      plan: this.plan,
      doors: this.doors,
      cancelled: this.cancelled,
      checkOutBeganMs: this.checkOutBeganMs,
      lockingSinceMs: this.lockingSinceMs,
      retryAtMs: this.retryAtMs,
    };
  }

  carry(): StayCarry {
    return {
      ...this.facts(),
      revisions: this.revisions,
      rounds: this.rounds,
      pendingAlerts: [...this.alertQueue],
      lockEvents: { ...this.lockEvents },
      checkOutLocks: { ...this.checkOutLocks },
    };
  }

  /** The next step, once the clock has started check-out and any lock the stay now owes. */
  nextStep(nowMs: number): StayStep {
    if (!this.cancelled && this.checkOutBeganMs === null && nowMs >= this.plan.checkOutMs) {
      // Check-out is a locking episode of its own: its retries and attention count from now.
      this.checkOutBeganMs = nowMs;
      this.lockingSinceMs = null;
    }
    const owesAny = this.doors.some((door) => owesLock(door, this.facts()));
    if (!owesAny && this.lockingSinceMs !== null) this.lockingSinceMs = null;
    if (owesAny && this.lockingSinceMs === null) {
      this.lockingSinceMs = nowMs;
      this.retryAtMs = null;
    }
    const step = nextStayStep(this.facts(), nowMs);
    return step.kind === 'end' && this.watchesAfterCheckOut() ? watchStep(this.facts(), nowMs) : step;
  }

  /** Asked (a `patched()` marker) only where it matters: a checked-out stay that would end and watches. */
  private watchesAfterCheckOut(): boolean {
    if (this.cancelled || this.checkOutBeganMs === null || (this.plan.watchAfterCheckOutMs ?? 0) <= 0) return false;
    this.watching ??= patched(stayPatchIds.watchAfterCheckOut);
    return this.watching;
  }

  /**
   * Seam says something of one of the stay's doors (the webhook receiver signals it): a door
   * that came back online is tried again at once when a round waits for it; a door the stay
   * locked at check-out that is unlocked raises `unlocked_after_check_out`, and locking it again
   * resolves it. The stay does not lock it again itself: whoever opened it (a guest back for a
   * bag, housekeeping) may be inside, and a person decides.
   */
  hear({ deviceId, event }: StayDoorEvent): void {
    const door = this.doors.find((d) => d.deviceId === deviceId);
    if (!door || this.ended) return;
    const facts = this.facts();
    if (retriesAtOnceOn(event, door, facts)) {
      this.connectHeardMs = Date.now();
      this.retryAtMs = null;
      this.version++;
      return;
    }
    if (event.kind !== 'locked' && event.kind !== 'unlocked') return;
    this.lockEvents[deviceId] = withLockEvent(this.lockEvents[deviceId] ?? [], {
      kind: event.kind,
      atMs: Date.parse(event.occurredAt),
      ...(event.actionAttemptId ? { actionAttemptId: event.actionAttemptId } : {}),
    });
    this.judgeAfterCheckOut(door, event.method);
  }

  /** Raises or resolves `unlocked_after_check_out` for a door, from what the stay heard of it. */
  private judgeAfterCheckOut(door: StayDoor, method?: string): void {
    const heard = this.lockEvents[door.deviceId] ?? [];
    const verdict = afterCheckOutVerdict(door, this.facts(), heard, this.checkOutLocks[door.deviceId]);
    if (verdict === 'raise') {
      const unlock = heard.filter((e) => e.kind === 'unlocked').at(-1)!;
      const how = method ? ` (${method})` : '';
      this.raise(
        door,
        'unlocked_after_check_out',
        `${door.deviceId} was unlocked${how} at ${new Date(unlock.atMs).toISOString()}, after the stay locked it at check-out; lockstep does not lock it again: check the door`,
      );
    } else if (verdict === 'resolve') {
      this.resolve(door, 'unlocked_after_check_out', `${door.deviceId} is locked again`);
    } else return;
    this.version++;
  }

  // -------------------------------------------------------------------------------------------
  // Changes (the updates)

  /** Why a change cannot be taken now; undefined when it can. */
  refusal(change: 'upsert' | 'checkOutNow' | 'cancel'): string | undefined {
    // Asked again (a caller retrying after a lost answer): what was asked holds, nothing changes.
    if (change === 'checkOutNow' && !this.cancelled && (this.checkOutBeganMs !== null || this.ended)) return undefined;
    if (change === 'cancel' && this.cancelled) return undefined;
    if (this.ended) return 'the stay has ended';
    if (this.cancelled) return 'the stay is cancelled';
    if (change !== 'cancel' && this.checkOutBeganMs !== null) return checkOutBegun;
    return undefined;
  }

  /** Whether `plan` is the reservation the stay holds now (an upsert of it changes nothing). */
  holds(plan: ReservationPlan): boolean {
    return samePlan(plan, this.plan);
  }

  /** A new version of the reservation; the same one again changes nothing. */
  upsert(plan: ReservationPlan): void {
    if (this.holds(plan)) return;
    const wanted = new Set(plan.deviceIds);
    for (const door of this.doors) door.removed = !wanted.has(door.deviceId);
    for (const deviceId of plan.deviceIds) {
      if (!this.doors.some((door) => door.deviceId === deviceId)) this.doors.push(newStayDoor(deviceId));
    }
    // A moved check-in gives doors whose unlock was missed (not sent) a new window.
    if (plan.checkInMs !== this.plan.checkInMs || plan.unlockWindowMs !== this.plan.unlockWindowMs) {
      for (const door of this.doors) if (!door.unlockedByStay) door.checkInSettled = false;
      this.retryAtMs = null;
    }
    this.plan = plan;
    this.changed();
  }

  checkOutNow(nowMs: number): void {
    if (this.checkOutBeganMs !== null || this.ended) return; // asked again: nothing changes
    this.plan = { ...this.plan, checkOutMs: Math.min(this.plan.checkOutMs, nowMs) };
    this.changed();
  }

  cancel(): void {
    if (this.cancelled) return; // asked again: nothing changes
    this.cancelled = true;
    this.changed();
  }

  private changed(): void {
    this.revisions++;
    this.version++;
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  /** Unlocks doors for check-in through their doors; a round with failures is tried again in 30 s. */
  async unlock(deviceIds: string[], notAfterMs: number): Promise<void> {
    const startedMs = Date.now();
    const outcomes = await this.round('UNLOCK_DOOR', deviceIds, { notAfter: new Date(notAfterMs).toISOString() });
    let failed = false;
    for (const [door, outcome] of outcomes) {
      // An unlock that may have gone out (sent, or of unknown fate) may have opened the door: it
      // is never sent again, and the stay owes the door a lock.
      const mayHaveOpened = outcome === 'success' || this.lastCommandSent.get(door.deviceId) !== false;
      if (mayHaveOpened) door.unlockedByStay = true;
      if (mayHaveOpened || outcome === 'SUPERSEDED') door.checkInSettled = true;
      else failed = true;
    }
    this.retryAtMs = failed ? this.retryAfter(unlockRetryDelayMs(), startedMs) : null;
  }

  /** The unlock window closed: these doors are never unlocked by this stay, and a person is told. */
  unlockMissed(deviceIds: string[]): void {
    for (const door of this.doorsOf(deviceIds)) {
      door.checkInSettled = true;
      this.raise(
        door,
        'unlock_not_sent',
        `the check-in unlock of ${door.deviceId} could not be sent within its window; it will not be sent`,
      );
    }
  }

  /** Locks doors fail-secure; a round with failures is tried again (30 s at first, then backing off). */
  async lock(deviceIds: string[]): Promise<void> {
    const startedMs = Date.now();
    const outcomes = await this.round('LOCK_DOOR', deviceIds, {});
    let failed = false;
    for (const [door, outcome] of outcomes) {
      if (outcome === 'success') {
        door.locked = true;
        this.resolve(door, 'door_not_locked', `${door.deviceId} is locked`);
        // An unlock heard while the lock action's answer was on its way counts from now.
        this.judgeAfterCheckOut(door);
      } else if (outcome === 'SUPERSEDED') {
        // A newer request at the door (staff, the next stay) overtook this lock: the newest intent wins.
        door.stopped = 'superseded';
        this.resolve(door, 'door_not_locked', `a newer request took over ${door.deviceId}`);
      } else failed = true;
    }
    const nowMs = Date.now();
    this.retryAtMs = failed ? this.retryAfter(lockRetryDelayMs(this.lockingSinceMs ?? nowMs, nowMs), startedMs) : null;
  }

  /** When a failed round is tried again: after `delayMs`, or at once when a door connected while it ran. */
  private retryAfter(delayMs: number, roundStartedMs: number): number {
    const nowMs = Date.now();
    return this.connectHeardMs !== null && this.connectHeardMs >= roundStartedMs ? nowMs : nowMs + delayMs;
  }

  raiseAttention(deviceIds: string[]): void {
    for (const door of this.doorsOf(deviceIds)) {
      this.raise(
        door,
        'door_not_locked',
        `${door.deviceId} is not locked ${describeMs(this.plan.attentionAfterMs)} after it should have been (last: ${door.lastOutcome ?? 'no answer yet'}); lockstep keeps trying`,
      );
    }
  }

  giveUp(deviceIds: string[], why = 'could not be locked before the retry horizon'): void {
    for (const door of this.doorsOf(deviceIds)) {
      door.stopped = 'gave_up';
      if (!door.attention.includes('door_not_locked'))
        this.raise(door, 'door_not_locked', `${door.deviceId} ${why}; lockstep stopped trying`);
    }
  }

  /** The doors the stay still owes a lock, whatever its retry timer says. */
  owedLocks(): string[] {
    const facts = this.facts();
    return this.doors.filter((door) => owesLock(door, facts)).map((door) => door.deviceId);
  }

  /** The stay is over: a missed check-in unlock no longer needs a person. */
  end(): void {
    for (const door of this.doors) {
      this.resolve(door, 'unlock_not_sent', 'the stay is over');
    }
    this.ended = true;
  }

  /** Waits for the alerts under way (a resolve must not be lost when the stay ends). */
  async alertsDelivered(): Promise<void> {
    await condition(() => this.alertQueue.length === 0);
  }

  /**
   * Delivers the queued alerts in order, beside the stay's own steps (a receiver that is down
   * delays nothing else). Started when an alert joins an empty queue, and by a run that was
   * carried undelivered ones.
   */
  deliverAlerts(): void {
    if (this.delivering) return;
    this.delivering = true;
    void (async () => {
      try {
        while (this.alertQueue.length > 0) {
          await sendAlert(this.alertQueue[0]);
          this.alertQueue.shift();
        }
      } catch (err) {
        // Cancelled with the workflow: the alert stays queued for the cancel's own delivery.
        if (!isCancellation(err) || !patched(stayPatchIds.lockOnTemporalCancel)) throw err;
      } finally {
        // Cleared the moment the loop ends (an empty queue: before this call returns).
        this.delivering = false;
      }
    })();
  }

  /**
   * After Temporal's cancel (called outside the cancelled scope): the delivery the cancel cut
   * short ends, delivery starts again if none is under way, and the queue gets what is left of
   * `graceMs` — however long a receiver that is down would take, the stay ends by then.
   */
  async alertsAfterCancel(graceMs: number): Promise<void> {
    const untilMs = Date.now() + graceMs;
    await condition(() => !this.delivering || this.alertQueue.length === 0, graceMs);
    if (!this.delivering) this.deliverAlerts();
    await condition(() => this.alertQueue.length === 0, Math.max(1, untilMs - Date.now()));
  }

  get stage(): StayStage {
    if (this.cancelled) return 'cancelled';
    if (this.ended) return 'ended';
    if (this.checkOutBeganMs !== null) return this.owedLocks().length > 0 ? 'checking_out' : 'checked_out';
    return Date.now() >= this.plan.checkInMs ? 'checked_in' : 'booked';
  }

  view(waitingFor: ReservationView['waitingFor']): ReservationView {
    return {
      reservationKey: this.plan.reservationKey,
      stage: this.stage,
      checkIn: new Date(this.plan.checkInMs).toISOString(),
      checkOut: new Date(this.plan.checkOutMs).toISOString(),
      unlockAtCheckIn: this.plan.unlockAtCheckIn,
      lockAtCheckOut: this.plan.lockAtCheckOut,
      doors: this.doors,
      waitingFor,
      attention: this.needsAttention(),
      revisions: this.revisions,
    };
  }

  /**
   * What an operator sees without opening JSON: the search attributes (written when they
   * change: one history event each) and the Web UI's current details (no history at all).
   */
  publish(waitingFor: ReservationView['waitingFor']): void {
    const attributes = {
      deviceIds: this.doors.filter((door) => !door.removed).map((door) => door.deviceId),
      attention: this.needsAttention(),
      outcome: this.ended || this.cancelled ? this.outcome() : null,
    };
    const fingerprint = JSON.stringify(attributes);
    if (fingerprint !== this.published) {
      this.published = fingerprint;
      upsertSearchAttributes([
        { key: reservationKeyKey, value: this.plan.reservationKey },
        { key: deviceIdsKey, value: attributes.deviceIds },
        { key: attentionKey, value: attributes.attention },
        ...(attributes.outcome ? [{ key: outcomeKey, value: attributes.outcome }] : []),
      ]);
    }
    setCurrentDetails(this.details(waitingFor));
  }

  /** A stay's outcome as the `LockstepOutcome` search attribute says it. */
  private outcome(): string {
    if (this.needsAttention()) return 'attention';
    if (this.cancelled) return 'cancelled';
    // A door a newer request took over was not locked by this stay: it must not read `locked`.
    return this.doors.some((door) => door.stopped === 'superseded') ? 'superseded' : 'locked';
  }

  private details(waitingFor: ReservationView['waitingFor']): string {
    const doorLines = this.doors.map((door) => {
      const state = door.locked
        ? 'locked'
        : door.stopped === 'superseded'
          ? 'taken over by a newer request at its door (not locked by this stay)'
          : door.unlockedByStay
            ? 'unlocked by the stay'
            : 'not acted on';
      const attention = door.attention.length > 0 ? ` — **needs a person: ${door.attention.join(', ')}**` : '';
      const last = door.lastOutcome ? ` (last: ${door.lastAction} ${door.lastOutcome})` : '';
      return `- ${door.deviceId}${door.removed ? ' (removed)' : ''}: ${state}${last}${attention}`;
    });
    return [
      `**Stay ${this.plan.reservationKey}** — ${this.stage}`,
      `Check-in ${new Date(this.plan.checkInMs).toISOString()}, check-out ${new Date(this.plan.checkOutMs).toISOString()}`,
      `Waiting for: ${waitingFor.what}${waitingFor.at ? ` at ${waitingFor.at}` : ''}`,
      ...doorLines,
    ].join('\n');
  }

  needsAttention(): boolean {
    return this.doors.some((door) => door.attention.length > 0);
  }

  /**
   * One lock action per door, in parallel, each a child workflow through the door's ordering
   * point. Child IDs are `<lock|unlock>/<deviceId>/<reservationKey>.<round>`: unique per try.
   */
  private async round(
    action: LockAction,
    deviceIds: string[],
    input: { notAfter?: string },
  ): Promise<[StayDoor, ActionOutcome][]> {
    const round = ++this.rounds;
    const doors = this.doorsOf(deviceIds);
    const outcomes = await Promise.all(
      doors.map((door) => this.runAction(door, action, `${this.plan.reservationKey}.${round}`, input)),
    );
    return doors.map((door, i) => [door, outcomes[i]]);
  }

  private async runAction(
    door: StayDoor,
    action: LockAction,
    requestId: string,
    input: { notAfter?: string },
  ): Promise<ActionOutcome> {
    door.actions++;
    let outcome: ActionOutcome;
    try {
      const result = (await executeChild(workflowTypes[action], {
        workflowId: lockActionWorkflowId(action, door.deviceId, requestId),
        staticSummary: `${describeAction(action)} ${door.deviceId} for stay ${this.plan.reservationKey}`,
        typedSearchAttributes: [
          { key: deviceIdsKey, value: [door.deviceId] },
          { key: reservationKeyKey, value: this.plan.reservationKey },
        ],
        args: [
          {
            deviceId: door.deviceId,
            requestId,
            ...input,
            metadata: { ...this.plan.metadata, reservationKey: this.plan.reservationKey },
            ...workspaceField(this.plan.workspace),
          },
        ],
      })) as LockActionResult;
      outcome = 'success';
      this.lastCommandSent.set(door.deviceId, true);
      if (action === 'LOCK_DOOR' && this.checkOutBeganMs !== null)
        this.checkOutLocks[door.deviceId] = {
          actionAttemptId: result.actionAttemptId,
          finishedAtMs: Date.now(),
        };
    } catch (err) {
      const failure = failureOf(err);
      outcome = failure.code;
      this.lastCommandSent.set(door.deviceId, failure.commandSent);
    }
    door.lastAction = action;
    door.lastOutcome = outcome;
    door.lastOutcomeAt = new Date().toISOString();
    return outcome;
  }

  private doorsOf(deviceIds: string[]): StayDoor[] {
    return this.doors.filter((door) => deviceIds.includes(door.deviceId));
  }

  private raise(door: StayDoor, kind: AlertKind, message: string): void {
    if (door.attention.includes(kind)) return;
    door.attention = [...door.attention, kind];
    this.alert(door, kind, 'raised', message);
  }

  private resolve(door: StayDoor, kind: AlertKind, message: string): void {
    if (!door.attention.includes(kind)) return;
    door.attention = door.attention.filter((raised) => raised !== kind);
    this.alert(door, kind, 'resolved', message);
  }

  private alert(door: StayDoor, kind: AlertKind, state: Alert['state'], message: string): void {
    const source = { workflowId: workflowInfo().workflowId, reservationKey: this.plan.reservationKey };
    const idle = this.alertQueue.length === 0;
    this.alertQueue.push(doorAlert(source, door, kind, state, message));
    if (idle) this.deliverAlerts();
  }
}

function samePlan(a: ReservationPlan, b: ReservationPlan): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A failed child's failure code (its ApplicationFailure's type) and whether its command went
 * out (its report's `commandSent`). A child that ended otherwise (terminated, timed out) may
 * have sent its command: outcome unknown.
 */
function failureOf(err: unknown): { code: FailureCode; commandSent: boolean | null } {
  if (!(err instanceof ChildWorkflowFailure)) throw err;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || !cause.type)
    return { code: 'COMMAND_OUTCOME_UNKNOWN', commandSent: null };
  const report = cause.details?.[0] as { commandSent?: boolean | null } | undefined;
  return { code: cause.type as FailureCode, commandSent: report?.commandSent ?? null };
}

function describeMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
