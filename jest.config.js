/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  // Bundles the workflows once per run (webpack takes seconds; every worker reuses the bundle).
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFiles: ['<rootDir>/test/no-real-seam.ts'],
  // The time-skipping server is global to its environment: files run one at a time.
  maxWorkers: 1,
  testTimeout: 60_000,
};
