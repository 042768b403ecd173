/**
 * The contract as JSON Schema (draft 2020-12), for callers that do not read TypeScript: each
 * file under `schemas/` is generated from the zod schema lockstep itself checks with (zod 4's
 * own `toJSONSchema`), so the two cannot drift — `test/contract/json-schemas.test.ts` fails when
 * a checked-in file is not what this produces (`make schemas` rewrites them). Inputs are
 * described as callers send them (defaults optional, unknown fields refused where lockstep
 * refuses them); outputs as a reader should accept them (see jsonSchemaOf). The files hold the
 * shapes, not every rule: zod's refinements (no repeated device, check-out after check-in, a
 * duration's bounds) are lockstep's to check.
 */
import { z } from 'zod';
import {
  actionAttemptEndedSignalName,
  actionAttemptEndedSignalSchema,
  failureReportSchema,
  lockActionInputSchema,
  lockActionResultSchema,
  progressQueryName,
  progressSchema,
  reservationInputSchema,
  reservationQueryName,
  reservationUpdateNames,
  workflowTypes,
} from './index';
import { alertSchema } from './alerts';
import { doorQueryName } from './door';
import { scheduledRunQueryName } from './scheduled-action';
import { doorScheduleSchema } from './schedules';
import {
  doorViewSchema,
  reservationViewSchema,
  scheduledDoorActionInputSchema,
  scheduledDoorActionResultSchema,
  scheduledRunViewSchema,
} from './views';

interface ContractSchema {
  /** The file: `schemas/<name>.schema.json`. */
  name: string;
  /** What carries it, in Temporal's words (a workflow's input, a query's answer, ...). */
  description: string;
  schema: z.ZodType;
  /** Who writes it: a caller (input) or lockstep (output). */
  io: 'input' | 'output';
}

const lockActions = `${workflowTypes.LOCK_DOOR} / ${workflowTypes.UNLOCK_DOOR}`;

export const contractSchemas: readonly ContractSchema[] = [
  {
    name: 'lock-action-input',
    description: `The input (the one workflow argument) of ${lockActions}.`,
    schema: lockActionInputSchema,
    io: 'input',
  },
  {
    name: 'lock-action-result',
    description: `The result of ${lockActions} when the door did what was asked.`,
    schema: lockActionResultSchema,
    io: 'output',
  },
  {
    name: 'failure-report',
    description: `The report a failed ${lockActions} carries: its ApplicationFailure's type is \`code\`, its details[0] is this.`,
    schema: failureReportSchema,
    io: 'output',
  },
  {
    name: 'lock-action-progress',
    description: `The answer of the query \`${progressQueryName}\` of ${lockActions}.`,
    schema: progressSchema,
    io: 'output',
  },
  {
    name: 'action-attempt-ended-signal',
    description: `The payload of the signal \`${actionAttemptEndedSignalName}\` to ${lockActions} (e.g. from a Seam webhook).`,
    schema: actionAttemptEndedSignalSchema,
    io: 'input',
  },
  {
    name: 'reservation-input',
    description: `The input of ${workflowTypes.RESERVATION}, and the argument of its update \`${reservationUpdateNames.upsert}\`.`,
    schema: reservationInputSchema,
    io: 'input',
  },
  {
    name: 'door-schedule',
    description: 'A door schedule definition (`lockstep schedule create --file`, `createDoorSchedule`).',
    schema: doorScheduleSchema,
    io: 'input',
  },
  {
    name: 'reservation-view',
    description: `The answer of the query \`${reservationQueryName}\` of ${workflowTypes.RESERVATION} (and of its updates).`,
    schema: reservationViewSchema,
    io: 'output',
  },
  {
    name: 'door-view',
    description: `The answer of the query \`${doorQueryName}\` of ${workflowTypes.DOOR} (\`door/<deviceId>\`).`,
    schema: doorViewSchema,
    io: 'output',
  },
  {
    name: 'scheduled-run-input',
    description: `The input a door schedule gives each run of ${workflowTypes.SCHEDULED_DOOR_ACTION}.`,
    schema: scheduledDoorActionInputSchema,
    io: 'input',
  },
  {
    name: 'scheduled-run-result',
    description: `The result of a run of ${workflowTypes.SCHEDULED_DOOR_ACTION}: every door's outcome.`,
    schema: scheduledDoorActionResultSchema,
    io: 'output',
  },
  {
    name: 'scheduled-run-view',
    description: `The answer of the query \`${scheduledRunQueryName}\` of ${workflowTypes.SCHEDULED_DOOR_ACTION}.`,
    schema: scheduledRunViewSchema,
    io: 'output',
  },
  {
    name: 'alert',
    description: 'The body of an alert lockstep POSTs to LOCKSTEP_ALERT_URL (see lockstep-signature).',
    schema: alertSchema,
    io: 'output',
  },
];

/** The JSON Schema of one contract schema, as its file holds it. */
export function jsonSchemaOf(entry: ContractSchema): Record<string, unknown> {
  // Both directions as zod's input view: an output is described as a reader should accept it
  // (fields with defaults may be absent in reports of older versions; unknown fields a later
  // version adds are allowed) — not as strictly as lockstep writes it today.
  const generated = z.toJSONSchema(entry.schema, { io: 'input' });
  return {
    $id: `https://lockstep.invalid/schemas/${entry.name}.schema.json`,
    title: entry.name,
    description: entry.description,
    ...generated,
  };
}

/** The text of a schema file: stable key order from the generator, two-space indent, a final newline. */
export function jsonSchemaText(entry: ContractSchema): string {
  return `${JSON.stringify(jsonSchemaOf(entry), null, 2)}\n`;
}
