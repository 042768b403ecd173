/**
 * The fault suite on a real cluster (FAULTS_CLUSTER=1): the dev-server scenarios that are about
 * the server and the workers, and the cluster's own faults — a service or the database crashing
 * mid-poll, workers scaled out and killed under a 10× load, the frontend restarting while
 * callers start workflows.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { workflowTypes, type LockAction } from '../../src/contract';
import type { ClusterPart } from '../../src/dev/cluster';
import { sleep, type Tracked } from './judge';
import type { ClusterFaultStack } from './cluster-stack';
import {
  killMidPoll,
  scenarios,
  spread,
  spreading,
  startMany,
  startOne,
  successOrUnknown,
  type Scenario,
  type Starter,
} from './scenarios';

/** The dev-server scenarios that hold on any server (faults of workers, Seam, cancels, deadlines). */
const reused = [
  'worker SIGKILLed mid-watch, two workers',
  'every worker SIGKILLed mid-poll, restarted',
  'Seam answers 503 / 429 / reset / acted-then-reset on 30% of calls',
  'deadline expires while every worker is down',
  'cancels at random moments',
];

/** Actions polling at Seam while `part` crashes and, 2 s later, starts again. */
const crashMidPoll = (part: ClusterPart, label: string): Scenario<ClusterFaultStack> => ({
  name: `${part === 'postgres' ? 'PostgreSQL shut down immediately' : `${part} service SIGKILLed`} mid-poll, restarted`,
  timeLimitMs: 180_000,
  run: (stack, count) =>
    killMidPoll(stack, label, count, { down: () => stack.crash(part), up: () => stack.restart(part) }),
});

/**
 * A caller that tries a start again until it goes through, as a service behind a frontend that
 * restarts should: the same workflow ID and the ID policies of src/client.ts (an existing run is
 * used, a closed one is not started again), so a try whose answer was lost but that got through
 * is found, not started twice.
 */
const retryingStarter: Starter = async (stack, action, input, workflowId) => {
  for (let retries = 0; ; retries++) {
    try {
      const handle = await stack.client.workflow.start(workflowTypes[action], {
        args: [input],
        taskQueue: stack.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return { handle, retries };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return { handle: stack.client.workflow.getHandle(workflowId), retries };
      if (retries >= 120) throw err;
      await sleep(500);
    }
  }
};

/** Seeded from the clock (printed, so a run can be read again): moments differ from run to run. */
function clockSeededRandom(label: string): () => number {
  let seed = Date.now() % 2_147_483_646 || 1;
  process.stderr.write(`fault suite: ${label}: random seed ${seed}\n`);
  return () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
}

/** What the scale-out scenario saw at each kill: actions still without their command at Seam. */
const waitingAtKills = new WeakMap<Tracked[], number[]>();

export const clusterScenarios: Scenario<ClusterFaultStack>[] = [
  ...scenarios.filter((s) => reused.includes(s.name)),
  crashMidPoll('history', 'history-kill'),
  crashMidPoll('matching', 'matching-kill'),
  crashMidPoll('postgres', 'postgres-crash'),
  {
    name: 'frontend restarted while callers start workflows (callers retry)',
    timeLimitMs: 180_000,
    async run(stack, count) {
      // Starts spread over ~6 s; the frontend goes down 2 s in, for 3 s. A send try the matching
      // service handed to a worker's poll just as the frontend died never reaches the worker, yet
      // its history says started: it times out with no heartbeat, so a lock is sent again and an
      // unlock too (its try never announced its send). Every action must succeed: this assumes a
      // try that ran through the outage gets its completion to Temporal once the frontend is back
      // (the worker retries it), as a lock's would have to, or the row would see a duplicate.
      let outage: [number, number] = [0, 0];
      const outageDone = (async () => {
        await sleep(2_000);
        const downAt = Date.now();
        await stack.crash('frontend');
        await sleep(3_000);
        await stack.restart('frontend');
        outage = [downAt, Date.now()];
      })();
      const tracked = await Promise.all(
        Array.from({ length: count }, async (_, i): Promise<Tracked> => {
          await sleep((i * 6_000) / count);
          const action: LockAction = i % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
          return startOne(stack, 'frontend-restart', i, action, spread(i), {}, ['success'], retryingStarter);
        }),
      );
      await outageDone;
      for (const t of tracked) t.metOutage = overlaps(t, outage);
      return tracked;
    },
    // Some starts must have been under way while the frontend was down, or the scenario proved nothing.
    check: (_stack, tracked) =>
      Promise.resolve(tracked.some((t) => t.metOutage) ? [] : ['no start was under way while the frontend was down']),
  },
  {
    name: '4 workers, 2 SIGKILLed at random moments, 10× the lock actions',
    allowsDuplicates: true,
    timeLimitMs: 300_000,
    async run(stack, count) {
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const random = clockSeededRandom('worker kills');
      const total = count * 10;
      const waiting: number[] = [];
      // Kills while the actions run: each at a random moment in the first ~8 s of the load.
      const kills = (async () => {
        for (let killed = 0; killed < 2; killed++) {
          await sleep(1_000 + random() * 3_500);
          // This scenario's devices only: the simulator's log holds the whole suite's commands.
          const log = await stack.sim.commandLog();
          const accepted = log.filter((c) => c.accepted && c.deviceId.startsWith('scale-kill-')).length;
          waiting.push(total - accepted);
          await stack.killWorker(Math.floor(random() * stack.runningWorkers));
        }
      })();
      const tracked = await startMany(stack, 'scale-kill', total, spreading(1_500, 4_500), successOrUnknown);
      await kills;
      waitingAtKills.set(tracked, waiting);
      return tracked;
    },
    // Each kill must have come while many actions still waited for their command.
    check: (_stack, tracked) => {
      const waiting = waitingAtKills.get(tracked) ?? [];
      const early = waiting.filter((n) => n >= tracked.length / 10).length;
      return Promise.resolve(
        early === 2
          ? []
          : [`the kills came when ${waiting.join(' and ')} actions still waited: too late to prove anything`],
      );
    },
  },
];

/** Whether a start was under way (begun, not yet answered) while the frontend was down. */
function overlaps(t: Tracked, [downAt, backAt]: [number, number]): boolean {
  const begunAt = t.startBegunAtMs ?? 0;
  return begunAt < backAt && begunAt + (t.startTookMs ?? 0) > downAt;
}
