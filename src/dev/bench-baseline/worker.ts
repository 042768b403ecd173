/**
 * make bench's baseline worker: `lockstep worker` — the same settings from the environment, the
 * same activities and log lines — running the workflow bundle at the path it is given (make
 * bench bundles ./workflows.js once, from dist, with ./bundle.js). Its lock actions skip door
 * ordering, and their histories replay on no other worker: it starts only with
 * LOCKSTEP_BENCH_BASELINE=1 on the task queue `bench`, as make bench runs it.
 *
 *   LOCKSTEP_BENCH_BASELINE=1 LOCKSTEP_TASK_QUEUE=bench node dist/dev/bench-baseline/worker.js <bundle path>
 */
import { run } from '../../worker';

const benchBaselineTaskQueue = 'bench';

const codePath = process.argv[2];
if (
  !codePath ||
  process.env.LOCKSTEP_BENCH_BASELINE !== '1' ||
  process.env.LOCKSTEP_TASK_QUEUE !== benchBaselineTaskQueue
) {
  console.error(
    `usage: LOCKSTEP_BENCH_BASELINE=1 LOCKSTEP_TASK_QUEUE=${benchBaselineTaskQueue} node dist/dev/bench-baseline/worker.js <workflow bundle path> (make bench's baseline only)`,
  );
  process.exit(78);
}
run(process.env, { codePath }).catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});
