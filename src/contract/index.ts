/**
 * The contract between lockstep's worker and everything that starts its workflows.
 *
 * Callers in any language need only what is here, as plain JSON: the task queue, the workflow
 * type names, the workflow-ID scheme, the input, the result and the failure report. The
 * zod-free part (./core.ts) is re-exported; the schemas below are for clients,
 * activities and tests — not for workflow code (see core.ts for why). Door schedules have
 * their own module, ./schedules.ts (it builds on the schemas here, so it is not re-exported).
 */
import { workspaceField } from './core';
import { z } from 'zod';
import {
  actionAttemptStatuses,
  failureCodes,
  inputDefaults,
  lockActions,
  progressPhases,
  type LockActionPlan,
} from './core';
import { minActionTimeoutMs } from './timing-budget';

export * from './core';
export * from './alerts';
export * from './reservation';
export * from './door';
export * from './search-attributes';
export { describeIssues, parseDurationMs } from './schema-parts';
import { describeIssues, durationSchema, identifier, workspaceAlias } from './schema-parts';

export const lockActionSchema = z.enum(lockActions);

export const pollIntervalSchema = z
  .object({
    initial: durationSchema({ minMs: 100, maxMs: 10 * 60_000 }).optional(),
    max: durationSchema({ minMs: 100, maxMs: 60 * 60_000 }).optional(),
    multiplier: z.number().min(1).max(10).optional(),
  })
  .strict()
  .transform((p) => ({
    initialMs: p.initial ?? inputDefaults.pollInterval.initialMs,
    maxMs: p.max ?? Math.max(inputDefaults.pollInterval.maxMs, p.initial ?? 0),
    multiplier: p.multiplier ?? inputDefaults.pollInterval.multiplier,
  }))
  .refine((p) => p.maxMs >= p.initialMs, { message: 'pollInterval.max must be at least pollInterval.initial' });

export const lockActionInputSchema = z
  .object({
    deviceId: identifier('deviceId'),
    requestId: identifier('requestId').optional(),
    notAfter: z.iso
      .datetime({
        offset: true,
        message: 'notAfter must be an ISO-8601 date-time with a zone, e.g. 2026-11-25T20:00:00Z',
      })
      .optional(),
    timeout: durationSchema({ minMs: minActionTimeoutMs, maxMs: 24 * 60 * 60_000 }).optional(),
    watchWindow: durationSchema({ minMs: 0, maxMs: 30_000 }).optional(),
    pollInterval: pollIntervalSchema.optional(),
    verifyLockedState: z.boolean().optional(),
    metadata: z.record(z.string().max(100), z.string().max(1_000)).optional(),
    /** The Seam workspace (an alias the worker knows); the worker's default one when absent. */
    workspace: workspaceAlias.optional(),
  })
  .strict();

/** What a caller sends (plain JSON). */
export type LockActionInput = z.input<typeof lockActionInputSchema>;

/**
 * The plan for a valid input, or why it is not valid (one line per issue). `extraArguments`:
 * arguments a workflow was started with beyond its one input. `nowMs`: for callers about to
 * start an action, a `notAfter` already past is an issue too (no command could be sent); the
 * workflow itself reports that as DEADLINE_PASSED, since it may run long after it was started.
 */
export function checkLockActionInput(
  input: unknown,
  options: { extraArguments?: number; nowMs?: number } = {},
): { ok: true; plan: LockActionPlan } | { ok: false; issues: string[] } {
  const parsed = lockActionInputSchema.safeParse(input);
  const issues = parsed.success ? [] : describeIssues(parsed.error);
  const extra = options.extraArguments ?? 0;
  if (extra > 0) issues.push(`(arguments): expected exactly one argument, the input object; got ${1 + extra}`);
  const notAfter = parsed.success ? parsed.data.notAfter : undefined;
  if (options.nowMs !== undefined && notAfter !== undefined && Date.parse(notAfter) <= options.nowMs) {
    issues.push(`notAfter: ${notAfter} has already passed; no command could be sent`);
  }
  return parsed.success && issues.length === 0 ? { ok: true, plan: planFromInput(parsed.data) } : { ok: false, issues };
}

export function planFromInput(input: z.output<typeof lockActionInputSchema>): LockActionPlan {
  return {
    deviceId: input.deviceId,
    requestId: input.requestId,
    notAfter: input.notAfter,
    timeoutMs: input.timeout ?? inputDefaults.timeoutMs,
    watchWindowMs: input.watchWindow ?? inputDefaults.watchWindowMs,
    pollInterval: input.pollInterval ?? { ...inputDefaults.pollInterval },
    verifyLockedState: input.verifyLockedState ?? inputDefaults.verifyLockedState,
    metadata: input.metadata ?? {},
    ...workspaceField(input.workspace),
  };
}

// ---------------------------------------------------------------------------------------------
// Seam views shared by activities and workflows

export const actionAttemptStatusSchema = z.enum(actionAttemptStatuses);
export type ActionAttemptStatus = z.infer<typeof actionAttemptStatusSchema>;

/** What lockstep keeps of a Seam action attempt. */
export const actionAttemptViewSchema = z.object({
  actionAttemptId: z.string(),
  status: actionAttemptStatusSchema,
  /** `result.was_confirmed_by_device`; absent on older API versions and some providers: null. */
  wasConfirmedByDevice: z.boolean().nullable(),
  error: z.object({ type: z.string(), message: z.string() }).nullable(),
});
export type ActionAttemptView = z.infer<typeof actionAttemptViewSchema>;

/** What `devices.get` says about whether and how the device can act now. */
export const capabilitySnapshotSchema = z.object({
  deviceId: z.string(),
  canRemotelyLock: z.boolean().nullable(),
  canRemotelyUnlock: z.boolean().nullable(),
  online: z.boolean(),
  locked: z.boolean().nullable(),
  errors: z.array(z.object({ code: z.string(), message: z.string() })),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
});
export type CapabilitySnapshot = z.infer<typeof capabilitySnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Result, progress, failures

export const lockActionResultSchema = z.object({
  deviceId: z.string(),
  action: lockActionSchema,
  actionAttemptId: z.string(),
  wasConfirmedByDevice: z.boolean().nullable(),
  lockedAfter: z.boolean().nullable(),
  /** How lockstep knows it worked: Seam's attempt said success, or the device's state shows it. */
  confirmation: z.enum(['action_attempt', 'device_state']),
  polls: z.number().int(),
  warnings: z.array(z.string()),
  startedAt: z.string(),
  commandSentAt: z.string(),
  finishedAt: z.string(),
});
export type LockActionResult = z.infer<typeof lockActionResultSchema>;

export const progressSchema = z.object({
  phase: z.enum(progressPhases),
  polls: z.number().int(),
  actionAttemptId: z.string().nullable(),
  lastStatus: actionAttemptStatusSchema.nullable(),
});
export type Progress = z.infer<typeof progressSchema>;

export const actionAttemptEndedSignalSchema = z
  .object({ actionAttemptId: z.string().optional(), status: actionAttemptStatusSchema.optional() })
  .strict()
  .optional();
export type ActionAttemptEndedSignal = z.input<typeof actionAttemptEndedSignalSchema>;

export const failureCodeSchema = z.enum(failureCodes);

/** `details[0]` of every lockstep workflow failure. */
export const failureReportSchema = z.object({
  code: failureCodeSchema,
  message: z.string(),
  deviceId: z.string().nullable(),
  action: lockActionSchema,
  /** Set once a command reached Seam: the attempt the failure leaves behind. */
  actionAttemptId: z.string().nullable(),
  lastStatus: actionAttemptStatusSchema.nullable(),
  /** null: the command may have reached Seam, but no attempt id came back (see COMMAND_OUTCOME_UNKNOWN). */
  commandSent: z.boolean().nullable(),
  polls: z.number().int(),
  seamError: z.object({ type: z.string(), message: z.string() }).nullable(),
  seamRequestId: z.string().nullable(),
  capability: capabilitySnapshotSchema.nullable(),
  issues: z.array(z.string()),
  /** lockstep's warning codes that apply to a failure too (e.g. `lockstep_lock_resent`); absent from reports of older versions. */
  warnings: z.array(z.string()).default([]),
  /** SUPERSEDED: the workflow ID of the newer request that won; null otherwise (absent from older reports). */
  supersededBy: z.string().nullable().default(null),
});
export type FailureReport = z.infer<typeof failureReportSchema>;
