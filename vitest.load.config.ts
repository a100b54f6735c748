import { defineConfig } from 'vitest/config';

// The load test: not part of `npm test` (it takes tens of seconds), run by CI after it.
export default defineConfig({
  test: {
    include: ['test/load/**/*.load.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // gc() for the load test's retained-memory check (test/harness/memory-watch.ts).
    execArgv: ['--expose-gc'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
