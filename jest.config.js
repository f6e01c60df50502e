/**
 * Two tiers (STYLE §6): `unit` needs nothing; `integration` talks to the real broker and database,
 * which the global setup provisions (or reuses) when KAFKA_BROKERS / MONGO_URL are unset.
 */
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const moduleNameMapper = { '^@medlives/([^/]+)$': '<rootDir>/packages/$1/src' };
const roots = ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/cdk8s', '<rootDir>/scripts', '<rootDir>/test'];

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Suites that need scripts/k8s/tools.sh's binaries run last (CI builds them in the background).
  testSequencer: '<rootDir>/test/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots,
      transform,
      moduleNameMapper,
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots,
      transform,
      moduleNameMapper,
      testMatch: ['**/*.int.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration-setup.ts'],
    },
  ],
};
