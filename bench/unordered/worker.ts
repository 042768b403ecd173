/**
 * make bench's baseline worker: `lockstep worker` (the same settings from the environment, the
 * same activities and log lines) with bench/unordered/workflows.ts as its workflow code.
 * Run as `node --import tsx bench/unordered/worker.ts`.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { run } from '../../src/worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
  });
  await run(process.env, { code });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});
