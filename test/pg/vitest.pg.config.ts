import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * The project's vitest config plus the PostgreSQL server of test/pg/global-setup.ts, for running
 * the Postgres tests on their own: `npx vitest run --config test/pg/vitest.pg.config.ts [files]`.
 * Once vitest.config.ts has the globalSetup line, this file is only a shortcut.
 */
export default mergeConfig(
  base,
  defineConfig({
    root: new URL('../..', import.meta.url).pathname,
    test: { globalSetup: ['test/pg/global-setup.ts'] },
  }),
);
