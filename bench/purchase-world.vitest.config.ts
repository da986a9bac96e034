import { defineConfig } from 'vitest/config';

/**
 * The purchase benchmarks' children (bench/deploy-run.e2e.ts, bench/burst-run.e2e.ts) run under
 * vitest, not plain tsx: the e2e harness they reuse (test/e2e/world.ts) finds the test
 * PostgreSQL through vitest's `inject`, provided by the same globalSetup as `npm test`'s.
 * Named *.e2e.ts so that `npm test` (which runs **\/*.test.ts) never picks them up.
 */
export default defineConfig({
  test: {
    include: ['bench/deploy-run.e2e.ts', 'bench/burst-run.e2e.ts'],
    globalSetup: ['test/pg/global-setup.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
    env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  },
});
