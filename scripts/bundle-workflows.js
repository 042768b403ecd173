// Bundles the compiled workflows (dist/workflows) into dist/workflow-bundle.js, which the
// worker loads instead of running webpack at every start. Run by `make build` after tsc.
const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
bundleWorkflowCode({ workflowsPath: join(dist, 'workflows'), logger: new DefaultLogger('WARN') })
  .then(({ code }) => writeFileSync(join(dist, 'workflow-bundle.js'), code))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
