/**
 * The simulator's webhooks, as Seam sends them: each event a JSON body signed the Svix way
 * (`svix-id`, `svix-timestamp`, `svix-signature: v1,<base64 HMAC-SHA256 of "<id>.<ts>.<body>">`
 * keyed with the base64 after `whsec_`), redelivered on any non-2xx answer or network error
 * with the same `svix-id`, signed afresh each time. Seam redelivers at once, then 5 s, 5 min, ...;
 * here the schedule is compressed to seconds. Signed here with Node's crypto, not with the
 * library the receiver verifies with, so that a test of one is not a test of itself.
 *
 * Delivery faults, drawn per event from the simulator's seeded random: dropped (never sent),
 * duplicated (sent twice, as a redelivery would), delayed, reordered (held back until the next
 * event has gone), signed with a wrong secret, or stamped stale (10 minutes old).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { webhookSecretPattern } from '../../contract/core';

export const webhookFaultsSchema = z
  .object({
    dropRate: z.number().min(0).max(1).default(0),
    duplicateRate: z.number().min(0).max(1).default(0),
    /** Added before each event's first delivery. */
    delayMs: z.number().int().min(0).max(60_000).default(0),
    /** Events go in swapped pairs: each held one goes right after the next (a last one after 1 s). */
    reorder: z.boolean().default(false),
    wrongSecretRate: z.number().min(0).max(1).default(0),
    staleRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type WebhookFaults = z.infer<typeof webhookFaultsSchema>;

export const webhookTargetSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().regex(webhookSecretPattern),
    faults: webhookFaultsSchema.default(webhookFaultsSchema.parse({})),
  })
  .strict();
export type WebhookTarget = z.infer<typeof webhookTargetSchema>;
export type WebhookTargetInput = z.input<typeof webhookTargetSchema>;

/** Redeliveries after the first try, compressed from Seam's (5 s, 5 min, 30 min, ...). */
export const redeliveryDelaysMs = [200, 1_000, 3_000, 10_000] as const;

/** One try to deliver one event, as the receiver answered it. */
export interface WebhookDelivery {
  svixId: string;
  eventId: string;
  eventType: string;
  deviceId: string | null;
  /** The fault that shaped this try, if any. */
  fault: 'duplicate' | 'wrong_secret' | 'stale' | null;
  /** The receiver's HTTP status; null when it could not be reached. */
  status: number | null;
  atMs: number;
}

/** What the simulator says happened; the sender adds `event_id`, `workspace_id`, `created_at`. */
export interface SimulatedEvent {
  event_type: string;
  occurred_at: string;
  device_id?: string;
  [field: string]: unknown;
}

export const simulatorWorkspaceId = '00000000-0000-4000-8000-000000000001';

export class WebhookSender {
  private target: WebhookTarget | null = null;
  private readonly log: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private held: (() => void) | null = null;
  private closed = false;
  /** Events dropped by the `dropRate` fault, never sent. */
  dropped = 0;

  constructor(private readonly random: () => number) {}

  /** Sends from now on to `target` (null: stops sending). */
  configure(target: WebhookTargetInput | null): WebhookTarget | null {
    this.target = target === null ? null : webhookTargetSchema.parse(target);
    return this.target;
  }

  get configured(): boolean {
    return this.target !== null;
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  /** Queues one event for delivery under the faults configured now. */
  emit(event: SimulatedEvent): void {
    const target = this.target;
    if (!target || this.closed) return;
    const { faults } = target;
    if (this.random() < faults.dropRate) {
      this.dropped++;
      return;
    }
    const body = JSON.stringify({
      event_id: randomUUID(),
      workspace_id: simulatorWorkspaceId,
      created_at: new Date().toISOString(),
      ...event,
    });
    const message = { svixId: `msg_${randomUUID().replace(/-/g, '')}`, body, event };
    const shaping = {
      duplicate: this.random() < faults.duplicateRate,
      wrongSecret: this.random() < faults.wrongSecretRate,
      stale: this.random() < faults.staleRate,
    };
    const send = () => {
      void this.deliver(target, message, shaping, 0);
      if (shaping.duplicate) void this.deliver(target, message, { ...shaping, duplicateCopy: true }, 0);
    };
    const afterDelay = faults.delayMs > 0 ? () => this.later(faults.delayMs, send) : send;
    if (!faults.reorder) return afterDelay();
    // Reordered: one held back goes right after this one; else this one waits for the next (1 s at most).
    const held = this.held;
    if (held) {
      this.held = null;
      afterDelay();
      return held();
    }
    this.held = afterDelay;
    this.later(1_000, () => {
      if (this.held === afterDelay) {
        this.held = null;
        afterDelay();
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) run();
    }, ms);
    this.timers.add(timer);
  }

  private async deliver(
    target: WebhookTarget,
    message: { svixId: string; body: string; event: SimulatedEvent },
    shaping: { duplicate: boolean; wrongSecret: boolean; stale: boolean; duplicateCopy?: boolean },
    tryIndex: number,
  ): Promise<void> {
    const nowSeconds = Math.floor(Date.now() / 1000) - (shaping.stale ? 600 : 0);
    const secret = shaping.wrongSecret ? otherSecret(target.secret) : target.secret;
    let status: number | null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'svix-id': message.svixId,
          'svix-timestamp': String(nowSeconds),
          'svix-signature': svixSignature(secret, message.svixId, nowSeconds, message.body),
        },
        body: message.body,
        signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = null;
    }
    const fault = shaping.duplicateCopy
      ? 'duplicate'
      : shaping.wrongSecret
        ? 'wrong_secret'
        : shaping.stale
          ? 'stale'
          : null;
    const eventId = (JSON.parse(message.body) as { event_id: string }).event_id;
    this.log.push({
      svixId: message.svixId,
      eventId,
      eventType: message.event.event_type,
      deviceId: message.event.device_id ?? null,
      fault,
      status,
      atMs: Date.now(),
    });
    const accepted = status !== null && status >= 200 && status < 300;
    // Like Svix: redelivered until accepted or out of tries; a faulty signature stays faulty.
    if (!accepted && tryIndex < redeliveryDelaysMs.length && !this.closed)
      this.later(redeliveryDelaysMs[tryIndex], () => void this.deliver(target, message, shaping, tryIndex + 1));
  }
}

/** The `svix-signature` header's value for one delivery. */
export function svixSignature(secret: string, svixId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const digest = createHmac('sha256', key).update(`${svixId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

/** A fresh Svix-style secret: `whsec_` and the base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** Another valid secret than `secret`, for the wrong-secret fault. */
function otherSecret(secret: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  key[0] ^= 0xff;
  return `whsec_${key.toString('base64')}`;
}
