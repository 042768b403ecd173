/**
 * The stay's input, as plain JSON any caller can send: the start input of `ReservationWorkflow`
 * and the payload of its `upsert` update (the same shape). The zod-free part is in
 * ./reservation-core.ts.
 */
import { workspaceField } from './core';
import { z } from 'zod';
import {
  maxReservationDoors,
  maxReservationKeyLength,
  reservationDefaults,
  type ReservationPlan,
} from './reservation-core';
import { describeIssues, durationSchema, identifier, workspaceAlias } from './schema-parts';

export * from './reservation-core';

const dateTimeWithOffset = (what: string) =>
  z.iso.datetime({
    offset: true,
    message: `${what} must be an ISO-8601 date-time with an offset, e.g. 2026-12-01T15:00:00+01:00`,
  });

const day = 24 * 60 * 60_000;

export const reservationInputSchema = z
  .object({
    // Part of lock action request IDs and alert IDs, which have bounds of their own.
    reservationKey: identifier('reservationKey').max(
      maxReservationKeyLength,
      `reservationKey must be at most ${maxReservationKeyLength} characters`,
    ),
    deviceIds: z
      .array(identifier('deviceIds[]'))
      .min(1, 'deviceIds must name at least one door')
      .max(maxReservationDoors, `deviceIds may name at most ${maxReservationDoors} doors`)
      .refine((ids) => new Set(ids).size === ids.length, 'deviceIds must not repeat a door'),
    checkIn: dateTimeWithOffset('checkIn'),
    checkOut: dateTimeWithOffset('checkOut'),
    unlockAtCheckIn: z.boolean().optional(),
    unlockWindow: durationSchema({ minMs: 10_000, maxMs: day }).optional(),
    lockAtCheckOut: z.boolean().optional(),
    lockRetryHorizon: durationSchema({ minMs: 60_000, maxMs: 7 * day }).optional(),
    attentionAfter: durationSchema({ minMs: 0, maxMs: 7 * day }).optional(),
    watchAfterCheckOut: durationSchema({ minMs: 0, maxMs: 7 * day }).optional(),
    metadata: z.record(z.string().max(100), z.string().max(1_000)).optional(),
    /** The Seam workspace of every door (an alias the workers serve); the default one when absent. */
    workspace: workspaceAlias.optional(),
  })
  .strict()
  .refine((r) => Date.parse(r.checkOut) > Date.parse(r.checkIn), {
    message: 'checkOut must be after checkIn',
    path: ['checkOut'],
  });

/** What a caller sends (plain JSON). */
export type ReservationInput = z.input<typeof reservationInputSchema>;

/** The plan for a valid reservation, or why it is not valid (one line per issue). */
export function checkReservationInput(
  input: unknown,
): { ok: true; plan: ReservationPlan } | { ok: false; issues: string[] } {
  const parsed = reservationInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: describeIssues(parsed.error) };
  const r = parsed.data;
  return {
    ok: true,
    plan: {
      reservationKey: r.reservationKey,
      deviceIds: r.deviceIds,
      checkInMs: Date.parse(r.checkIn),
      checkOutMs: Date.parse(r.checkOut),
      unlockAtCheckIn: r.unlockAtCheckIn ?? reservationDefaults.unlockAtCheckIn,
      unlockWindowMs: r.unlockWindow ?? reservationDefaults.unlockWindowMs,
      lockAtCheckOut: r.lockAtCheckOut ?? reservationDefaults.lockAtCheckOut,
      lockRetryHorizonMs: r.lockRetryHorizon ?? reservationDefaults.lockRetryHorizonMs,
      attentionAfterMs: r.attentionAfter ?? reservationDefaults.attentionAfterMs,
      watchAfterCheckOutMs: r.watchAfterCheckOut ?? reservationDefaults.watchAfterCheckOutMs,
      metadata: r.metadata ?? {},
      ...workspaceField(r.workspace),
    },
  };
}
