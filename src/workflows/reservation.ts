/**
 * ReservationWorkflow (`reservation/<reservationKey>`): a stay's doors open at check-in (when
 * asked) and every door ends locked at check-out — whatever happens — or a person knows. It
 * waits on durable timers (days ahead is normal) and takes changes at any time through updates:
 * `upsert` (the whole reservation again, idempotent), `checkOutNow`, `cancel`.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReservationActivities } from '../activities/reservation';
import type { ReservationInput } from '../contract';
import {
  reservationQueryName,
  reservationSignalNames,
  reservationUpdateNames,
  reservationWorkflowId,
  type ReservationPlan,
  type ReservationView,
  type StayCarry,
} from '../contract/reservation-core';
import type { StayStep } from '../decisions';
import { stayDoorEventOf } from './payloads';
import { checkOutBegun, Stay, stayPatchIds } from './stay';

export const upsertUpdate = defineUpdate<ReservationView, [ReservationInput]>(reservationUpdateNames.upsert);
export const checkOutNowUpdate = defineUpdate<ReservationView, []>(reservationUpdateNames.checkOutNow);
export const cancelUpdate = defineUpdate<ReservationView, []>(reservationUpdateNames.cancel);
export const reservationQuery = defineQuery<ReservationView>(reservationQueryName);
export const stayDoorEventSignal = defineSignal<[unknown]>(reservationSignalNames.doorEvent);

/** Checking a reservation against the schema: quick, no I/O; retried only for a worker's loss. */
const reservations = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['INVALID_INPUT'] },
});

/** A stay continues as new past this many history events (rounds of lock actions grow it). */
export const stayEventsPerRun = 2_000;

export async function ReservationWorkflow(input: ReservationInput, carried?: StayCarry): Promise<ReservationView> {
  // Handlers first: an update that came with the start (update-with-start) is handled in the
  // workflow's first activation, before the reservation is checked.
  // Only a run this workflow continued may be handed a stay's state: a caller's start may not.
  if (carried && !workflowInfo().continuedFromExecutionRunId) {
    throw ApplicationFailure.nonRetryable('a stay takes one argument, the reservation', 'INVALID_INPUT', {
      issues: ['(arguments): expected exactly one argument, the reservation'],
    });
  }
  let stay: Stay | undefined = carried && new Stay(carried);
  let waitingFor: ReservationView['waitingFor'] = { what: 'its first step', at: null };
  setStayHandlers(
    async () => {
      await condition(() => stay !== undefined);
      return stay!;
    },
    () => stay,
    keyOf(carried?.plan ?? input),
    () => waitingFor,
  );
  stay ??= Stay.fromPlan(await checkedReservation(input));
  refuseForeignWorkflowId(stay.plan.reservationKey);
  // Alerts a previous run could not deliver go out first, in order.
  stay.deliverAlerts();

  const running = stay;
  const show = (now: ReservationView['waitingFor']) => {
    waitingFor = now;
    running.publish(now);
  };
  try {
    return await live(running, input, show);
  } catch (err) {
    if (!isCancellation(err) || !patched(stayPatchIds.lockOnTemporalCancel)) throw err;
    await CancellationScope.nonCancellable(() => lockOnTemporalCancel(running, show));
    throw err;
  }
}

type Show = (waitingFor: ReservationView['waitingFor']) => void;

/** The stay's steps until it ends (or continues as new), then its last alerts. */
async function live(stay: Stay, input: ReservationInput, show: Show): Promise<ReservationView> {
  for (;;) {
    if (rollOverDue()) {
      // Undelivered alerts are carried, not awaited: a receiver down for hours must not stop the locks.
      await condition(allHandlersFinished);
      return continueAsNew<typeof ReservationWorkflow>(input, stay.carry());
    }
    const step = stay.nextStep(Date.now());
    if (step.kind === 'end') break;
    show(step.kind === 'wait' ? { what: step.what, at: atOf(step) } : { what: describeStep(step), at: null });
    await take(stay, step);
  }
  const ended = endStay(stay, show, 'nothing: the stay has ended');
  log.info('stay ended', { reservationKey: stay.plan.reservationKey, attention: stay.needsAttention() });
  await stay.alertsDelivered();
  await condition(allHandlersFinished);
  return stay.view(ended);
}

function endStay(stay: Stay, show: Show, what: string): ReservationView['waitingFor'] {
  stay.end();
  const ended = { what, at: null };
  show(ended);
  return ended;
}

/** How long a stay cancelled through Temporal waits to hand its alerts over before it ends. */
export const cancelAlertsGraceMs = 60_000;

/**
 * Temporal's own cancel (an operator's `temporal workflow cancel`, not the `cancel` update) is
 * fail-secure as well: the stay is cancelled, locks at once — one round — every door it owes a
 * lock (the doors it unlocked; all of them once check-out began), and a door that did not lock
 * is raised for a person, since the stay will not try again. Then it ends, cancelled.
 */
async function lockOnTemporalCancel(stay: Stay, show: Show): Promise<void> {
  log.warn('stay cancelled through Temporal: locking what it owes once', { reservationKey: stay.plan.reservationKey });
  // A stay that had already ended (its last alerts under way) has nothing more to lock.
  if (!stay.ended) {
    stay.cancel();
    const owed = stay.owedLocks();
    if (owed.length > 0) {
      show({ what: `lock ${owed.join(', ')} (cancelled through Temporal)`, at: null });
      await stay.lock(owed);
    }
    stay.giveUp(stay.owedLocks(), 'was not locked when the stay was cancelled through Temporal');
    endStay(stay, show, 'nothing: the stay was cancelled through Temporal');
  }
  await stay.alertsAfterCancel(cancelAlertsGraceMs);
}

async function take(stay: Stay, step: StayStep): Promise<void> {
  switch (step.kind) {
    case 'wait': {
      const version = stay.version;
      // Signals that change nothing (Seam's events of a door the stay does not act on now) still
      // grow the history: a wait ends for the roll-over too (`stay-roll-over-while-waiting`).
      const rollsOver = patched(stayPatchIds.rollOverWhileWaiting);
      const changed = () => stay.version !== version || (rollsOver && rollOverDue());
      if (step.untilMs === null) await condition(changed);
      else await condition(changed, Math.max(1, step.untilMs - Date.now()));
      return;
    }
    case 'unlock':
      return stay.unlock(step.deviceIds, step.notAfterMs);
    case 'unlock-missed':
      return stay.unlockMissed(step.deviceIds);
    case 'lock':
      return stay.lock(step.deviceIds);
    case 'raise-attention':
      return stay.raiseAttention(step.deviceIds);
    case 'give-up':
      return stay.giveUp(step.deviceIds);
    case 'end':
      return;
  }
}

/**
 * The updates and the query. Until the start input is checked (the first activity), updates
 * wait for the stay and the query says it is being checked; validators refuse what can be
 * refused at once, so that nothing of it enters the history.
 */
function setStayHandlers(
  ready: () => Promise<Stay>,
  current: () => Stay | undefined,
  reservationKey: unknown,
  waitingFor: () => ReservationView['waitingFor'],
): void {
  const viewOf = (stay: Stay) => stay.view(waitingFor());
  setHandler(reservationQuery, () => {
    const stay = current();
    if (!stay) throw new Error('the stay is checking its reservation; ask again in a moment');
    return viewOf(stay);
  });
  // Before the reservation is checked there are no doors to hear of: such an event is dropped.
  setHandler(stayDoorEventSignal, (raw) => {
    const event = stayDoorEventOf(raw);
    if (event) current()?.hear(event);
    else log.warn('ignored a malformed door event');
  });
  const change = (name: 'checkOutNow' | 'cancel') => () => refuse(current()?.refusal(name));
  const upsert = async (raw: ReservationInput) => {
    const plan = await checkedReservation(raw);
    const stay = await ready();
    refuse(upsertRefusal(stay, plan));
    stay.upsert(plan);
    return viewOf(stay);
  };
  // Changes apply in the order Temporal accepted them, each after the one before it (their checks
  // would otherwise race, and an older change could land last).
  let upsertsBefore: Promise<unknown> = Promise.resolve();
  setHandler(
    upsertUpdate,
    (raw) => {
      if (!patched(stayPatchIds.serialUpserts)) return upsert(raw);
      const turn = upsertsBefore.then(() => upsert(raw));
      upsertsBefore = turn.catch(() => undefined);
      return turn;
    },
    {
      validator: (raw) => {
        // Once check-out has begun, only the handler (with the checked plan) can tell a change.
        const stay = current();
        if (stay) refuse(upsertRefusal(stay, 'not checked yet'));
        const key = keyOf(raw);
        if (key !== reservationKey)
          refuse(`reservationKey must be ${JSON.stringify(reservationKey)}, the key of this stay`);
      },
    },
  );
  setHandler(
    checkOutNowUpdate,
    async () => {
      const stay = await ready();
      refuse(stay.refusal('checkOutNow'));
      stay.checkOutNow(Date.now());
      return viewOf(stay);
    },
    { validator: change('checkOutNow') },
  );
  setHandler(
    cancelUpdate,
    async () => {
      const stay = await ready();
      refuse(stay.refusal('cancel'));
      stay.cancel();
      return viewOf(stay);
    },
    { validator: change('cancel') },
  );
}

/**
 * Why an upsert cannot be taken now. Once check-out has begun, the reservation the stay already
 * holds is not a change — a caller's retry after a lost answer, or the update-with-start that
 * created a stay due at once — and is answered with the stay; any other is refused. The plan is
 * known in the handler only (checked by an activity): the validator lets such an upsert through.
 */
function upsertRefusal(stay: Stay, plan: ReservationPlan | 'not checked yet'): string | undefined {
  const reason = stay.refusal('upsert');
  if (reason !== checkOutBegun) return reason;
  if (plan === 'not checked yet') return undefined;
  return stay.holds(plan) && patched(stayPatchIds.sameUpsertAfterCheckOut) ? undefined : reason;
}

/** The plan of a reservation checked against the contract; INVALID_INPUT (with its issues) when it fails. */
async function checkedReservation(raw: unknown): Promise<ReservationPlan> {
  try {
    return await reservations.checkReservation(raw);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'INVALID_INPUT') {
      throw ApplicationFailure.create({
        type: 'INVALID_INPUT',
        message: cause.message,
        nonRetryable: true,
        details: cause.details ? [...cause.details] : [],
      });
    }
    throw err;
  }
}

function keyOf(reservation: unknown): unknown {
  return (reservation as { reservationKey?: unknown } | null)?.reservationKey;
}

/** A change the stay refuses: rejected by a validator (nothing enters the history), or failed by its handler. */
function refuse(reason: string | undefined): void {
  // In a validator it rejects the update; in a handler (a change queued behind others, refused by
  // the time its turn came) it fails the update — never the workflow task, which would wedge the stay.
  if (reason) throw ApplicationFailure.nonRetryable(reason, 'CHANGE_REFUSED');
}

/** The stay's workflow ID is `reservation/<reservationKey>`: one stay per key, whoever starts it. */
function refuseForeignWorkflowId(reservationKey: string): void {
  const expected = reservationWorkflowId(reservationKey);
  if (workflowInfo().workflowId !== expected) {
    throw ApplicationFailure.nonRetryable(
      `a stay for reservationKey ${JSON.stringify(reservationKey)} must run as workflow ID ${expected}`,
      'INVALID_INPUT',
      { issues: [`(workflow ID): expected ${expected}, got ${workflowInfo().workflowId}`] },
    );
  }
}

function rollOverDue(): boolean {
  return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > stayEventsPerRun;
}

function atOf(step: Extract<StayStep, { kind: 'wait' }>): string | null {
  return step.untilMs === null ? null : new Date(step.untilMs).toISOString();
}

function describeStep(step: Exclude<StayStep, { kind: 'wait' }>): string {
  const doors = 'deviceIds' in step ? step.deviceIds.join(', ') : '';
  return `${step.kind} ${doors}`.trim();
}
