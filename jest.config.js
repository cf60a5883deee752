// One Jest config, seven projects. `npm test` runs unit, integration and stack (Docker only); `npm run test:all`
// adds browser (Chromium), deploy (sshd, docker-registry), resilience and swarm (Docker Swarm). Both pass --runInBand, so the
// Docker-backed files run one at a time on a shared engine.
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: tsJest,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});
// A removable feature (the demo) keeps its tests in its own folder under app/src/: deleting it deletes them.
const featureUnitTests = '<rootDir>/app/src/**/*.test.ts';
const featureIntegrationTests = '<rootDir>/app/src/**/*.integration.test.ts';
const featureStackTests = '<rootDir>/app/src/**/*.stack.test.ts';
// The Docker-backed projects that start the compose stack: fail fast without Docker, build the app image once.
const stackSetup = { globalSetup: '<rootDir>/test/stack/global-setup.ts' };
// The extras keep their tests beside their compose file: deleting acme/ or monitoring/ deletes them.
const extrasStackTests = '<rootDir>/{acme,monitoring}/tests/**/*.test.ts';

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit', {
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', featureUnitTests],
      testPathIgnorePatterns: ['/node_modules/', '\\.(integration|stack)\\.test\\.ts$'],
    }),
    project('integration', {
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', featureIntegrationTests],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    }),
    project('stack', {
      ...stackSetup,
      testMatch: ['<rootDir>/test/stack/**/*.test.ts', extrasStackTests, featureStackTests],
    }),
    project('browser', stackSetup),
    project('deploy', stackSetup),
    project('resilience', stackSetup),
    project('swarm', stackSetup),
  ],
};
