/**
 * A Seam-compatible HTTP server for the routes lockstep uses (`/devices/get`,
 * `/locks/lock_door`, `/locks/unlock_door`, `/action_attempts/get`), with the same JSON shapes
 * and API-key auth, so the product runs and is tested with the real `seam` SDK and no Seam
 * account. Unlike Seam's own fake it models behaviour: each device has a scenario (capability
 * flags, online state, errors and warnings, how long an attempt stays pending, how it ends,
 * whether the device confirms it) and fault rules by count or rate, per device or for the whole
 * workspace: failures before Seam acts (503, 429, connection reset) and after it acted (the
 * response lost, or trickled so slowly that only a wall-clock deadline ends the wait). It counts
 * commands per device and logs each one with its arrival time, so tests can prove there are no
 * duplicates and no late sends.
 *
 * Control routes under `/_simulator/` (no auth: bind it to loopback) let other processes set
 * scenarios, inject faults and read counts and the command log. A connect that never completes
 * is not a fault here (see `stalled-listener.ts`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { simulatorWorkspaceId, WebhookSender, type SimulatedEvent, type WebhookTargetInput } from './webhook-sender';

export const seamRoutes = ['/devices/get', '/locks/lock_door', '/locks/unlock_door', '/action_attempts/get'] as const;
export type SeamRoute = (typeof seamRoutes)[number];

export const faultKinds = [
  '503',
  '429',
  'reset',
  '400',
  '409',
  'acted-then-reset',
  'stall-response',
  'malformed',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const faultRuleSchema = z.object({
  /** Route the fault hits; all routes when absent. */
  route: z.enum(seamRoutes).optional(),
  /**
   * Before Seam acts (nothing reached it; safe to send again): `503` with a non-JSON body (a
   * proxy's error page), `429` with Seam's JSON error, `reset` (the socket destroyed), and the
   * rejections `400` (Seam's `invalid_input`) and `409` (another 4xx Seam error).
   * After Seam acted (a command's attempt exists; a read is counted), the dangerous ones:
   * `acted-then-reset` destroys the socket before any response byte; `stall-response` sends the
   * headers and then trickles the body, a byte every `trickleMs`, for `stallMs`, so a client's
   * idle-socket timeout (axios `timeout` in Node) never fires and only a wall-clock bound ends it;
   * `malformed` answers 200 with the route's object lacking the fields a client acts on.
   */
  kind: z.enum(faultKinds),
  /** Fail the next `count` matching requests... */
  count: z.number().int().min(1).optional(),
  /** ...or each matching request with this probability (seeded, reproducible). */
  rate: z.number().min(0).max(1).optional(),
  /** `stall-response`: how long the body takes to complete (default 60 s). */
  stallMs: z.number().int().min(0).optional(),
  /** `stall-response`: the gap between two bytes, below any idle timeout under test (default 500 ms). */
  trickleMs: z.number().int().min(1).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export const attemptScenarioSchema = z.object({
  /** Wall-clock time the attempt stays pending after the command. */
  pendingMs: z.number().min(0).default(0),
  /** Reads of the attempt that still answer pending (independent of time: for time-skipping tests). */
  pendingReads: z.number().int().min(0).default(0),
  /** How the attempt ends; `never` keeps it pending until changed through `resolveActionAttempt`. */
  outcome: z.enum(['success', 'error', 'never']).default('success'),
  errorType: z.string().default('device_offline'),
  errorMessage: z.string().default('The device did not respond.'),
  /** `result.was_confirmed_by_device`; null leaves the field out (older API versions, some providers). */
  wasConfirmedByDevice: z.boolean().nullable().default(true),
  /** Whether a success changes `properties.locked` (false: a lock that reports no state change). */
  updatesLockedState: z.boolean().default(true),
});
export type AttemptScenario = z.infer<typeof attemptScenarioSchema>;

export const deviceScenarioSchema = z.object({
  deviceId: z.string().min(1),
  name: z.string().default('Front door'),
  /** null leaves the flag out of the device, as Seam does when it does not know. */
  canRemotelyLock: z.boolean().nullable().default(true),
  canRemotelyUnlock: z.boolean().nullable().default(true),
  online: z.boolean().default(true),
  locked: z.boolean().nullable().default(false),
  errors: z
    .array(z.object({ error_code: z.string(), message: z.string(), is_device_error: z.boolean().default(true) }))
    .default([]),
  warnings: z.array(z.object({ warning_code: z.string(), message: z.string() })).default([]),
  attempt: attemptScenarioSchema.default(attemptScenarioSchema.parse({})),
  faults: z.array(faultRuleSchema).default([]),
  /** Delay before answering `/devices/get`, to hold a workflow in its capability check. */
  devicesGetDelayMs: z.number().min(0).default(0),
});
export type DeviceScenario = z.infer<typeof deviceScenarioSchema>;
export type DeviceScenarioInput = z.input<typeof deviceScenarioSchema>;

export interface SeamSimulatorOptions {
  /** The API key clients must present (`Authorization: Bearer <key>`); {@link SeamSimulator.rotateApiKey} changes it. */
  apiKey: string;
  /** The devices it starts with. @default [] */
  devices?: DeviceScenarioInput[];
  /** @default '127.0.0.1' (its control routes have no auth: keep it on loopback) */
  host?: string;
  /** @default 0 (a free port; read `url` after start) */
  port?: number;
  /** Seed for rate-based faults: the same seed draws the same faults. @default 1 */
  seed?: number;
  /** Where to send webhooks (see webhook-sender.ts); {@link SeamSimulator.setWebhooks} changes it. @default none */
  webhooks?: WebhookTargetInput;
}

interface StoredAttempt {
  id: string;
  deviceId: string;
  actionType: 'LOCK_DOOR' | 'UNLOCK_DOOR';
  createdAtMs: number;
  reads: number;
  scenario: AttemptScenario;
  /** Set once final: by time/reads, or by `resolveActionAttempt`. */
  ended: { status: 'success' | 'error'; atMs: number; errorType?: string; errorMessage?: string } | null;
  /**
   * When a read first found it ended (benchmarks: what follows is the reader's own delay); taken
   * before the read's faults, if any (make bench injects none).
   */
  endReadAtMs: number | null;
}

/** A command request that reached the handler (authenticated, known device), in arrival order. */
export interface CommandLogEntry {
  deviceId: string;
  action: 'LOCK_DOOR' | 'UNLOCK_DOOR';
  /** Taken as the request arrives, before its body is read: "late" is judged at arrival. */
  receivedAtMs: number;
  /** Whether it created an action attempt: it reached "Seam", whatever the client then saw. */
  accepted: boolean;
  actionAttemptId: string | null;
  /** The fault injected into it, if any. */
  fault: FaultKind | null;
}

export interface DeviceCounts {
  /** Command requests that reached the handler (including those failed by a fault). */
  commandsReceived: number;
  /** Commands that created an action attempt: what actually reached "Seam". */
  commandsAccepted: number;
  actionAttemptReads: number;
  deviceReads: number;
}

class SeamApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class SeamSimulator {
  private readonly devices = new Map<string, DeviceScenario>();
  private readonly attempts = new Map<string, StoredAttempt>();
  private readonly counts = new Map<string, DeviceCounts>();
  private readonly commands: CommandLogEntry[] = [];
  /** Workspace-wide rules, consulted when no rule of the device fires. */
  private globalFaults: FaultRule[] = [];
  /** Stops for the `stall-response` bodies still trickling: `close()` leaves no timer behind. */
  private readonly stalls = new Set<() => void>();
  private random: () => number;
  /** Attempt ends due by time, when webhooks go out: the attempt ends then (not when first read). */
  private readonly endTimers = new Set<NodeJS.Timeout>();
  readonly webhooks: WebhookSender;
  private server: Server | null = null;
  url = '';

  /** The one key Seam accepts now; {@link rotateApiKey} changes it, as a key rotation would. */
  private apiKey: string;

  constructor(private readonly options: SeamSimulatorOptions) {
    this.apiKey = options.apiKey;
    this.random = seededRandom(options.seed ?? 1);
    // A stream of its own: turning webhooks on does not change which HTTP faults a seed draws.
    this.webhooks = new WebhookSender(seededRandom((options.seed ?? 1) + 0x9e3779b9));
    if (options.webhooks) this.webhooks.configure(options.webhooks);
    for (const device of options.devices ?? []) this.setDevice(device);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = this.server.address() as AddressInfo;
    this.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const stop of this.stalls) stop();
    for (const timer of this.endTimers) clearTimeout(timer);
    this.webhooks.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts only `apiKey` from now on: clients still holding the old key get 401. */
  rotateApiKey(apiKey: string): void {
    this.apiKey = apiKey;
  }

  /** Adds a device or replaces its scenario (unset fields take their defaults). */
  setDevice(input: DeviceScenarioInput): DeviceScenario {
    const scenario = deviceScenarioSchema.parse(input);
    this.devices.set(scenario.deviceId, scenario);
    return scenario;
  }

  /**
   * Changes part of a device's scenario. A change of its connection or lock state is an event:
   * `device.connected` / `device.disconnected`, `lock.locked` / `lock.unlocked` (by hand).
   */
  updateDevice(deviceId: string, patch: Partial<DeviceScenarioInput>): DeviceScenario {
    const current = this.devices.get(deviceId);
    if (!current) throw new Error(`simulator: no device ${deviceId}`);
    const updated = this.setDevice({ ...current, ...patch, deviceId });
    const occurred_at = new Date().toISOString();
    if (updated.online !== current.online)
      this.webhooks.emit({
        event_type: updated.online ? 'device.connected' : 'device.disconnected',
        occurred_at,
        device_id: deviceId,
        ...(updated.online ? {} : { error_code: 'device_disconnected' }),
      });
    if (updated.locked !== null && updated.locked !== current.locked)
      this.webhooks.emit(lockEvent(deviceId, updated.locked, occurred_at, { method: 'manual' }));
    return updated;
  }

  /** Sends webhooks to `target` from now on (null: none). */
  setWebhooks(target: WebhookTargetInput | null): void {
    this.webhooks.configure(target);
  }

  /** Sets the workspace-wide fault rules (replacing the previous ones); a device's own rules take precedence. */
  setGlobalFaults(rules: FaultRuleInput[]): FaultRule[] {
    this.globalFaults = z.array(faultRuleSchema).parse(rules);
    return this.globalFaults;
  }

  /** Every command that reached the handler, in arrival order. */
  commandLog(): CommandLogEntry[] {
    return this.commands.map((c) => ({ ...c }));
  }

  /** `stall-response` bodies still trickling: 0 once their clients have gone. */
  stalledResponses(): number {
    return this.stalls.size;
  }

  deviceIds(): string[] {
    return [...this.devices.keys()];
  }

  device(deviceId: string): DeviceScenario | undefined {
    return this.devices.get(deviceId);
  }

  countsFor(deviceId: string): DeviceCounts {
    let counts = this.counts.get(deviceId);
    if (!counts) {
      counts = { commandsReceived: 0, commandsAccepted: 0, actionAttemptReads: 0, deviceReads: 0 };
      this.counts.set(deviceId, counts);
    }
    return counts;
  }

  /** Ends a pending attempt now (as a webhook-worthy event would happen on real Seam). */
  resolveActionAttempt(
    actionAttemptId: string,
    status: 'success' | 'error',
    error?: { type: string; message: string },
  ): void {
    const attempt = this.attempts.get(actionAttemptId);
    if (!attempt) throw new Error(`simulator: no action attempt ${actionAttemptId}`);
    this.end(attempt, status, Date.now(), error);
  }

  /** Action attempts in creation order, with when they ended: for benchmarks and tests. */
  actionAttempts(): Array<{
    actionAttemptId: string;
    deviceId: string;
    actionType: string;
    createdAtMs: number;
    endedAtMs: number | null;
    /** When an `action_attempts/get` first answered that it had ended; null: none yet. */
    endReadAtMs: number | null;
    status: string;
  }> {
    return [...this.attempts.values()].map((a) => {
      this.settle(a, false);
      return {
        actionAttemptId: a.id,
        deviceId: a.deviceId,
        actionType: a.actionType,
        createdAtMs: a.createdAtMs,
        endedAtMs: a.ended?.atMs ?? null,
        endReadAtMs: a.endReadAtMs,
        status: a.ended?.status ?? 'pending',
      };
    });
  }

  // -------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAtMs = Date.now();
    const requestId = randomUUID();
    res.setHeader('seam-request-id', requestId);
    try {
      const path = (req.url ?? '/').split('?')[0];
      const body = await readJson(req);
      if (path.startsWith('/_simulator/')) return sendJson(res, 200, this.control(path, body));
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
        throw new SeamApiError(401, 'unauthorized', 'Unauthorized');
      }
      if (!(seamRoutes as readonly string[]).includes(path))
        throw new SeamApiError(404, 'not_found', `No route ${path}`);
      const route = path as SeamRoute;
      const deviceId = this.deviceIdFor(route, body);
      const device = this.devices.get(deviceId);
      if (!device) throw new SeamApiError(404, 'device_not_found', `Device not found: ${deviceId}`);
      const command = this.logCommand(route, deviceId, receivedAtMs);
      const fault = this.pickFault(device, route);
      if (command) command.fault = fault?.kind ?? null;
      if (fault && this.failBeforeActing(fault, res, requestId)) return;
      const answer = await this.answer(route, device, body, command);
      if (fault?.kind === 'acted-then-reset') return void res.socket?.destroy();
      if (fault?.kind === 'stall-response') return this.trickle(res, answer, fault);
      if (fault?.kind === 'malformed') return sendJson(res, 200, malformed(answer));
      sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof SeamApiError) {
        return sendJson(res, err.statusCode, {
          error: { type: err.type, message: err.message, request_id: requestId },
          ok: false,
        });
      }
      if (err instanceof z.ZodError) {
        return sendJson(res, 400, {
          error: { type: 'invalid_input', message: err.message, request_id: requestId },
          ok: false,
        });
      }
      sendJson(res, 500, {
        error: { type: 'internal_server_error', message: String(err), request_id: requestId },
        ok: false,
      });
    }
  }

  private deviceIdFor(route: SeamRoute, body: Record<string, unknown>): string {
    if (route === '/action_attempts/get') {
      const id = requireString(body, 'action_attempt_id');
      const attempt = this.attempts.get(id);
      if (!attempt) throw new SeamApiError(404, 'action_attempt_not_found', `Action attempt not found: ${id}`);
      return attempt.deviceId;
    }
    return requireString(body, 'device_id');
  }

  /** Counts and logs a command request; null for other routes. */
  private logCommand(route: SeamRoute, deviceId: string, receivedAtMs: number): CommandLogEntry | null {
    if (route !== '/locks/lock_door' && route !== '/locks/unlock_door') return null;
    this.countsFor(deviceId).commandsReceived++;
    const entry: CommandLogEntry = {
      deviceId,
      action: actionTypeOf(route),
      receivedAtMs,
      accepted: false,
      actionAttemptId: null,
      fault: null,
    };
    this.commands.push(entry);
    return entry;
  }

  private async answer(
    route: SeamRoute,
    device: DeviceScenario,
    body: Record<string, unknown>,
    command: CommandLogEntry | null,
  ): Promise<unknown> {
    const counts = this.countsFor(device.deviceId);
    switch (route) {
      case '/devices/get':
        counts.deviceReads++;
        if (device.devicesGetDelayMs > 0) await new Promise((r) => setTimeout(r, device.devicesGetDelayMs));
        this.settleDevice(device.deviceId);
        return { device: deviceJson(this.devices.get(device.deviceId)!), ok: true };
      case '/locks/lock_door':
      case '/locks/unlock_door': {
        const attempt: StoredAttempt = {
          id: randomUUID(),
          deviceId: device.deviceId,
          actionType: actionTypeOf(route),
          createdAtMs: Date.now(),
          reads: 0,
          scenario: device.attempt,
          ended: null,
          endReadAtMs: null,
        };
        this.attempts.set(attempt.id, attempt);
        this.endOnTime(attempt);
        counts.commandsAccepted++;
        if (command) Object.assign(command, { accepted: true, actionAttemptId: attempt.id });
        // Like Seam: the command answers pending, however fast the device is.
        return { action_attempt: attemptJson(attempt), ok: true };
      }
      case '/action_attempts/get': {
        const attempt = this.attempts.get(requireString(body, 'action_attempt_id'))!;
        counts.actionAttemptReads++;
        this.settle(attempt, true);
        if (attempt.ended && attempt.endReadAtMs === null) attempt.endReadAtMs = Date.now();
        return { action_attempt: attemptJson(attempt), ok: true };
      }
    }
  }

  /** Ends an attempt whose time (and reads) have come. */
  private settle(attempt: StoredAttempt, isRead: boolean): void {
    if (attempt.ended) return;
    if (isRead) attempt.reads++;
    const { scenario } = attempt;
    if (scenario.outcome === 'never') return;
    const dueAtMs = attempt.createdAtMs + scenario.pendingMs;
    if (Date.now() < dueAtMs || attempt.reads <= scenario.pendingReads) return;
    this.end(attempt, scenario.outcome, scenario.pendingReads > 0 ? Date.now() : dueAtMs);
  }

  /** With webhooks on, an attempt due by time ends at its time, and its events go out then. */
  private endOnTime(attempt: StoredAttempt): void {
    const { scenario } = attempt;
    const outcome = scenario.outcome;
    if (!this.webhooks.configured || outcome === 'never' || scenario.pendingReads > 0) return;
    const timer = setTimeout(() => {
      this.endTimers.delete(timer);
      // Not settle(): a timer may fire a millisecond before Date.now() reaches the due time.
      if (!attempt.ended) this.end(attempt, outcome, attempt.createdAtMs + scenario.pendingMs);
    }, scenario.pendingMs);
    this.endTimers.add(timer);
  }

  private settleDevice(deviceId: string): void {
    for (const attempt of this.attempts.values()) if (attempt.deviceId === deviceId) this.settle(attempt, false);
  }

  private end(
    attempt: StoredAttempt,
    status: 'success' | 'error',
    atMs: number,
    error?: { type: string; message: string },
  ): void {
    attempt.ended = {
      status,
      atMs,
      errorType: error?.type ?? attempt.scenario.errorType,
      errorMessage: error?.message ?? attempt.scenario.errorMessage,
    };
    const device = this.devices.get(attempt.deviceId);
    const lockedBefore = device?.locked;
    if (status === 'success' && device && attempt.scenario.updatesLockedState) {
      device.locked = attempt.actionType === 'LOCK_DOOR';
    }
    this.emitAttemptEnd(attempt, lockedBefore);
  }

  /** The webhooks of an attempt's end: the attempt's event, then the lock's when its state changed. */
  private emitAttemptEnd(attempt: StoredAttempt, lockedBefore: boolean | null | undefined): void {
    const occurred_at = new Date(attempt.ended!.atMs).toISOString();
    const action = attempt.actionType === 'LOCK_DOOR' ? 'lock_door' : 'unlock_door';
    this.webhooks.emit({
      event_type: `action_attempt.${action}.${attempt.ended!.status === 'success' ? 'succeeded' : 'failed'}`,
      occurred_at,
      action_attempt_id: attempt.id,
      action_type: attempt.actionType,
      status: attempt.ended!.status,
      device_id: attempt.deviceId,
    });
    const locked = this.devices.get(attempt.deviceId)?.locked;
    if (typeof locked === 'boolean' && locked !== lockedBefore)
      this.webhooks.emit(
        lockEvent(attempt.deviceId, locked, occurred_at, { method: 'remote', action_attempt_id: attempt.id }),
      );
  }

  /** The rule that fires for this request, if any: the device's first, then the workspace's. */
  private pickFault(device: DeviceScenario, route: SeamRoute): FaultRule | null {
    const rule = this.firingRule(device.faults, route) ?? this.firingRule(this.globalFaults, route);
    if (rule?.count !== undefined) rule.count--;
    return rule;
  }

  /** A count rule with requests left, else a rate rule that draws below its rate. */
  private firingRule(rules: FaultRule[], route: SeamRoute): FaultRule | null {
    const matching = rules.filter((f) => f.route === undefined || f.route === route);
    return (
      matching.find((f) => (f.count ?? 0) > 0) ??
      matching.find((f) => f.rate !== undefined && this.random() < f.rate) ??
      null
    );
  }

  /** Answers the faults that strike before Seam acts; false for those that strike after. */
  private failBeforeActing(rule: FaultRule, res: ServerResponse, requestId: string): boolean {
    switch (rule.kind) {
      case 'reset':
        res.socket?.destroy();
        return true;
      case '503':
        res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
        return true;
      case '429':
      case '400':
      case '409': {
        const { type, message } = seamErrorFaults[rule.kind];
        sendJson(res, Number(rule.kind), { error: { type, message, request_id: requestId }, ok: false });
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Sends the full answer's headers, then its body slowly: the JSON, then one trailing space
   * (valid JSON whitespace) every `trickleMs` until `stallMs` have passed. The client keeps
   * receiving bytes, so no idle timer fires; it completes only if the client waits it out.
   */
  private trickle(res: ServerResponse, answer: unknown, rule: FaultRule): void {
    const trickleMs = rule.trickleMs ?? 500;
    const padding = Math.ceil((rule.stallMs ?? 60_000) / trickleMs);
    const json = Buffer.from(JSON.stringify(answer));
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(json.length + padding),
    });
    if (padding === 0) return void res.end(json);
    res.write(json);
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return stop();
      if (++sent < padding) res.write(' ');
      else res.end(' ');
    }, trickleMs);
    const stop = (): void => {
      clearInterval(timer);
      this.stalls.delete(stop);
    };
    this.stalls.add(stop);
    // 'close' comes both when the body completes and when the client goes away first.
    res.once('close', stop);
  }

  private control(path: string, body: Record<string, unknown>): unknown {
    switch (path) {
      case '/_simulator/devices/set':
        return { device: this.setDevice(body as DeviceScenarioInput) };
      case '/_simulator/devices/update':
        return { device: this.updateDevice(requireString(body, 'deviceId'), body) };
      case '/_simulator/devices/list':
        return { devices: [...this.devices.values()].map((d) => ({ ...d, counts: this.countsFor(d.deviceId) })) };
      case '/_simulator/action_attempts/resolve': {
        const status = z.enum(['success', 'error']).parse(body.status);
        this.resolveActionAttempt(requireString(body, 'action_attempt_id'), status);
        return { ok: true };
      }
      case '/_simulator/action_attempts/list':
        return { action_attempts: this.actionAttempts() };
      case '/_simulator/commands/list':
        return { commands: this.commandLog() };
      case '/_simulator/faults/set':
        return { faults: this.setGlobalFaults(body.faults as FaultRuleInput[]) };
      case '/_simulator/webhooks/set':
        this.setWebhooks(body.url === undefined ? null : (body as WebhookTargetInput));
        return { ok: true };
      case '/_simulator/webhooks/list':
        return { deliveries: this.webhooks.deliveries(), dropped: this.webhooks.dropped };
      case '/_simulator/api_key/rotate':
        this.rotateApiKey(requireString(body, 'apiKey'));
        return { ok: true };
      default:
        throw new SeamApiError(404, 'not_found', `No simulator route ${path}`);
    }
  }
}

/** Starts a simulator on loopback; `close()` it when done. */
export async function startSeamSimulator(options: SeamSimulatorOptions): Promise<SeamSimulator> {
  return new SeamSimulator(options).start();
}

function lockEvent(
  deviceId: string,
  locked: boolean,
  occurredAt: string,
  extra: Record<string, string>,
): SimulatedEvent {
  return {
    event_type: locked ? 'lock.locked' : 'lock.unlocked',
    occurred_at: occurredAt,
    device_id: deviceId,
    ...extra,
  };
}

function deviceJson(d: DeviceScenario): Record<string, unknown> {
  return {
    device_id: d.deviceId,
    device_type: 'august_lock',
    display_name: d.name,
    workspace_id: simulatorWorkspaceId,
    connected_account_id: '00000000-0000-4000-8000-000000000002',
    created_at: '2026-01-01T00:00:00.000Z',
    is_managed: true,
    custom_metadata: {},
    capabilities_supported: ['lock'],
    ...(d.canRemotelyLock === null ? {} : { can_remotely_lock: d.canRemotelyLock }),
    ...(d.canRemotelyUnlock === null ? {} : { can_remotely_unlock: d.canRemotelyUnlock }),
    properties: {
      name: d.name,
      online: d.online,
      manufacturer: 'august',
      // Like Seam: an offline lock has no known state.
      ...(d.locked === null || !d.online ? {} : { locked: d.locked }),
    },
    errors: d.errors,
    warnings: d.warnings.map((w) => ({ ...w, created_at: '2026-01-01T00:00:00.000Z' })),
  };
}

function attemptJson(a: StoredAttempt): Record<string, unknown> {
  const base = { action_attempt_id: a.id, action_type: a.actionType };
  if (!a.ended) return { ...base, status: 'pending', result: null, error: null };
  if (a.ended.status === 'error') {
    return {
      ...base,
      status: 'error',
      result: null,
      error: { type: a.ended.errorType, message: a.ended.errorMessage },
    };
  }
  const confirmed = a.scenario.wasConfirmedByDevice;
  return {
    ...base,
    status: 'success',
    result: confirmed === null ? {} : { was_confirmed_by_device: confirmed },
    error: null,
  };
}

function actionTypeOf(route: '/locks/lock_door' | '/locks/unlock_door'): CommandLogEntry['action'] {
  return route === '/locks/lock_door' ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
}

/** The JSON errors Seam answers for the faults that are HTTP statuses with its error body. */
const seamErrorFaults = {
  '429': { type: 'rate_limited', message: 'Too many requests' },
  '400': { type: 'invalid_input', message: 'Invalid input' },
  '409': { type: 'conflict', message: 'The device is busy with another request' },
} as const;

/** The answer with its one object (device or action attempt) stripped of the fields clients read. */
function malformed(answer: unknown): unknown {
  const [[key, value]] = Object.entries(answer as Record<string, unknown>);
  const { device_id: _device, status: _status, properties: _properties, ...rest } = value as Record<string, unknown>;
  return { [key]: rest, ok: true };
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new SeamApiError(400, 'invalid_input', `${field} is required`);
  return value;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new SeamApiError(400, 'invalid_input', 'Body is not JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** mulberry32: a small seeded PRNG, so a fault rate gives the same sequence every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
