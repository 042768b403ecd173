/**
 * make bench's baseline worker: `lockstep worker` — the same settings from the environment, the
 * same activities and log lines — running the workflow bundle at the path it is given (make
 * bench bundles ./workflows.ts once, from dist, as `make build` bundles lockstep's).
 *
 *   node dist/dev/bench-baseline/worker.js <workflow bundle path>
 */
import { run } from '../../worker';

const codePath = process.argv[2];
if (!codePath) {
  console.error('usage: node dist/dev/bench-baseline/worker.js <workflow bundle path>');
  process.exit(78);
}
run(process.env, { codePath }).catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});
