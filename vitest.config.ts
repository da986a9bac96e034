import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // test/reliability runs on its own: npm run test:reliability (vitest.reliability.config.ts).
    exclude: ['node_modules/**', 'dist/**', 'test/reliability/**', 'test/load/**'],
    // One PostgreSQL server for the whole run: DATABASE_URL, or an embedded one (test/pg).
    globalSetup: ['test/pg/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Git-backed tests must not read the developer's global git config.
    env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  },
});
