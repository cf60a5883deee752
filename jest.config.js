// One Jest run, four projects. Docker-backed projects run one file at a time (see maxWorkers in package.json scripts).
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: tsJest,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit'),
    project('integration', {
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    }),
    project('stack', { globalSetup: '<rootDir>/test/stack/global-setup.ts' }),
    project('resilience', { globalSetup: '<rootDir>/test/stack/global-setup.ts' }),
    project('browser', { globalSetup: '<rootDir>/test/stack/global-setup.ts' }),
    project('deploy', { globalSetup: '<rootDir>/test/stack/global-setup.ts' }),
  ],
};
