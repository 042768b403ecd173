/**
 * The fault suite's scenarios. Each starts its lock actions (fresh devices, so the simulator's
 * command log tells each action's commands apart), breaks something real while they run, and
 * says which outcomes it designed for. The harness (fault-suite.ts) collects the outcomes and
 * judges them (judge.ts).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { isLockActionInputError, startLockAction } from '../../src/client';
import { doorQueryName, doorWorkflowId, type DoorView } from '../../src/contract/door';
import {
  checkLockActionInput,
  describeAction,
  workflowTypes,
  type LockAction,
  type LockActionInput,
} from '../../src/contract';
import { sendByMs } from '../../src/decisions';
import type { DeviceScenarioInput, FaultRuleInput } from '../../src/dev/simulator/seam-simulator';
import { temporalCliPath } from '../../src/dev/toolchain';
import { cleanEnv, runLockstep, runProcess } from '../helpers/processes';
import { sleep, type Expected, type Tracked } from './judge';
import type { FaultStack } from './stack';

export interface Scenario<Stack extends FaultStack = FaultStack> {
  name: string;
  /** Locks re-sent after an ambiguous send are expected here (and must be explained). */
  allowsDuplicates?: boolean;
  /** How long its actions may take before they count as hung. */
  timeLimitMs: number;
  run(stack: Stack, count: number): Promise<Tracked[]>;
  /** Violations the command log and outcomes cannot show (e.g. Seam reads that should not exist). */
  check?(stack: Stack, tracked: Tracked[]): Promise<string[]>;
  /** Undoes the fault once every outcome is in. */
  after?(stack: Stack): Promise<void>;
}

type DeviceScenario = Omit<DeviceScenarioInput, 'deviceId'>;

/** How a scenario's caller starts a workflow: once (the default), or trying again through an outage. */
export type Starter = (
  stack: FaultStack,
  action: LockAction,
  input: LockActionInput,
  workflowId: string,
) => Promise<{ handle: WorkflowHandle; retries: number }>;

const startOnce: Starter = async (stack, action, input, workflowId) => ({
  handle: await stack.client.workflow.start(workflowTypes[action], {
    args: [input],
    taskQueue: stack.taskQueue,
    workflowId,
  }),
  retries: 0,
});

/** Starts one lock action by type name with plain JSON, on a fresh device, and tracks it. */
export async function startOne(
  stack: FaultStack,
  scenario: string,
  index: number,
  action: LockAction,
  device: DeviceScenario,
  input: Omit<LockActionInput, 'deviceId'>,
  expected: readonly Expected[],
  starter: Starter = startOnce,
): Promise<Tracked> {
  const deviceId = `${scenario}-${index}-${randomUUID().slice(0, 8)}`;
  await stack.sim.setDevice({ locked: action === 'UNLOCK_DOOR', ...device, deviceId });
  const full = { ...input, deviceId };
  const workflowId = `${describeAction(action)}/${deviceId}/fault-suite`;
  const startedAtMs = Date.now();
  const { handle, retries } = await starter(stack, action, full, workflowId);
  const startTookMs = Date.now() - startedAtMs;
  const checked = checkLockActionInput(full);
  const { startTime } = await handle.describe();
  const sendBy = checked.ok ? sendByMs(startTime.getTime(), checked.plan) : null;
  return {
    label: workflowId,
    deviceId,
    action,
    expected,
    handle,
    sendByMs: sendBy,
    startRetries: retries,
    startBegunAtMs: startedAtMs,
    startTookMs,
  };
}

/** `count` actions, alternating lock and unlock, with attempts ending over a spread of times. */
export function startMany(
  stack: FaultStack,
  scenario: string,
  count: number,
  shape: (index: number, action: LockAction) => { device: DeviceScenario; input?: Omit<LockActionInput, 'deviceId'> },
  expected: (action: LockAction) => readonly Expected[],
): Promise<Tracked[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const action: LockAction = i % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
      const { device, input = {} } = shape(i, action);
      return startOne(stack, scenario, i, action, device, input, expected(action));
    }),
  );
}

/** Each action's device: attempts that end `from`–`to` ms after the command. */
export const spreading = (from?: number, to?: number) => (i: number) => ({ device: spread(i, from, to) });

/** Attempts that end 1.5–4.5 s after the command (as the bench's). */
export const spread = (i: number, from = 1_500, to = 4_500): DeviceScenario => ({
  attempt: { pendingMs: from + ((i * 613) % (to - from)) },
});

/** Resolves once the simulator has accepted `n` commands in total (or `timeoutMs` passes). */
export async function untilAccepted(stack: FaultStack, n: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await stack.sim.commandLog()).filter((c) => c.accepted).length < n && Date.now() < until) await sleep(100);
}

/**
 * Resolves once every action's command is in `phase` (its send try has reported back): true, or
 * false when `timeoutMs` passes first. The device's door sends and follows the command: its query says.
 */
async function untilPhase(tracked: Tracked[], phase: string, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  const reached = async (t: Tracked) => {
    const door = await t
      .handle!.client.getHandle(doorWorkflowId(t.deviceId ?? ''))
      .query<DoorView>(doorQueryName)
      .catch(() => undefined);
    return door?.current?.phase === phase;
  };
  for (;;) {
    if ((await Promise.all(tracked.map(reached))).every(Boolean)) return true;
    if (Date.now() > until) return false;
    await sleep(200);
  }
}

/**
 * What a scenario's own run found wrong before its fault (a precondition that did not hold):
 * the harness adds it to the row's violations, so a fault that hit nothing cannot pass.
 */
export const preconditionFailures = new WeakMap<Tracked[], string[]>();

export const successOnly = () => ['success'] as const;

/** A fault that takes a part down (`down`, resolved once it is down) and brings it back (`up`). */
export interface PartFault {
  down: () => Promise<void>;
  up: () => Promise<void>;
}

/**
 * Actions that poll (no watch) on attempts Seam holds pending; once every one is polling (its
 * send try has reported back), `fault` takes a part down, half the attempts end one after another
 * while it is down (over 1.5 s, then 0.5 s more), it comes back, and the rest end over 3 s.
 * Held, not timed: however slowly a box starts the actions, none can end before the last is
 * polling, so the fault always comes mid-poll; the actions' timeout (5 min) leaves room for a
 * slow start and restart.
 */
export async function killMidPoll(
  stack: FaultStack,
  scenario: string,
  count: number,
  fault: PartFault,
): Promise<Tracked[]> {
  const shape = () => ({
    device: { attempt: { outcome: 'never' as const } },
    input: { watchWindow: 0, timeout: '5m' },
  });
  const tracked = await startMany(stack, scenario, count, shape, successOnly);
  if (!(await untilPhase(tracked, 'polling')))
    preconditionFailures.set(tracked, ['not every action was polling when the fault came: it proved nothing']);
  const devices = new Set(tracked.flatMap((t) => (t.deviceId ? [t.deviceId] : [])));
  const held = await heldAttempts(stack, devices);
  await fault.down();
  await endAttempts(stack, held.slice(0, Math.ceil(held.length / 2)), 1_500);
  await sleep(500);
  await fault.up();
  await endAttempts(stack, await heldAttempts(stack, devices), 3_000);
  // Attempts made later (an action not yet polling when the fault came: the row fails anyway),
  // for as long as a device has none yet, up to 30 s.
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(1_000)) {
    const attempts = await attemptsOf(stack, devices);
    const later = pendingIds(attempts);
    await endAttempts(stack, later, 0);
    if (later.length === 0 && new Set(attempts.map((a) => a.deviceId)).size === devices.size) break;
  }
  return tracked;
}

type SeamAttempt = Awaited<ReturnType<FaultStack['sim']['actionAttempts']>>[number];

/** The attempts of `devices` at Seam. */
async function attemptsOf(stack: FaultStack, devices: Set<string>): Promise<SeamAttempt[]> {
  return (await stack.sim.actionAttempts()).filter((a) => devices.has(a.deviceId));
}

/** The IDs of the attempts still pending. */
function pendingIds(attempts: readonly SeamAttempt[]): string[] {
  return attempts.filter((a) => a.status === 'pending').map((a) => a.actionAttemptId);
}

/** The attempts of `devices` the simulator still holds pending, by ID. */
async function heldAttempts(stack: FaultStack, devices: Set<string>): Promise<string[]> {
  return pendingIds(await attemptsOf(stack, devices));
}

/** Ends `attempts` successfully, one after another over `overMs`. */
async function endAttempts(stack: FaultStack, attempts: readonly string[], overMs: number): Promise<void> {
  for (const attemptId of attempts) {
    await sleep(overMs / attempts.length);
    await stack.sim.resolveActionAttempt(attemptId, 'success');
  }
}

/** A worker killed mid-send leaves an unlock's fate unknown (truthfully); a lock is re-sent. */
export const successOrUnknown = (action: LockAction): readonly Expected[] =>
  action === 'UNLOCK_DOOR' ? ['success', 'COMMAND_OUTCOME_UNKNOWN'] : ['success'];

export const scenarios: Scenario[] = [
  {
    name: 'worker SIGKILLed mid-watch, two workers',
    allowsDuplicates: true,
    timeLimitMs: 150_000,
    async run(stack, count) {
      const tracked = await startMany(stack, 'watch-kill', count, spreading(3_000, 5_000), successOrUnknown);
      await untilAccepted(stack, count / 2);
      await stack.killWorker(0);
      await sleep(1_000);
      await stack.startWorker();
      return tracked;
    },
  },
  {
    name: 'every worker SIGKILLed mid-poll, restarted',
    timeLimitMs: 150_000,
    run: (stack, count) =>
      killMidPoll(stack, 'poll-kill', count, {
        down: () => stack.killAllWorkers(),
        up: async () => void (await Promise.all([stack.startWorker(), stack.startWorker()])),
      }),
  },
  {
    name: 'dev server SIGKILLed mid-poll, restarted on its SQLite file',
    timeLimitMs: 150_000,
    run: (stack, count) =>
      killMidPoll(stack, 'server-kill', count, {
        down: () => Promise.resolve(stack.killServer()),
        up: () => stack.startServer(),
      }),
  },
  {
    name: 'Seam answers 503 / 429 / reset / acted-then-reset on 30% of calls',
    allowsDuplicates: true,
    timeLimitMs: 150_000,
    async run(stack, count) {
      const kinds = ['503', '429', 'reset', 'acted-then-reset'] as const;
      // Rate rules are drawn one after another: 1 - (1 - 0.085)^4 ≈ 30% of calls fail.
      await stack.sim.setGlobalFaults(kinds.map((kind): FaultRuleInput => ({ kind, rate: 0.085 })));
      return startMany(stack, 'flaky', count, spreading(), (action) => [
        'success',
        'SEAM_UNAVAILABLE',
        ...(action === 'UNLOCK_DOOR' ? (['COMMAND_OUTCOME_UNKNOWN'] as const) : []),
      ]);
    },
    after: (stack) => stack.sim.setGlobalFaults([]),
  },
  {
    name: 'Seam down (connection refused) for longer than the timeout',
    timeLimitMs: 60_000,
    async run(stack, count) {
      // Devices first (the simulator must know them once it is back), then Seam goes down.
      const devices = Array.from({ length: count }, (_, i) => `seam-down-${i}-${randomUUID().slice(0, 8)}`);
      await Promise.all(devices.map((deviceId) => stack.sim.setDevice({ deviceId })));
      await stack.killSimulator();
      return Promise.all(
        devices.map(async (deviceId, i) => {
          const action: LockAction = i % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
          const handle = await stack.client.workflow.start(workflowTypes[action], {
            args: [{ deviceId, timeout: '5s' }],
            taskQueue: stack.taskQueue,
            workflowId: `${describeAction(action)}/${deviceId}/fault-suite`,
          });
          const { startTime } = await handle.describe();
          return {
            label: handle.workflowId,
            deviceId,
            action,
            expected: ['SEAM_UNAVAILABLE', 'DEADLINE_PASSED'],
            handle,
            sendByMs: startTime.getTime() + 5_000,
          } satisfies Tracked;
        }),
      );
    },
    after: (stack) => stack.startSimulator(),
  },
  {
    name: 'deadline expires while Seam is slow (devices.get 4.5 s) or refuses commands (503)',
    timeLimitMs: 60_000,
    async run(stack, count) {
      return startMany(
        stack,
        'deadline-seam',
        count,
        (i, action) => ({
          device:
            i % 4 < 2
              ? { devicesGetDelayMs: 4_500 }
              : {
                  faults: [
                    { route: action === 'LOCK_DOOR' ? '/locks/lock_door' : '/locks/unlock_door', kind: '503', rate: 1 },
                  ],
                },
          input: { timeout: '5s' },
        }),
        () => ['DEADLINE_PASSED', 'SEAM_UNAVAILABLE'],
      );
    },
  },
  {
    name: 'deadline expires while every worker is down',
    timeLimitMs: 60_000,
    async run(stack, count) {
      await stack.killAllWorkers();
      const tracked = await startMany(
        stack,
        'deadline-workers',
        count,
        () => ({ device: {}, input: { timeout: '5s' } }),
        () => ['DEADLINE_PASSED'],
      );
      await sleep(8_000);
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      return tracked;
    },
    async check(stack, tracked) {
      const counts = await stack.sim.counts();
      const read = tracked.filter((t) => (counts.get(t.deviceId ?? '')?.deviceReads ?? 0) > 0);
      return read.map((t) => `${t.label}: Seam was read although the deadline had passed before any worker ran`);
    },
  },
  {
    name: 'cancels at random moments',
    timeLimitMs: 90_000,
    async run(stack, count) {
      const tracked = await startMany(stack, 'cancel', count, spreading(1_500, 3_000), () => ['CANCELLED', 'success']);
      let seed = 7;
      const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
      await Promise.all(
        tracked.map(async (t) => {
          await sleep(random() * 3_000);
          t.cancelledAtMs = Date.now();
          await t.handle!.cancel().catch(() => undefined); // already finished: it stays a success
        }),
      );
      return tracked;
    },
  },
  {
    name: 'malformed inputs (client, lockstep CLI, temporal CLI JSON)',
    timeLimitMs: 60_000,
    run: (stack) => malformedInputs(stack),
    async check(stack) {
      const counts = (await stack.sim.counts()).get(malformedDeviceId);
      const log = (await stack.sim.commandLog()).filter((c) => c.deviceId === malformedDeviceId);
      return (counts?.deviceReads ?? 0) + log.length > 0
        ? [`Seam received ${counts?.deviceReads} reads and ${log.length} commands for malformed requests`]
        : [];
    },
  },
  {
    name: 'Seam API key rotated away (401)',
    timeLimitMs: 60_000,
    async run(stack, count) {
      await stack.sim.rotateApiKey(`seam_rotated_${randomUUID().replace(/-/g, '')}`);
      return startMany(
        stack,
        'rotated',
        count,
        () => ({ device: {} }),
        () => ['UNAUTHORIZED'],
      );
    },
    after: (stack) => stack.sim.rotateApiKey(stack.secrets.seamApiKey),
  },
];

// ---------------------------------------------------------------------------------------------
// Malformed inputs through every channel a caller has.

const malformedDeviceId = 'malformed-target';
const valid = { deviceId: malformedDeviceId };

/** Input kinds (JSON); `extra` is a second workflow argument. Past notAfter is DEADLINE_PASSED once started. */
const malformedKinds: Array<{ kind: string; input: unknown; extra?: unknown; started?: Expected }> = [
  { kind: 'missing deviceId', input: {} },
  { kind: 'empty deviceId', input: { deviceId: '' } },
  { kind: 'deviceId a number', input: { deviceId: 5 } },
  { kind: 'huge deviceId', input: { deviceId: 'd'.repeat(5_000) } },
  { kind: 'deviceId with a space', input: { deviceId: 'front door' } },
  { kind: 'notAfter not a date', input: { ...valid, notAfter: 'tomorrow' } },
  { kind: 'notAfter without a zone', input: { ...valid, notAfter: '2030-12-01T10:00:00' } },
  { kind: 'notAfter in the past', input: { ...valid, notAfter: '2020-01-01T00:00:00Z' }, started: 'DEADLINE_PASSED' },
  { kind: 'negative timeout', input: { ...valid, timeout: -5 } },
  { kind: 'timeout in words', input: { ...valid, timeout: 'forever' } },
  { kind: 'timeout over a day', input: { ...valid, timeout: '10 days' } },
  { kind: 'watch window over 30 s', input: { ...valid, watchWindow: '1 minute' } },
  { kind: 'poll max below initial', input: { ...valid, pollInterval: { initial: '10s', max: '1s' } } },
  { kind: 'poll multiplier 100', input: { ...valid, pollInterval: { multiplier: 100 } } },
  { kind: 'verifyLockedState a string', input: { ...valid, verifyLockedState: 'yes' } },
  { kind: 'metadata value a number', input: { ...valid, metadata: { room: 12 } } },
  { kind: 'metadata value huge', input: { ...valid, metadata: { note: 'x'.repeat(5_000) } } },
  { kind: 'unknown field', input: { ...valid, doors: ['a'] } },
  { kind: 'empty requestId', input: { ...valid, requestId: '' } },
  { kind: 'input a string', input: malformedDeviceId },
  { kind: 'input a number', input: 42 },
  { kind: 'input null', input: null },
  { kind: 'input an array', input: [valid] },
  { kind: 'input a boolean', input: true },
  { kind: 'extra workflow argument', input: valid, extra: { deviceId: 'another-door' } },
];

/** CLI argument lists that must be usage errors (exit 2) and start nothing. */
const malformedCliArgs: string[][] = [
  ['lock', ''],
  ['lock', 'd'.repeat(5_000)],
  ['lock', 'front door'],
  ['unlock', malformedDeviceId, '--not-after', 'tomorrow'],
  ['unlock', malformedDeviceId, '--not-after', '2030-12-01T10:00:00'],
  ['unlock', malformedDeviceId, '--not-after', '2020-01-01T00:00:00Z'],
  ['lock', malformedDeviceId, '--timeout', 'forever'],
  ['lock', malformedDeviceId, '--timeout', '10 days'],
  ['lock', malformedDeviceId, '--not-after', '2030-12-01T10:00:00Z'],
  ['lock', malformedDeviceId, '--colour'],
  ['lock', malformedDeviceId, 'another-door'],
  ['lock'],
];

async function malformedInputs(stack: FaultStack): Promise<Tracked[]> {
  await stack.sim.setDevice({ deviceId: malformedDeviceId });
  const tracked: Tracked[] = [];
  // deviceId null: these share one device, which `check` proves Seam never heard of.
  const refused = (label: string, how: string): Tracked => ({
    label,
    deviceId: null,
    action: 'LOCK_DOOR',
    expected: ['refused'],
    sendByMs: null,
    outcome: { kind: 'refused', how },
  });
  const notRefused = (label: string, how: string): Tracked => ({ ...refused(label, how), outcome: { kind: 'hung' } });

  // 1. The TypeScript client: refused before anything starts.
  for (const { kind, input, extra } of malformedKinds) {
    if (extra !== undefined) continue; // the typed client cannot pass a second argument
    const label = `client: ${kind}`;
    try {
      const handle = await startLockAction(stack.client, 'LOCK_DOOR', input as LockActionInput, {
        taskQueue: stack.taskQueue,
      });
      tracked.push({ ...notRefused(label, 'started'), handle, expected: ['refused'] });
    } catch (err) {
      tracked.push(
        isLockActionInputError(err) ? refused(label, 'LockActionInputError') : notRefused(label, String(err)),
      );
    }
  }

  // 2. The lockstep CLI: usage error (exit 2) before it connects.
  const env = cleanEnv({ TEMPORAL_ADDRESS: stack.temporalAddress, LOCKSTEP_TASK_QUEUE: stack.taskQueue });
  for (const args of malformedCliArgs) {
    const label = `lockstep ${args.map((a) => (a.length > 20 ? `${a.slice(0, 8)}…(${a.length})` : JSON.stringify(a))).join(' ')}`;
    const run = await runLockstep(args, env, 30_000);
    tracked.push(run.code === 2 ? refused(label, 'exit 2') : notRefused(label, `exit ${run.code}`));
  }

  // 3. Raw JSON through the temporal CLI, as a caller in any language would: the workflow fails.
  for (const [i, { kind, input, extra, started }] of malformedKinds.entries()) {
    const workflowId = `malformed-${i}-${randomUUID().slice(0, 8)}`;
    const inputs = [input, ...(extra === undefined ? [] : [extra])].flatMap((value) => [
      '--input',
      JSON.stringify(value),
    ]);
    const run = await runProcess(
      temporalCliPath(),
      [
        'workflow',
        'start',
        '--address',
        stack.temporalAddress,
        '--task-queue',
        stack.taskQueue,
        '--type',
        workflowTypes.LOCK_DOOR,
        '--workflow-id',
        workflowId,
        ...inputs,
      ],
      cleanEnv(),
    );
    if (run.code !== 0) throw new Error(`temporal workflow start failed: ${run.stderr}`);
    tracked.push({
      label: `temporal CLI JSON: ${kind}`,
      deviceId: null,
      action: 'LOCK_DOOR',
      expected: [started ?? 'INVALID_INPUT'],
      handle: stack.client.workflow.getHandle(workflowId),
      sendByMs: null,
    });
  }
  return tracked;
}
