// The one closing line `make test` prints for CI: every jest run's tests (Node 20, then Node
// 24) plus the fault suites' scenarios (the dev server's, then the cluster's: one report each),
// "tests: N passed, N failed, N skipped". Anything missing, malformed or incomplete is a failure: no results file, jest's own
// verdict not a success, a fault suite that ran fewer scenarios than it has or a scenario with
// no workflows.
const { readFileSync } = require('node:fs');

function read(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const count = (value) => Number(value) || 0;
// --jest FILE (each jest run's --json output) and --faults FILE (each fault suite's report), repeatable.
const args = process.argv.slice(2);
const filesOf = (flag) => args.flatMap((arg, i) => (arg === flag && args[i + 1] ? [args[i + 1]] : []));
const jestPaths = filesOf('--jest');
const faultsPaths = filesOf('--faults');
if (jestPaths.length === 0 || faultsPaths.length === 0) {
  console.error('usage: test-summary.js --jest FILE [--jest FILE ...] --faults FILE [--faults FILE ...]');
  process.exit(2);
}
let passed = 0;
let failed = 0;
let skipped = 0;

for (const jestPath of jestPaths) {
  const jest = read(jestPath);
  if (jest) {
    const failedHere = count(jest.numFailedTests) + count(jest.numRuntimeErrorTestSuites);
    passed += count(jest.numPassedTests);
    failed += failedHere;
    skipped += count(jest.numPendingTests) + count(jest.numTodoTests);
    if (jest.success !== true && failedHere === 0) failed += 1;
  } else failed += 1;
}

for (const faultsPath of faultsPaths) {
  const faults = read(faultsPath);
  const rows = Array.isArray(faults?.rows) ? faults.rows : null;
  if (rows && rows.length > 0 && rows.length === faults.expectedScenarios) {
    const good = rows.filter((row) => row.asDesigned === true && count(row.workflows) > 0).length;
    passed += good;
    failed += rows.length - good + (count(faults.wholeLogSecretHits) > 0 ? 1 : 0);
  } else failed += 1;
}

console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
