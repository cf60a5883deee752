// The tests of CI's database stand-in (FerretDB): how it answers the product's queries next to MongoDB, and the
// plans its patches give them. Run by .ci/run after the README's test command, against the same MONGO_IMAGE.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '..'),
  displayName: 'stand-in',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/.ci/tests/**/*.test.ts'],
  globalSetup: '<rootDir>/test/integration/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
};
