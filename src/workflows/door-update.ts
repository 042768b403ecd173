/**
 * A lock action asked of its door directly: the door's `lockAction` update, sent with
 * update-with-start on `door/<deviceId>`. The steps are a lock action's — the device check
 * (which validates the input: nothing reaches Seam for input that fails it), the capability
 * verdict, the door's queue, the conclusion — in the door itself: no second workflow, no request
 * or verdict signal, and the door's own workflow task that learns how the command ended answers
 * the caller.
 */
import { ApplicationFailure, currentUpdateInfo, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { LockActionResult } from '../contract';
import type { FailureCode } from '../contract/core';
import type { DoorLockActionRequest, Requester } from '../contract/door';
import { assessCapability, sendByMs } from '../decisions';
import { seamReads } from './command';
import type { DoorKeeper } from './door-keeper';
import { adopt } from './door-request';
import { cancelledFailure, checkingState, lockActionFailure, seamStep } from './failures';
import { conclude } from './lock-action';
import { countLockActionEnd } from './metrics';

/**
 * Serves one `lockAction` update: its result, or its typed failure (the same codes and report as
 * `LockDoorWorkflow`'s). The send-by deadline counts from the update's arrival at the door.
 */
export async function serveLockActionUpdate(
  door: DoorKeeper,
  request: DoorLockActionRequest,
): Promise<LockActionResult> {
  const updateId = currentUpdateInfo()!.id;
  const startedAt = new Date();
  const { action } = request;
  const state = checkingState(action, door.deviceId);
  const begun = door.beginUpdate(updateId);
  try {
    if (begun === 'withdrawn') throw cancelledFailure(state);
    if (begun === 'answered') {
      throw lockActionFailure(
        state,
        'INVALID_INPUT',
        `request ${updateId} was answered by an earlier run of this door (its outcome went to that call); nothing was sent for this one`,
      );
    }
    const { plan, capability } = await seamStep(state, () =>
      seamReads.checkDevice({ input: request.input, action, workflowStartedAt: startedAt.toISOString() }),
    );
    state.capability = capability;
    if (plan.deviceId !== door.deviceId)
      throw lockActionFailure(
        state,
        'INVALID_INPUT',
        `deviceId ${plan.deviceId} is not this door's (${door.deviceId})`,
      );
    const verdict = assessCapability(capability, action);
    if (!verdict.act) throw lockActionFailure(state, verdict.code, verdict.reason);
    if (door.updateWithdrawn(updateId)) throw cancelledFailure(state);

    const requester: Requester = { workflowId: updateId, runId: workflowInfo().runId, updateId };
    const sendBy = sendByMs(startedAt.getTime(), plan);
    state.progress.phase = 'door';
    // Update IDs are unique within a run (Temporal de-duplicates them): a refusal here is a fault.
    if (!door.admit({ requester, action, plan, sendBy, capability }))
      throw lockActionFailure(state, 'INVALID_INPUT', `request ${updateId} is already held by this door`);
    const answer = await door.updateVerdict(updateId);
    // Taken: the door need not wait for the rest (a read-back may take seconds; it adds commands
    // of its own in this same turn, before the door's next step).
    door.verdictTaken(updateId);
    const { observation, sent } = adopt(state, answer);
    const result = await conclude(state, plan, observation, {
      startedAt,
      commandSentAt: sent.commandSentAt,
      deadlineMs: sendBy,
    });
    countLockActionEnd(action, 'success', startedAt);
    return result;
  } catch (err) {
    // The door itself cancelled (an operator): what waited was answered CANCELLED, nothing sent.
    const failure = isCancellation(err) ? cancelledFailure(state) : err;
    if (failure instanceof ApplicationFailure) countLockActionEnd(action, failure.type as FailureCode, startedAt);
    throw failure;
  } finally {
    if (begun === 'new') door.endUpdate(updateId);
  }
}
