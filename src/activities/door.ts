/**
 * The one activity of door ordering: opening a door. A lock action signals its door directly
 * (a signal from workflow code, no activity); only when the door is not running — the device's
 * first action, or after an operator ended it — does this activity start it with the request,
 * atomically (signal-with-start: two lock actions racing to open it both land in one door).
 */
import { Context } from '@temporalio/activity';
import { deviceIdsKey } from '../contract/search-attributes';
import { doorSignalNames, doorWorkflowId, doorWorkflowType, type DoorInput, type DoorRequest } from '../contract/door';

export interface OpenDoorRequest {
  request: DoorRequest;
  /** The task queue the door runs on: the lock action's own. */
  taskQueue: string;
}

export function createDoorActivities() {
  return {
    /** Starts the door of `request`'s device if it is not running, and hands it the request. */
    async openDoor({ request, taskQueue }: OpenDoorRequest): Promise<void> {
      const deviceId = request.plan.deviceId;
      const input: DoorInput = { deviceId };
      await Context.current().client.workflow.signalWithStart(doorWorkflowType, {
        workflowId: doorWorkflowId(deviceId),
        taskQueue,
        args: [input],
        signal: doorSignalNames.request,
        signalArgs: [request],
        typedSearchAttributes: [{ key: deviceIdsKey, value: [deviceId] }],
        staticSummary: `Door ${deviceId}: one lock action at a time`,
        staticDetails: `Every lock and unlock of ${deviceId} passes here before it reaches Seam. Query \`door\` for what it knows, runs and holds.`,
      });
    },
  };
}

export type DoorActivities = ReturnType<typeof createDoorActivities>;
