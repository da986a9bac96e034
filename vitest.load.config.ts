import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:load`: the load part of the reliability suite (50 purchases at once, 50 real
 * stacks on two test hosts). `.ci/run` calls it last, alone: run beside the other suites, its
 * containers' health checks and theirs starve each other on 2 cores. test/reliability/README.md ("Load").
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/load/**/*.test.ts'], exclude: ['node_modules/**', 'dist/**'] },
});
