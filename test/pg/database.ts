import { createHash } from 'node:crypto';
import pg from 'pg';
import type { TestContext } from 'vitest';
import { withDatabase } from '../../app/db/url.js';
import { adminUrl } from './context.js';

export { adminUrl, PG_DUMP } from './context.js';

export interface TestDatabase {
  /** `t_<hash>`: a hash of the test's file and full name, the same on every run. */
  readonly name: string;
  /** Connection URL of this database, as the server's admin user. */
  readonly url: string;
  /** A pool on it, ended when the test finishes. */
  readonly pool: pg.Pool;
  /** Drops the database now (ends the pool first). */
  drop(): Promise<void>;
}

/**
 * A fresh database for one test (timgit/pg-boss test/hooks.ts): named by a hash of the test's
 * file and name, dropped before the test — a previous failed run may have left it — and after
 * it only if it passed, so a failure's data can be looked at (on a kept server: DATABASE_URL;
 * the embedded server deletes everything at the end of the run).
 *
 *   it('…', async (ctx) => { const db = await testDatabase(ctx); … })
 */
export async function testDatabase(ctx: TestContext): Promise<TestDatabase> {
  const name = testDatabaseName(ctx.task.fullName);
  await dropDatabase(name);
  await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = withDatabase(adminUrl(), name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client whose server connection dies (tests terminate backends on purpose) emits
  // 'error' on the pool; unhandled, that would crash the worker.
  pool.on('error', () => undefined);
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    if (!(await endPool(pool))) {
      // A client still checked out (a test that failed holding a lock): end its sessions so
      // nothing leaks into the next test; the database itself is dropped or kept below.
      await admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]));
    }
  };
  ctx.onTestFinished(async (finished) => {
    await end();
    if (finished.task.result?.state === 'pass') await dropDatabase(name);
    else console.info(`kept test database ${name} of "${ctx.task.fullName}" for inspection`);
  });
  return {
    name,
    url,
    pool,
    drop: async () => {
      await end();
      await dropDatabase(name);
    },
  };
}

/**
 * Ends a pool; false if it did not end within `ms` — pg waits for every checked-out client to
 * be released, and a failed test may never release one.
 */
export async function endPool(pool: pg.Pool, ms = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const ended = await Promise.race([pool.end().then(() => true as const), late]);
  clearTimeout(timer);
  return ended;
}

/** `t_` + 16 hex characters of sha256(file > test name): stable, short, a valid identifier. */
export function testDatabaseName(fullName: string): string {
  return `t_${createHash('sha256').update(fullName).digest('hex').slice(0, 16)}`;
}

/** WITH (FORCE) (PostgreSQL 13+) ends leftover sessions, e.g. of a test that failed mid-way. */
export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Runs `fn` on a short-lived admin connection to the maintenance database. */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
