import { mergeConfig, type ViteUserConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:reliability`: the slow part of the reliability suite (faults injected into real
 * hosts, databases and the fakes; the secrets audit), kept out of `npm test` for its time
 * and run by `.ci/run` after it. test/reliability/README.md maps the suite to the tests.
 */
const merged: ViteUserConfig = mergeConfig(base, {});

// Set, not merged: mergeConfig concatenates arrays, which kept the base's `**/*.test.ts` (the
// whole unit suite) and its exclusion of test/reliability/** (so none of these tests ran).
export default {
  ...merged,
  test: { ...merged.test, include: ['test/reliability/**/*.test.ts'], exclude: ['node_modules/**', 'dist/**'] },
} satisfies ViteUserConfig;
