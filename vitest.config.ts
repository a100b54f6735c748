import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // gc() for test/harness/memory-watch.ts: what a hostile server makes the SDK hold, measured after a
    // collection rather than whenever V8 collects.
    execArgv: ['--expose-gc'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
