/**
 * Typed helpers for the stay (`ReservationWorkflow`). Other languages need none of this: start
 * the workflow by name with the JSON input and send the `upsert` update (see the README).
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type Workflow,
} from '@temporalio/client';
import {
  checkReservationInput,
  defaultTaskQueue,
  reservationQueryName,
  reservationUpdateNames,
  reservationWorkflowId,
  reservationWorkflowType,
  type ReservationInput,
  type ReservationView,
} from './contract';
import { deviceIdsKey, reservationKeyKey } from './contract/search-attributes';

/** Thrown before anything is sent when the reservation would fail the stay's own validation. */
export class ReservationInputError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid reservation: ${issues.join('; ')}`);
    this.name = this.constructor.name;
  }
}

export const isReservationInputError = (err: unknown): err is ReservationInputError =>
  err instanceof ReservationInputError;

/**
 * The stay for this key has ended (checked out, cancelled, or failed): it is never started
 * again, so that a late or repeated change cannot unlock a door for a stay that is over.
 */
export class ReservationEndedError extends Error {
  constructor(readonly reservationKey: string) {
    super(`the stay ${reservationKey} has ended; a new stay needs a new reservationKey`);
    this.name = this.constructor.name;
  }
}

export const isReservationEndedError = (err: unknown): err is ReservationEndedError =>
  err instanceof ReservationEndedError;

export interface ReservationOptions {
  /** @default 'lock-actions' (the workers' LOCKSTEP_TASK_QUEUE must match) */
  taskQueue?: string;
}

/**
 * Creates the stay or changes it, in one call (update-with-start): the stay for
 * `reservationKey` starts if it is not running, then takes the reservation as its `upsert`.
 * Idempotent: the same reservation twice changes nothing. Returns the stay as it now stands.
 * A stay that has ended is never started again (REJECT_DUPLICATE).
 *
 * @throws {ReservationInputError} when the reservation is invalid; nothing is sent.
 * @throws {ReservationEndedError} when the stay for this key has ended.
 */
export async function upsertReservation(
  client: Client,
  input: ReservationInput,
  options: ReservationOptions = {},
): Promise<ReservationView> {
  const checked = checkReservationInput(input);
  if (!checked.ok) throw new ReservationInputError(checked.issues);
  const startWorkflowOperation = new WithStartWorkflowOperation(reservationWorkflowType, {
    workflowId: reservationWorkflowId(checked.plan.reservationKey),
    taskQueue: options.taskQueue ?? defaultTaskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Stay ${checked.plan.reservationKey}: ${checked.plan.deviceIds.length} door(s), check-in ${input.checkIn}, check-out ${input.checkOut}`,
    typedSearchAttributes: [
      { key: reservationKeyKey, value: checked.plan.reservationKey },
      { key: deviceIdsKey, value: checked.plan.deviceIds },
    ],
  });
  try {
    return await client.workflow.executeUpdateWithStart<Workflow, ReservationView, [ReservationInput]>(
      reservationUpdateNames.upsert,
      { args: [input], startWorkflowOperation },
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new ReservationEndedError(checked.plan.reservationKey);
    throw err;
  }
}

/** The guest leaves now: check-out starts at once. */
export function checkOutReservationNow(client: Client, reservationKey: string): Promise<ReservationView> {
  return stayHandle(client, reservationKey).executeUpdate<ReservationView, []>(reservationUpdateNames.checkOutNow);
}

/** Cancels the stay: nothing is unlocked afterwards; doors it unlocked are locked at once. */
export function cancelReservation(client: Client, reservationKey: string): Promise<ReservationView> {
  return stayHandle(client, reservationKey).executeUpdate<ReservationView, []>(reservationUpdateNames.cancel);
}

/** The stay as it now stands: schedule, doors, what it waits for, whether it needs a person. */
export function queryReservation(client: Client, reservationKey: string): Promise<ReservationView> {
  return stayHandle(client, reservationKey).query<ReservationView>(reservationQueryName);
}

export function stayHandle(client: Client, reservationKey: string) {
  return client.workflow.getHandle(reservationWorkflowId(reservationKey));
}
