/**
 * Handing a request to its door. Lock actions started since `check-at-door` hand it over from
 * their device check (`checkDeviceAtDoor`, see activities/index.ts); older ones
 * signal the door from workflow code and, when it is not running, open it with `openDoor`. Both
 * are one signal-with-start: the door is started with the request if it is not running, and two
 * lock actions racing to open it both land in one door.
 */
import { Context } from '@temporalio/activity';
import { doorSignalNames, doorStartOptions, doorWorkflowType, type DoorRequest } from '../contract/door';

export interface OpenDoorRequest {
  request: DoorRequest;
  /** The task queue the door runs on: the lock action's own. */
  taskQueue: string;
}

/**
 * Hands `request` to its device's door, starting the door if it is not running. Delivering one
 * request twice is harmless: a door knows each requester once (see DoorKeeper.admit).
 */
export async function deliverToDoor({ request, taskQueue }: OpenDoorRequest): Promise<void> {
  await Context.current().client.workflow.signalWithStart(doorWorkflowType, {
    ...doorStartOptions(request.plan.deviceId, taskQueue),
    signal: doorSignalNames.request,
    signalArgs: [request],
  });
}

export function createDoorActivities() {
  return {
    /** Starts the door of `request`'s device if it is not running, and hands it the request. */
    openDoor: deliverToDoor,
  };
}

export type DoorActivities = ReturnType<typeof createDoorActivities>;
