/**
 * What Seam saw of a door, held against the lock actions' outcomes (the door-ordering tests):
 * the simulator's command log with each command's attempt, and typed outcome checks.
 */
import type { LockActionOutcome } from '../../src/client';
import type { FailureCode, FailureReport, LockActionResult } from '../../src/contract';
import type { CommandLogEntry, SeamSimulator } from '../../src/dev/simulator/seam-simulator';

export function expectSuccess(outcome: LockActionOutcome): LockActionResult {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}: ${outcome.report.message}`);
  return outcome.result;
}

export function expectFailure(outcome: LockActionOutcome, code: FailureCode): FailureReport {
  if (outcome.ok) throw new Error(`expected ${code}, got success ${JSON.stringify(outcome.result)}`);
  expect(outcome.code).toBe(code);
  return outcome.report;
}

export interface SeamCommand extends CommandLogEntry {
  /** When Seam created the command's attempt and when it ended (null: still pending). */
  attempt: { createdAtMs: number; endedAtMs: number | null } | undefined;
}

/** What Seam saw of a device: its commands in arrival order, each with the attempt it created. */
export function seamCommandsOf(sim: SeamSimulator, deviceId: string): SeamCommand[] {
  const attempts = new Map(sim.actionAttempts().map((a) => [a.actionAttemptId, a]));
  return sim
    .commandLog()
    .filter((c) => c.deviceId === deviceId)
    .map((c) => ({ ...c, attempt: c.actionAttemptId ? attempts.get(c.actionAttemptId) : undefined }));
}

/**
 * Seam never holds two attempts of the device in flight: every command was accepted, and each
 * arrived only after the previous command's attempt had ended. Returns the commands.
 */
export function expectOneAttemptInFlight(sim: SeamSimulator, deviceId: string): SeamCommand[] {
  const commands = seamCommandsOf(sim, deviceId);
  const overlaps = commands.slice(1).flatMap((command, i) => {
    const endedAtMs = commands[i].attempt?.endedAtMs;
    if (endedAtMs != null && command.receivedAtMs >= endedAtMs) return [];
    const when = endedAtMs == null ? 'it never ended' : `${endedAtMs - command.receivedAtMs} ms before it ended`;
    return [`command ${i + 2} (${command.action}) arrived while attempt ${i + 1} was in flight (${when})`];
  });
  expect(overlaps).toEqual([]);
  expect(commands.filter((c) => !c.accepted || c.fault !== null)).toEqual([]);
  return commands;
}
