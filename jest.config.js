// Tests are TypeScript run as native ESM (Node 24, --experimental-vm-modules), transpiled by
// ts-jest one file at a time (type checking is `npm run lint`'s job). ts-jest, unlike SWC, has
// no per-platform native binary, so the lockfile installs anywhere with `npm ci`.
// Tests that need the real S3 gateway start it through test/support/gateway.ts.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
