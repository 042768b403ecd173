/**
 * Checks for the two payloads a lock action receives inside the workflow sandbox: the
 * "attempt ended" signal and the command activity's last heartbeat. Hand-written (no zod):
 * see contract/core.ts for why workflow code stays zod-free. The shapes: actionAttemptEndedSignalSchema
 * (contract/index.ts) and SentCommand (contract/core.ts).
 */
import { actionAttemptStatuses, type SentCommand } from '../contract/core';

/** The attempt an "ended" signal names ('*' when it names none); null when it is malformed or says pending. */
export function endedAttemptOf(signal: unknown): string | null {
  if (signal === undefined || signal === null) return '*';
  if (typeof signal !== 'object' || Array.isArray(signal)) return null;
  const { actionAttemptId, status, ...rest } = signal as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (actionAttemptId !== undefined && typeof actionAttemptId !== 'string') return null;
  if (status !== undefined && !(actionAttemptStatuses as readonly unknown[]).includes(status)) return null;
  if (status === 'pending') return null;
  return actionAttemptId ?? '*';
}

/** The command the activity said it sent, from its last heartbeat details; null when absent. */
export function sentCommandOf(heartbeatDetails: unknown): SentCommand | null {
  const details = heartbeatDetails as Partial<Record<keyof SentCommand, unknown>> | null | undefined;
  if (typeof details?.actionAttemptId !== 'string' || typeof details?.commandSentAt !== 'string') return null;
  return { actionAttemptId: details.actionAttemptId, commandSentAt: details.commandSentAt };
}
