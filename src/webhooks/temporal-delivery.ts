/**
 * How the webhook receiver hands an event to Temporal: one `doorSeamEvent` signal to
 * `door/<deviceId>` and, for what a stay acts on (a door connected, locked or unlocked), one
 * `reservationDoorEvent` signal to each running stay that holds the door — found by the
 * `LockstepDeviceIds` search attribute every stay publishes. Every signal carries the event's
 * own request ID: Temporal records a signal's request ID in the run and takes a second signal
 * with it as done, so Seam's redeliveries of an event cost no history and have no effect (the
 * door also remembers event IDs across its runs). The client's `signal()` draws a fresh request
 * ID per call, hence the service calls.
 */
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { isGrpcNotFound } from '../contract/core';
import { doorSignalNames, doorWorkflowId } from '../contract/door';
import { reservationSignalNames, reservationWorkflowType, type StayDoorEvent } from '../contract/reservation-core';
import { deviceIdsKey } from '../contract/search-attributes';
import type { DoorRoute } from './receiver';

/** The events a stay acts on (see Stay.hear): a retry when a door connects, a door unlocked after check-out. */
const stayEventKinds: readonly string[] = ['connected', 'locked', 'unlocked'];

/**
 * @returns 'unknown_door' when neither a door nor a stay runs for the device (an event for a
 * device lockstep has not acted on)
 * @throws when Temporal did not take every signal (the receiver answers 503; Seam redelivers,
 * and the signals already taken are taken once)
 */
export async function deliverToTemporal(
  client: Client,
  route: DoorRoute,
  requestId: string,
): Promise<'delivered' | 'unknown_door'> {
  // Inside the receiver's request timeout, so that a slow Temporal is answered 503, not 408.
  return client.connection.withDeadline(Date.now() + deliveryDeadlineMs, () => deliver(client, route, requestId));
}

/** How long Temporal has to take an event's signals (the receiver's request timeout is 10 s). */
export const deliveryDeadlineMs = 8_000;

async function deliver(client: Client, route: DoorRoute, requestId: string): Promise<'delivered' | 'unknown_door'> {
  const toDoor = signal(client, doorWorkflowId(route.deviceId), doorSignalNames.seamEvent, route.event, requestId);
  const toStays = stayEventKinds.includes(route.event.kind)
    ? stayIdsOf(client, route.deviceId).then((ids) =>
        Promise.all(
          ids.map((id) =>
            signal(
              client,
              id,
              reservationSignalNames.doorEvent,
              { deviceId: route.deviceId, event: route.event } satisfies StayDoorEvent,
              requestId,
            ),
          ),
        ),
      )
    : Promise.resolve([]);
  const [door, stays] = await Promise.all([toDoor, toStays]);
  return door || stays.some(Boolean) ? 'delivered' : 'unknown_door';
}

/** The running stays that hold the device (device IDs are identifiers: no quote can reach the query). */
async function stayIdsOf(client: Client, deviceId: string): Promise<string[]> {
  const query = `WorkflowType = '${reservationWorkflowType}' AND ExecutionStatus = 'Running' AND ${deviceIdsKey.name} = '${deviceId}'`;
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

/** One signal with `requestId`; false when the workflow is not running. */
async function signal(
  client: Client,
  workflowId: string,
  signalName: string,
  payload: unknown,
  requestId: string,
): Promise<boolean> {
  try {
    await client.workflowService.signalWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId },
      signalName,
      input: { payloads: await encodeToPayloads(client.options.loadedDataConverter, payload) },
      identity: client.options.identity,
      requestId,
    });
    return true;
  } catch (err) {
    if (isGrpcNotFound(err)) return false;
    throw err;
  }
}
