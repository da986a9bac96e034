import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:load`: load tests too heavy for the 2-core CI runner (50 tenants' containers on
 * two test hosts: their health checks alone keep a load average near 90 there). Not called by
 * `.ci/run`; run them on a machine with cores to spare. test/reliability/README.md ("Load").
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/load/**/*.test.ts'], exclude: ['node_modules/**', 'dist/**'] },
});
