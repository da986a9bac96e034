import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { Secret } from '../fleet/secret.js';
import { deriveDbPassword, PgTenantDatabase } from '../reconciler/resources/tenant-db/index.js';
import { TEST_IDENTITY } from '../test/fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { adminUrl, testDatabase } from '../test/pg/database.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

/**
 * `buckfleet db copy` between two databases of the run's real PostgreSQL server: a source with
 * tables and rows, and a tenant database and role made as the reconciler makes them
 * (PgTenantDatabase.ensure, password derived from the age identity).
 */

// Its own slug, so no other test's tenant database on the shared server is touched.
const SLUG = 'dbcopy-target';
const FLEET = {
  ...VALID_FLEET,
  [`tenants/${SLUG}/tenant.yaml`]: `slug: ${SLUG}\nowner: { telegramUserId: 4242 }\nplan: basic\nplacement: { type: shared, host: h-one }\nmodules:\n  core: { version: 1.2.0 }\ncreatedAt: "2026-11-01T00:00:00Z"\n`,
  [`tenants/${SLUG}/billing.yaml`]: 'status: active\npaidThrough: null\n',
};

let fleet: TempBareRepo;
let root: string;
let env: Record<string, string>;
let tenants: PgTenantDatabase;
const password = deriveDbPassword(new Secret(TEST_IDENTITY), SLUG);

beforeEach(async () => {
  fleet = await makeTempBareRepo(FLEET);
  root = join(fleet.gitDir, '..');
  await writeFile(join(root, 'age-identity.txt'), `${TEST_IDENTITY}\n`, { mode: 0o600 });
  env = { FLEET_REPO: fleet.gitDir, TENANT_DATABASE_URL: adminUrl(), AGE_IDENTITY_FILE: join(root, 'age-identity.txt'), BUCKFLEET_HOME: join(root, 'home') };
  tenants = new PgTenantDatabase(adminUrl(), { password: () => password });
  await tenants.drop(SLUG);
});
afterEach(async () => {
  await tenants.drop(SLUG);
  await fleet.cleanup();
});

async function cli(argv: string[]) {
  const io = captureIo(root, env);
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** A source database with two tables, 1,000 and 37 rows, a sequence and an index. */
async function sourceDb(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await db.pool.query(`
    CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT '2026-01-01');
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users(id), amount numeric(10,2), note text);
    CREATE INDEX orders_user ON orders(user_id);
    INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 1000) g;
    INSERT INTO orders SELECT g, g * 7, g * 1.25, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 37) g;
  `);
  return db;
}

/** Row counts and an md5 over every row, in key order, of both tables. */
async function fingerprint(query: (sql: string) => Promise<pg.QueryResult>) {
  const r = await query(`SELECT
    (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM orders)::int AS orders,
    (SELECT md5(string_agg(u::text, '|' ORDER BY id)) FROM users u) AS users_md5,
    (SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o) AS orders_md5`);
  return r.rows[0] as Record<string, unknown>;
}

async function onTenant<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(adminUrl());
  const c = new pg.Client({ host: u.hostname, port: Number(u.port), user: 'bf_dbcopy_target', password, database: 'bf_dbcopy_target' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('buckfleet db copy', () => {
  it('refuses a tenant that is not on main, and one not deployed yet', async (ctx) => {
    const source = await sourceDb(ctx);
    const missing = await cli(['db', 'copy', '--from', source.url, '--to-tenant', 'nobody-here']);
    expect(missing).toMatchObject({ code: 1, err: ['buckfleet: tenant "nobody-here" is not on main: merge its PR (buckfleet pr list) and deploy it first'] });
    const undeployed = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG]);
    expect(undeployed.code).toBe(1);
    expect(undeployed.err).toEqual([expect.stringMatching(/^buckfleet: tenant "dbcopy-target" has no database yet on .*: deploy it first/)]);
  });

  it('streams the source into the tenant database as its role; refuses a target with tables unless --clean; never prints a password', async (ctx) => {
    const source = await sourceDb(ctx);
    await tenants.ensure('acme', SLUG, password);
    const sourcePassword = decodeURIComponent(new URL(source.url).password);

    const copied = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG]);
    expect(copied.err).toEqual([]);
    expect(copied.code).toBe(0);
    expect(copied.out).toEqual([
      expect.stringMatching(/^copying postgres:\/\/\S+:\*\*\*@\S+ \(PostgreSQL \d+\) into bf_dbcopy_target on \S+ \(PostgreSQL \d+\) with pg_dump \d+ \| pg_restore \d+$/),
      'copied 2 tables, 1037 rows into bf_dbcopy_target',
      '  public.orders: 37 rows',
      '  public.users: 1000 rows',
    ]);
    const expected = await fingerprint((sql) => source.pool.query(sql));
    expect(await onTenant((c) => fingerprint((sql) => c.query(sql)))).toEqual(expected);
    // Restored as the tenant's role (--no-owner): it owns what it got.
    expect(await onTenant(async (c) => (await c.query<{ tableowner: string }>(`SELECT tableowner FROM pg_tables WHERE tablename = 'users'`)).rows[0])).toEqual({ tableowner: 'bf_dbcopy_target' });

    const refused = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG]);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual(['buckfleet: bf_dbcopy_target already has 2 tables (public.orders, public.users): --clean drops the objects the dump holds before restoring them, --force restores on top']);

    await source.pool.query(`INSERT INTO orders VALUES (1000, 1, 9.99, 'late')`);
    const clean = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG, '--clean']);
    expect(clean.err).toEqual([]);
    expect(clean.out).toContain('  public.orders: 38 rows');
    expect(await onTenant((c) => fingerprint((sql) => c.query(sql)))).toEqual(await fingerprint((sql) => source.pool.query(sql)));

    // --force restores on top: the rows collide with the keys already there, so pg_restore fails, and says so.
    const forced = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG, '--force']);
    expect(forced.code).toBe(1);
    expect(forced.err).toEqual([expect.stringMatching(/^buckfleet: pg_restore into bf_dbcopy_target failed, nothing was restored: .*already exists/)]);
    expect(await onTenant((c) => fingerprint((sql) => c.query(sql)))).toEqual(await fingerprint((sql) => source.pool.query(sql)));

    for (const r of [copied, refused, clean, forced]) {
      const text = [...r.out, ...r.err].join('\n');
      expect(text).not.toContain(sourcePassword);
      expect(text).not.toContain(password);
    }
  });

  it('fails on a wrong source, with the reason and without the password', async (ctx) => {
    const source = await sourceDb(ctx);
    await tenants.ensure('acme', SLUG, password);
    const wrong = new URL(source.url);
    wrong.password = 'wrong-password-not-shown';
    const badPassword = await cli(['db', 'copy', '--from', wrong.toString(), '--to-tenant', SLUG]);
    expect(badPassword.code).toBe(1);
    expect(badPassword.err).toEqual([expect.stringMatching(/^buckfleet: cannot read the source postgres:\/\/\S+@\S+: password authentication failed/)]);
    expect(badPassword.err.join('')).not.toContain('wrong-password-not-shown');

    const noDb = new URL(source.url);
    noDb.pathname = '/no_such_database_here';
    const missingDb = await cli(['db', 'copy', '--from', noDb.toString(), '--to-tenant', SLUG]);
    expect(missingDb.err).toEqual([expect.stringMatching(/^buckfleet: cannot read the source .*: database "no_such_database_here" does not exist/)]);

    const notUrl = await cli(['db', 'copy', '--from', 'mysql://u:secret-pw@h/d', '--to-tenant', SLUG]);
    expect(notUrl).toEqual({ code: 2, out: [], err: ['buckfleet: --from must start with postgres:// or postgresql://'] });

    // pg_dump itself failing (here: a tool that is not pg_dump) fails the command with its stderr.
    env = { ...env, PG_DUMP: join(root, 'fake-pg_dump') };
    await writeFile(env.PG_DUMP!, `#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 15.0"; exit 0; fi\necho "pg_dump: error: connection to server failed: password $PGPASSWORD rejected" >&2\nexit 1\n`, { mode: 0o755 });
    const dumpFails = await cli(['db', 'copy', '--from', source.url, '--to-tenant', SLUG]);
    expect(dumpFails.code).toBe(1);
    expect(dumpFails.err).toEqual([expect.stringMatching(/^buckfleet: pg_dump failed \(source postgres:\/\/\S+@\S+\): pg_dump: error: connection to server failed: password \*\*\* rejected$/)]);
  });
});
