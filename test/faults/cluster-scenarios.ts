/**
 * The fault suite on a real cluster (FAULTS_CLUSTER=1): the dev-server scenarios that are about
 * the server and the workers, and the cluster's own faults — a service or the database crashing
 * mid-poll, workers scaled out and killed under a 10× load, the frontend restarting while
 * callers start workflows.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { workflowTypes, type LockAction } from '../../src/contract';
import type { ClusterPart } from '../../src/dev/cluster';
import { sleep, startDelayed, type Tracked } from './judge';
import type { ClusterFaultStack } from './cluster-stack';
import {
  killMidPoll,
  scenarios,
  spread,
  spreading,
  startMany,
  startOne,
  successOnly,
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
    killMidPoll(stack, label, count, 6_000, async () => {
      await stack.crash(part);
      await sleep(2_000);
      await stack.restart(part);
    }),
});

/**
 * A caller that tries a start again until it goes through, as a service behind a frontend that
 * restarts should: the same workflow ID each time, so a try whose answer was lost but that got
 * through is found (already started), not started twice.
 */
const retryingStarter: Starter = async (stack, action, input, workflowId) => {
  for (let retries = 0; ; retries++) {
    try {
      const handle = await stack.client.workflow.start(workflowTypes[action], {
        args: [input],
        taskQueue: stack.taskQueue,
        workflowId,
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

export const clusterScenarios: Scenario<ClusterFaultStack>[] = [
  ...scenarios.filter((s) => reused.includes(s.name)),
  crashMidPoll('history', 'history-kill'),
  crashMidPoll('matching', 'matching-kill'),
  crashMidPoll('postgres', 'postgres-crash'),
  {
    name: 'frontend restarted while callers start workflows (callers retry)',
    timeLimitMs: 180_000,
    async run(stack, count) {
      // Starts spread over ~6 s; the frontend goes down 2 s in, for 3 s.
      const outage = (async () => {
        await sleep(2_000);
        await stack.crash('frontend');
        await sleep(3_000);
        await stack.restart('frontend');
      })();
      const tracked = await Promise.all(
        Array.from({ length: count }, async (_, i): Promise<Tracked> => {
          await sleep((i * 6_000) / count);
          const action: LockAction = i % 2 === 0 ? 'LOCK_DOOR' : 'UNLOCK_DOOR';
          return startOne(stack, 'frontend-restart', i, action, spread(i), {}, successOnly(), retryingStarter);
        }),
      );
      await outage;
      return tracked;
    },
    // The client rides out a short outage by itself (it retries UNAVAILABLE); either way, some
    // starts must have met the outage, or the scenario proved nothing.
    check: (_stack, tracked) =>
      Promise.resolve(
        tracked.some(startDelayed)
          ? []
          : ['no start met the frontend outage (every start took under 1 s, none retried)'],
      ),
  },
  {
    name: '4 workers, 2 SIGKILLed at random moments, 10× the lock actions',
    allowsDuplicates: true,
    timeLimitMs: 300_000,
    async run(stack, count) {
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const tracked = await startMany(stack, 'scale-kill', count * 10, spreading(1_500, 4_500), successOrUnknown);
      let seed = 11;
      const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
      for (let killed = 0; killed < 2; killed++) {
        await sleep(random() * 4_000);
        await stack.killWorker(Math.floor(random() * stack.runningWorkers));
      }
      return tracked;
    },
  },
];
