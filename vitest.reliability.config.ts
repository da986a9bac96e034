import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:reliability`: the slow part of the reliability suite (faults injected into real
 * hosts, databases and the fakes; load; the secrets audit), kept out of `npm test` for its time
 * and run by `.ci/run` after it. test/reliability/README.md maps the suite to the tests.
 */
export default mergeConfig(base, defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
  },
}));
