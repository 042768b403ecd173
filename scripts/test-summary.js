// The one closing line `make test` prints for CI: jest's tests plus the fault suite's scenarios,
// "tests: N passed, N failed, N skipped". A missing or unreadable report counts as one failure.
const { readFileSync } = require('node:fs');

function read(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const [jestPath, faultsPath] = process.argv.slice(2);
const jest = read(jestPath);
const faults = read(faultsPath);
let passed = 0;
let failed = 0;
let skipped = 0;
if (jest) {
  passed += jest.numPassedTests;
  failed += jest.numFailedTests + jest.numRuntimeErrorTestSuites;
  skipped += jest.numPendingTests + jest.numTodoTests;
} else failed += 1;
if (faults) {
  const violated = faults.rows.filter((row) => !row.asDesigned).length + (faults.wholeLogSecretHits > 0 ? 1 : 0);
  passed += faults.rows.length - faults.rows.filter((row) => !row.asDesigned).length;
  failed += violated;
} else failed += 1;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
