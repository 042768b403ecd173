import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalSetup(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const path = join(mkdtempSync(join(tmpdir(), 'lockstep-test-')), 'workflow-bundle.js');
  writeFileSync(path, code);
  process.env.LOCKSTEP_TEST_WORKFLOW_BUNDLE = path;
}
