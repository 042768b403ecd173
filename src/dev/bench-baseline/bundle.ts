/**
 * Bundles make bench's baseline workflows (./workflows.js, from dist) into the file it is given,
 * in a process of its own: webpack's memory stays out of the bench's figures.
 *
 *   node dist/dev/bench-baseline/bundle.js <output path>
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const output = process.argv[2];
if (!output) {
  console.error('usage: node dist/dev/bench-baseline/bundle.js <output path>');
  process.exit(78);
}
bundleWorkflowCode({ workflowsPath: join(__dirname, 'workflows.js'), logger: new DefaultLogger('WARN') }).then(
  ({ code }) => writeFileSync(output, code),
  (err: unknown) => {
    console.error(err);
    process.exit(3);
  },
);
