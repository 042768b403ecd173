/**
 * `lockstep status <workflowId>`: a running lock action's progress, or a finished one's verdict.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { queryProgress } from '../client';
import { lockActionOfWorkflowType, parseLockActionWorkflowId } from '../contract';
import { exitCodes, onePositional, parse, UsageError, withClient, type Io } from './args';
import { followLockAction } from './follow';
import { report } from './lock';
import { progressLine } from './render';

export async function statusCommand(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
  const workflowId = onePositional(positionals, 'workflowId');
  return withClient(io, async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError)
        throw new UsageError(`no workflow ${workflowId} in namespace ${client.options.namespace}`);
      throw err;
    });
    const action = lockActionOfWorkflowType(description.type);
    if (!action) throw new UsageError(`${workflowId} is a ${description.type}, not a lock action`);
    // A lock action started under another ID scheme still has a status; name the ID then.
    const deviceId = parseLockActionWorkflowId(workflowId)?.deviceId ?? workflowId;
    if (description.status.name === 'RUNNING') {
      const progress = await queryProgress(handle);
      io.out(
        values.json
          ? JSON.stringify({ status: 'RUNNING', progress }, null, 2)
          : progressLine(action, deviceId, progress),
      );
      return exitCodes.ok;
    }
    return report(io, action, deviceId, await followLockAction(handle), values.json === true);
  });
}
