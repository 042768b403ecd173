// Bundles the compiled workflows (dist/workflows) into dist/workflow-bundle.js, which the
// worker loads instead of running webpack at every start, and into
// dist/workflow-bundle-traced.js with the OpenTelemetry workflow interceptors, which a worker
// loads when tracing is on (src/ops/tracing.ts). Run by `make build` after tsc.
const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const bundles = [
  { file: 'workflow-bundle.js', workflowInterceptorModules: [] },
  {
    file: 'workflow-bundle-traced.js',
    workflowInterceptorModules: [
      require.resolve(require(join(dist, 'ops', 'tracing-config.js')).workflowTracingModule),
    ],
  },
];

(async () => {
  for (const { file, workflowInterceptorModules } of bundles) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(dist, 'workflows'),
      workflowInterceptorModules,
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(join(dist, file), code);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
