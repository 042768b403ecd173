/**
 * The query answers and the schedule runs' input and result, as zod schemas: for the JSON Schema
 * files (json-schemas.ts) and for tests that read what the workflows answer. The workflows build
 * these shapes from TypeScript interfaces (sandbox code stays free of zod); each schema below is
 * checked at compile time to describe its interface exactly (`sameShape`), so the two cannot drift.
 */
import { z } from 'zod';
import { alertKindSchema } from './alerts';
import { stayStages, type ReservationView, type StayDoor } from './reservation-core';
import { failureCodes, lockActions, type LockAction } from './core';
import type { DoorKnowledge, DoorView } from './door';
import {
  doorActions,
  type DoorOutcome,
  type ScheduledDoorActionInput,
  type ScheduledDoorActionResult,
  type ScheduledRunDoor,
  type ScheduledRunView,
} from './scheduled-action';

/** Compiles only when the schema's output type and the interface are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function sameShape<A, B>(proof: Same<A, B>): void {
  void proof;
}

const isoTime = z.string();
const lockAction = z.enum(lockActions) satisfies z.ZodType<LockAction>;
const failureCode = z.enum(failureCodes);
const doorFailureCode = z.union([failureCode, z.enum(['ALREADY_STARTED', 'ENDED_WITHOUT_REPORT'])]);

const doorKnowledgeSchema = z.object({
  locked: z.boolean().nullable(),
  online: z.boolean().nullable(),
  lastAction: lockAction.nullable(),
  lastOutcome: z.string().nullable(),
  lastActionAttemptId: z.string().nullable(),
  updatedAt: isoTime.nullable(),
});
sameShape<z.infer<typeof doorKnowledgeSchema>, DoorKnowledge>(true);

/** The answer of a door's `door` query. */
export const doorViewSchema = z.object({
  deviceId: z.string(),
  knowledge: doorKnowledgeSchema,
  current: z
    .object({
      action: lockAction,
      requesters: z.array(z.string()),
      phase: z.string(),
      actionAttemptId: z.string().nullable(),
      sendBy: isoTime,
    })
    .nullable(),
  waiting: z
    .object({ action: lockAction, requesters: z.array(z.object({ workflowId: z.string(), sendBy: isoTime })) })
    .nullable(),
  commandsInLastMinute: z.number().int(),
  commandsRun: z.number().int(),
});
sameShape<z.infer<typeof doorViewSchema>, DoorView>(true);

const stayDoorSchema = z.object({
  deviceId: z.string(),
  removed: z.boolean(),
  checkInSettled: z.boolean(),
  unlockedByStay: z.boolean(),
  locked: z.boolean(),
  stopped: z.enum(['gave_up', 'superseded']).nullable(),
  lastOutcome: z.union([z.literal('success'), failureCode]).nullable(),
  lastAction: lockAction.nullable(),
  lastOutcomeAt: isoTime.nullable(),
  actions: z.number().int(),
  attention: z.array(alertKindSchema),
});
sameShape<z.infer<typeof stayDoorSchema>, StayDoor>(true);

/** The answer of a stay's `reservation` query. */
export const reservationViewSchema = z.object({
  reservationKey: z.string(),
  stage: z.enum(stayStages),
  checkIn: isoTime,
  checkOut: isoTime,
  unlockAtCheckIn: z.boolean(),
  lockAtCheckOut: z.boolean(),
  doors: z.array(stayDoorSchema),
  waitingFor: z.object({ what: z.string(), at: isoTime.nullable() }),
  attention: z.boolean(),
  revisions: z.number().int(),
});
sameShape<z.infer<typeof reservationViewSchema>, ReservationView>(true);

const scheduledRunDoorSchema = z.object({
  deviceId: z.string(),
  tries: z.number().int(),
  lastOutcome: z.union([z.literal('success'), doorFailureCode]).nullable(),
  lastOutcomeAt: isoTime.nullable(),
  attention: alertKindSchema.nullable(),
  stillTrying: z.boolean(),
});
sameShape<z.infer<typeof scheduledRunDoorSchema>, ScheduledRunDoor>(true);

const doorAction = z.enum(doorActions);

/** The answer of a schedule run's `scheduledRun` query. */
export const scheduledRunViewSchema = z.object({
  scheduleId: z.string(),
  action: doorAction,
  scheduledAt: isoTime,
  doors: z.array(scheduledRunDoorSchema),
});
sameShape<z.infer<typeof scheduledRunViewSchema>, ScheduledRunView>(true);

/** The input a door schedule gives each of its runs (ScheduledDoorActionWorkflow). */
export const scheduledDoorActionInputSchema = z
  .object({
    scheduleId: z.string(),
    action: doorAction,
    deviceIds: z.array(z.string()),
    unlockWindowMs: z.number().int().optional(),
    workspace: z.string().optional(),
  })
  .strict();
sameShape<z.infer<typeof scheduledDoorActionInputSchema>, ScheduledDoorActionInput>(true);

const doorOutcomeBase = {
  deviceId: z.string(),
  workflowId: z.string(),
  tries: z.number().int(),
  attention: alertKindSchema.nullable(),
};
const doorOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({
    ...doorOutcomeBase,
    ok: z.literal(true),
    actionAttemptId: z.string(),
    wasConfirmedByDevice: z.boolean().nullable(),
    warnings: z.array(z.string()),
  }),
  z.object({
    ...doorOutcomeBase,
    ok: z.literal(false),
    code: doorFailureCode,
    message: z.string(),
    commandSent: z.boolean().nullable(),
  }),
]);
sameShape<z.infer<typeof doorOutcomeSchema>, DoorOutcome>(true);

/** What a schedule run returns. */
export const scheduledDoorActionResultSchema = z.object({
  scheduleId: z.string(),
  action: doorAction,
  scheduledAt: isoTime,
  notAfter: isoTime.nullable(),
  doors: z.array(doorOutcomeSchema),
});
sameShape<z.infer<typeof scheduledDoorActionResultSchema>, ScheduledDoorActionResult>(true);
