/**
 * Two projects:
 *   unit    — everything that needs no cluster: core, parsers on captured output, the local scheduler
 *             end to end, the fake Kubernetes API server (pnpm test)
 *   cluster — integration tests against the real testbeds in scripts/testbed (pnpm test:cluster)
 * Tests run from TypeScript sources (ts-jest, ESM); `@clustrix/x` maps to packages/x/src.
 */
import type { Config } from 'jest';

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@clustrix/core/(runtime|wire)$': '<rootDir>/packages/core/src/$1/index.ts',
    '^@clustrix/core/(scheduler|jobs)$': '<rootDir>/packages/core/src/entry/$1.ts',
    '^@clustrix/core$': '<rootDir>/packages/core/src/index.ts',
    '^@clustrix/scheduler-test-suite$': '<rootDir>/packages/scheduler-test-suite/src/index.ts',
    '^@clustrix/schedulers-(ssh|slurm|pbs|sge|kubernetes)$': '<rootDir>/packages/schedulers-$1/src/index.ts',
    '^@clustrix/remote-runner$': '<rootDir>/packages/remote-runner/src/index.ts',
    '^@clustrix/wire$': '<rootDir>/packages/wire/src/index.ts',
    '^@clustrix/wire/(errors|polyfill)$': '<rootDir>/packages/wire/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
} satisfies Config;

const config: Config = {
  // Tests start real processes (bundling, child nodes, fake pods) on a 2-CPU machine that CI keeps busy: jest's 5 s
  // default fails a first call that bundles under load. Tests that wait longer set their own limit.
  testTimeout: 30_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.cluster\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/packages/*/test/**/*.cluster.test.ts'],
    },
  ],
};

export default config;
