/**
 * Lenient zod views of the Seam responses lockstep reads. Seam's own runtime schemas are strict
 * (uuid ids, every field) where real providers and Seam's fake are loose, so we check only the
 * fields we act on and keep unknown ones out. A response that lacks them is a Seam contract
 * break: non-retryable SEAM_RESPONSE_INVALID, with the zod issues in the details.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  describeIssues,
  type ActionAttemptView,
  type ActivityFailureDetails,
  type CapabilitySnapshot,
} from '../../contract';

const deviceSchema = z.object({
  device_id: z.string(),
  can_remotely_lock: z.boolean().nullish(),
  can_remotely_unlock: z.boolean().nullish(),
  properties: z.object({
    online: z.boolean(),
    locked: z.boolean().nullish(),
  }),
  errors: z.array(z.object({ error_code: z.string(), message: z.string().default('') })).default([]),
  warnings: z.array(z.object({ warning_code: z.string(), message: z.string().default('') })).default([]),
});

const actionAttemptSchema = z.object({
  action_attempt_id: z.string(),
  status: z.enum(['pending', 'success', 'error']),
  result: z.object({ was_confirmed_by_device: z.boolean().nullish() }).nullish(),
  error: z.object({ type: z.string(), message: z.string().default('') }).nullish(),
});

function parseSeam<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw ApplicationFailure.nonRetryable(
      `Seam returned a malformed ${what}: ${issues.join('; ')}`,
      'SEAM_RESPONSE_INVALID',
      { issues } satisfies ActivityFailureDetails,
    );
  }
  return parsed.data;
}

export function toCapabilitySnapshot(device: unknown): CapabilitySnapshot {
  const d = parseSeam(deviceSchema, device, 'device');
  return {
    deviceId: d.device_id,
    canRemotelyLock: d.can_remotely_lock ?? null,
    canRemotelyUnlock: d.can_remotely_unlock ?? null,
    online: d.properties.online,
    locked: d.properties.locked ?? null,
    errors: d.errors.map((e) => ({ code: e.error_code, message: e.message })),
    warnings: d.warnings.map((w) => ({ code: w.warning_code, message: w.message })),
  };
}

export function toActionAttemptView(actionAttempt: unknown): ActionAttemptView {
  const a = parseSeam(actionAttemptSchema, actionAttempt, 'action attempt');
  return {
    actionAttemptId: a.action_attempt_id,
    status: a.status,
    // Absent means the provider cannot tell (or the API version predates the field): unknown.
    wasConfirmedByDevice: a.status === 'success' ? (a.result?.was_confirmed_by_device ?? null) : null,
    error: a.status === 'error' ? { type: a.error?.type ?? 'unknown', message: a.error?.message ?? '' } : null,
  };
}
