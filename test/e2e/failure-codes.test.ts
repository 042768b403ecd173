/**
 * Every failure code is reachable and carries its report, read back two ways: through the
 * TypeScript client and through the `temporal` CLI's JSON (what a caller in another language
 * sees). The scenarios are a Record over the failure codes, so a new code without a scenario
 * does not compile, and the test checks the set at run time too.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { lockActionOutcome, queryDoor } from '../../src/client';
import type { DoorView } from '../../src/contract/door';
import {
  failureCodes,
  failureReportSchema,
  type FailureCode,
  type LockAction,
  type LockActionInput,
} from '../../src/contract';
import { temporalCliPath } from '../../src/dev/toolchain';
import { cleanEnv, runProcess } from '../helpers/processes';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { eventually, startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);
/** A worker whose Seam key Seam does not accept (a rotated-away key). */
let staleKeyWorker: { taskQueue: string } | undefined;

beforeAll(async () => {
  staleKeyWorker = await fx.startWorker({
    apiKey: `seam_rotated_${randomUUID().replace(/-/g, '')}`,
    endpoint: fx.sim.url,
  });
});

function start(action: LockAction, input: unknown, queue = fx.taskQueue): Promise<WorkflowHandle> {
  const workflowType = action === 'LOCK_DOOR' ? 'LockDoorWorkflow' : 'UnlockDoorWorkflow';
  return fx.env.client.workflow.start(workflowType, {
    args: [input],
    taskQueue: queue,
    workflowId: `codes-${randomUUID()}`,
  });
}

const lock = (input: LockActionInput) => start('LOCK_DOOR', input);

/** One way to reach each failure code, as a real caller (or a real Seam) would. */
const scenarios: Record<FailureCode, () => Promise<WorkflowHandle>> = {
  INVALID_INPUT: () => start('LOCK_DOOR', { deviceId: '' }),
  UNKNOWN_WORKSPACE: () => lock({ deviceId: fx.device(), workspace: 'not-served-here' }),
  DEADLINE_PASSED: () => start('UNLOCK_DOOR', { deviceId: fx.device(), notAfter: '2020-01-01T00:00:00Z' }),
  CAPABILITY_MISSING: () => lock({ deviceId: fx.device({ canRemotelyLock: null }) }),
  DEVICE_OFFLINE: () =>
    lock({ deviceId: fx.device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] }) }),
  DEVICE_NOT_FOUND: () => lock({ deviceId: `missing-${randomUUID()}` }),
  UNAUTHORIZED: () => start('LOCK_DOOR', { deviceId: fx.device() }, staleKeyWorker!.taskQueue),
  INVALID_REQUEST: () => lock({ deviceId: fx.device({ faults: [{ route: '/devices/get', kind: '400', count: 1 }] }) }),
  SEAM_REJECTED: () =>
    lock({ deviceId: fx.device({ faults: [{ route: '/locks/lock_door', kind: '409', count: 1 }] }) }),
  SEAM_UNAVAILABLE: () => lock({ deviceId: fx.device({ faults: [{ route: '/devices/get', kind: '503', rate: 1 }] }) }),
  SEAM_RESPONSE_INVALID: () =>
    lock({ deviceId: fx.device({ faults: [{ route: '/devices/get', kind: 'malformed', count: 1 }] }) }),
  COMMAND_OUTCOME_UNKNOWN: () =>
    start('UNLOCK_DOOR', {
      deviceId: fx.device({ faults: [{ route: '/locks/unlock_door', kind: 'acted-then-reset', count: 1 }] }),
    }),
  ACTION_ATTEMPT_FAILED: () =>
    lock({ deviceId: fx.device({ attempt: { outcome: 'error', errorType: 'device_busy' } }) }),
  ACTION_ATTEMPT_TIMED_OUT: () =>
    lock({
      deviceId: fx.device({ attempt: { outcome: 'never', updatesLockedState: false } }),
      timeout: '4s',
      watchWindow: 0,
    }),
  CANCELLED: async () => {
    const deviceId = fx.device({ attempt: { outcome: 'never' } });
    const handle = await lock({ deviceId, watchWindow: 0 });
    await doorReaches(deviceId, (door) => door.current?.phase === 'polling');
    await handle.cancel();
    return handle;
  },
  // An unlock waiting behind a running lock, overtaken by a newer lock: the newest intent wins.
  SUPERSEDED: async () => {
    const deviceId = fx.device({ attempt: { outcome: 'never' } });
    await lock({ deviceId, watchWindow: 0, timeout: '20s' });
    await doorReaches(deviceId, (door) => door.current !== null);
    const unlock = await start('UNLOCK_DOOR', { deviceId });
    await doorReaches(deviceId, (door) => door.waiting?.action === 'UNLOCK_DOOR');
    await lock({ deviceId });
    return unlock;
  },
};

function doorReaches(deviceId: string, reached: (door: DoorView) => boolean) {
  return eventually(async () => {
    const door = await queryDoor(fx.env.client, deviceId).catch(() => undefined);
    return door && reached(door) ? true : undefined;
  });
}

/** The failure report as the `temporal` CLI's JSON shows it (the Go CLI prints empty arrays as null). */
async function reportViaTemporalCli(workflowId: string): Promise<unknown> {
  const run = await runProcess(
    temporalCliPath(),
    ['workflow', 'result', '--address', fx.env.address, '--workflow-id', workflowId, '-o', 'json'],
    cleanEnv(),
  );
  const { status, closeEvent } = JSON.parse(run.stdout) as {
    status: string;
    closeEvent: {
      workflowExecutionFailedEventAttributes: {
        failure: { applicationFailureInfo: { type: string; details: Array<Record<string, unknown>> } };
      };
    };
  };
  expect(status).toBe('FAILED');
  const { type, details } = closeEvent.workflowExecutionFailedEventAttributes.failure.applicationFailureInfo;
  const report = details[0];
  const capability = report.capability as Record<string, unknown> | null;
  return {
    type,
    report: {
      ...report,
      issues: report.issues ?? [],
      warnings: report.warnings ?? [],
      capability: capability && { ...capability, errors: capability.errors ?? [], warnings: capability.warnings ?? [] },
    },
  };
}

test('failure codes: every code has a scenario', () => {
  expect(Object.keys(scenarios).sort()).toEqual([...failureCodes].sort());
});

test.each([...failureCodes])(
  'failure codes: %s is reachable and carries its report, through the client and the temporal CLI',
  async (code) => {
    const handle = await scenarios[code]();
    const outcome = await lockActionOutcome(handle);
    if (outcome.ok) throw new Error(`expected ${code}, got success`);
    expect(outcome.code).toBe(code);
    const report = failureReportSchema.strict().parse(outcome.report);
    expect(report.code).toBe(code);
    expect(report.message.length).toBeGreaterThan(0);

    const viaCli = (await reportViaTemporalCli(handle.workflowId)) as { type: string; report: unknown };
    expect(viaCli.type).toBe(code);
    expect(failureReportSchema.strict().parse(viaCli.report)).toEqual(report);
  },
  30_000,
);
