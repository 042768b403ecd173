/**
 * How the webhook receiver hands an event to a door: one `doorSeamEvent` signal to
 * `door/<deviceId>`, with the event's own request ID. Temporal records a signal's request ID in
 * the run and takes a second signal with it as done, so Seam's redeliveries of an event cost no
 * history and have no effect (the door also remembers event IDs across its runs). The client's
 * `signal()` draws a fresh request ID per call, hence the service call.
 */
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { doorSignalNames, doorWorkflowId } from '../contract/door';
import type { DoorRoute } from './receiver';

/** gRPC's NOT_FOUND: no running workflow with that ID. */
const grpcNotFound = 5;

/**
 * @returns 'unknown_door' when no door runs for the device (an event for a device lockstep has
 * not acted on, or one whose door was cancelled)
 * @throws when Temporal did not take the signal
 */
export async function signalDoor(
  client: Client,
  route: DoorRoute,
  requestId: string,
): Promise<'delivered' | 'unknown_door'> {
  try {
    await client.workflowService.signalWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: doorWorkflowId(route.deviceId) },
      signalName: doorSignalNames.seamEvent,
      input: { payloads: await encodeToPayloads(client.options.loadedDataConverter, route.event) },
      identity: client.options.identity,
      requestId,
    });
    return 'delivered';
  } catch (err) {
    if ((err as { code?: number }).code === grpcNotFound) return 'unknown_door';
    throw err;
  }
}
