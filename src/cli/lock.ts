/**
 * `lockstep lock <deviceId>` / `lockstep unlock <deviceId>`: start (or join) a lock action, follow
 * its progress on a terminal, print its verdict (or, with --json, its result or failure report).
 */
import { startLockAction, type LockActionOutcome } from '../client';
import { checkLockActionInput, type LockAction, type LockActionInput } from '../contract';
import { taskQueueFromEnv } from '../ops/config';
import { exitCodes, onePositional, parse, UsageError, withClient, type Io } from './args';
import { followLockAction } from './follow';
import { progressLine, renderOutcome } from './render';

/** Builds and checks the workflow input from CLI arguments; nothing connects before this passes. */
export function lockInputFromArgs(action: LockAction, argv: string[]): { input: LockActionInput; json: boolean } {
  const { values, positionals } = parse(argv, {
    'request-id': { type: 'string' },
    'not-after': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const deviceId = onePositional(positionals, 'deviceId');
  const timeout = values.timeout as string | undefined;
  const input: LockActionInput = {
    deviceId,
    ...(values['request-id'] !== undefined ? { requestId: values['request-id'] as string } : {}),
    ...(values['not-after'] !== undefined ? { notAfter: values['not-after'] as string } : {}),
    ...(timeout ? { timeout: /^\d+$/.test(timeout) ? Number(timeout) : timeout } : {}),
  };
  if (action === 'LOCK_DOOR' && input.notAfter) throw new UsageError('--not-after applies to unlock only');
  const checked = checkLockActionInput(input, { nowMs: Date.now() });
  if (!checked.ok) throw new UsageError(checked.issues.join('; '));
  return { input, json: values.json === true };
}

export async function lockCommand(io: Io, action: LockAction, argv: string[]): Promise<number> {
  const { input, json } = lockInputFromArgs(action, argv);
  const taskQueue = taskQueueFromEnv(io.env);
  return withClient(io, async (client) => {
    const handle = await startLockAction(client, action, input, { taskQueue });
    if (!json && io.isTTY) io.err(`started ${handle.workflowId}`);
    const outcome = await followLockAction(
      handle,
      !json && io.isTTY ? (p) => io.err(progressLine(action, input.deviceId, p)) : undefined,
    );
    return report(io, action, input.deviceId, outcome, json);
  });
}

/** The verdict (or the JSON document) of a finished lock action, and the exit code it means. */
export function report(
  io: Io,
  action: LockAction,
  deviceId: string,
  outcome: LockActionOutcome,
  json: boolean,
): number {
  if (json) io.out(JSON.stringify(outcome.ok ? outcome.result : outcome.report, null, 2));
  else io.out(renderOutcome(action, deviceId, outcome));
  return outcome.ok ? exitCodes.ok : exitCodes.actionFailed;
}
