/**
 * The alert lockstep POSTs to `LOCKSTEP_ALERT_URL` when a stay or a schedule needs a person at a
 * door, and again when that ends. Receivers in any language read this file for the JSON shape;
 * the zod-free part workflows use (kinds, states, the idempotency key) is ./alerts-core.ts.
 *
 * A receiver should ignore fields it does not know: later versions may add some. lockstep itself
 * sends only what this schema allows (it is strict), so a typo in a caller fails at once.
 */
import { z } from 'zod';
import { alertIdempotencyKey, alertKinds, alertStates, maxAlertIdLength } from './alerts-core';

export * from './alerts-core';

/** The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256>` (see src/activities/alerts/signature.ts). */
export const alertSignatureHeader = 'lockstep-signature';
/** The header that carries the alert's `idempotencyKey`, so a receiver can drop a repeat before parsing. */
export const alertIdempotencyKeyHeader = 'idempotency-key';

/** At most this many fields in `details`: it is context for a person, not a data dump. */
export const maxAlertDetails = 20;

export const alertKindSchema = z.enum(alertKinds);
export const alertStateSchema = z.enum(alertStates);

/** Visible ASCII only: the id travels in the `idempotency-key` header, which may hold no spaces or line breaks. */
const alertIdSchema = z
  .string()
  .min(1, 'alertId must not be empty')
  .max(maxAlertIdLength, `alertId must be at most ${maxAlertIdLength} characters`)
  .regex(/^[\x21-\x7e]+$/, 'alertId may hold only visible ASCII characters (no spaces)');

const nameOf = (what: string) => z.string().min(1, `${what} must not be empty`).max(1_000);

/** Where the alert comes from: the workflow that raised it, and the stay or schedule it serves. */
export const alertSourceSchema = z
  .object({
    workflowId: nameOf('source.workflowId'),
    reservationKey: nameOf('source.reservationKey').optional(),
    scheduleId: nameOf('source.scheduleId').optional(),
  })
  .strict();
export type AlertSource = z.infer<typeof alertSourceSchema>;

/**
 * Small, flat context for the person reading the alert: `failureCode` is the lock action's
 * failure code when one caused it (e.g. `DEVICE_OFFLINE`). Never put secrets here: the alert
 * is recorded in the workflow's history and sent to a third party.
 */
export const alertDetailsSchema = z
  .object({ failureCode: z.string().min(1).max(100).optional() })
  .catchall(z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .superRefine((details, ctx) => {
    const keys = Object.keys(details);
    if (keys.length > maxAlertDetails) {
      ctx.addIssue({ code: 'custom', message: `details may hold at most ${maxAlertDetails} fields` });
    }
    for (const key of keys.filter((k) => k.length === 0 || k.length > 100)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'details keys must be 1-100 characters' });
    }
  });
export type AlertDetails = z.infer<typeof alertDetailsSchema>;

export const alertSchema = z
  .object({
    /** `${alertId}/${state}` (see {@link alertIdempotencyKey}); also sent as the `idempotency-key` header. */
    idempotencyKey: z.string(),
    /** Names the incident: the same for its raise and its resolve, so a receiver can pair them. */
    alertId: alertIdSchema,
    kind: alertKindSchema,
    state: alertStateSchema,
    /** The Seam device id of the door. */
    deviceId: z.string().min(1, 'deviceId must not be empty').max(200),
    source: alertSourceSchema,
    /** One or two sentences for a person: what is wrong, or that it is over. */
    message: z.string().min(1, 'message must not be empty').max(1_000),
    /** When the raising workflow decided it (ISO-8601 with a zone), not when it was delivered. */
    at: z.iso.datetime({ offset: true, message: 'at must be an ISO-8601 date-time with a zone' }),
    details: alertDetailsSchema.optional(),
  })
  .strict()
  .refine((alert) => alert.idempotencyKey === alertIdempotencyKey(alert.alertId, alert.state), {
    path: ['idempotencyKey'],
    message: 'idempotencyKey must be <alertId>/<state>',
  });
export type Alert = z.infer<typeof alertSchema>;
