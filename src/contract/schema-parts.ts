/**
 * Schema pieces every part of the contract uses: issues as lines, durations, identifiers.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { identifierMaxLength, identifierPattern, workspaceAliasPattern } from './core';

/** A zod error as one line per issue: `path: message` (`(input)` for the whole value). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
}

// ---------------------------------------------------------------------------------------------
// Durations

const isoDurationPattern =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds from a number (ms), an ISO-8601 duration (`PT2M`) or a string like `90s`, `2 minutes`. */
export function parseDurationMs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const iso = isoDurationPattern.exec(value);
  if (iso && value !== 'P' && !value.endsWith('T')) {
    const [days, hours, minutes, seconds] = iso.slice(1).map((part) => Number(part ?? 0));
    return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  }
  try {
    const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

export function durationSchema(bounds: { minMs: number; maxMs: number }) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `not a duration: ${JSON.stringify(value)} (use ms, "PT2M" or "2 minutes")`,
      });
      return z.NEVER;
    }
    if (ms < bounds.minMs || ms > bounds.maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `duration must be between ${bounds.minMs} ms and ${bounds.maxMs} ms, got ${ms} ms`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

export const identifier = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(identifierMaxLength, `${what} must be at most ${identifierMaxLength} characters`)
    .regex(identifierPattern, `${what} may hold only letters, digits and . _ : -`);

/**
 * A Seam workspace's alias, as the worker's LOCKSTEP_SEAM_WORKSPACES file names it: never a key.
 * Lower-case letters, digits, `_` and `-`, at most 63 characters.
 */
export const workspaceAlias = z
  .string()
  .regex(
    workspaceAliasPattern,
    'workspace must be an alias: lower-case letters, digits, _ and - (at most 63), never a key (seam_...)',
  );
