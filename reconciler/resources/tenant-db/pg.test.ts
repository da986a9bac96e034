import { createHash } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { migrate as migrateControl } from '../../../app/db/migrate.js';
import { Secret } from '../../../fleet/secret.js';
import { admin, adminUrl, PG_DUMP, testDatabase } from '../../../test/pg/database.js';
import { quoteIdent } from './commands.js';
import { parseServerUrl } from './connection.js';
import { InvalidTenantSlugError, TenantDbForbiddenError, TenantDbOwnedElsewhereError, TenantDumpError, TenantMigrationError } from './errors.js';
import { deriveDbPassword } from './password.js';
import { PgTenantDatabase } from './pg.js';

const SECRET = new Secret('tenant-db-test-secret');
/** Each test file's own fleet: the shared test server holds other files' tenant databases too. */
const FLEET = `tdb-test-${process.pid}`;
const passwordOf = (slug: string) => deriveDbPassword(SECRET, slug);

/**
 * Tenant databases and roles are server-wide, and test files run in parallel on one server:
 * each test's slugs carry a hash of its name. They are dropped before the test and, if it
 * passed, after it.
 */
function tenantsFor(ctx: TestContext, tenantDb: PgTenantDatabase, ...suffixes: string[]): string[] {
  const tag = createHash('sha256').update(ctx.task.fullName).digest('hex').slice(0, 8);
  const slugs = suffixes.map((s) => `t${tag}-${s}`);
  ctx.onTestFinished(async (done) => {
    if (done.task.result?.state === 'pass') for (const slug of slugs) await tenantDb.drop(slug);
  });
  return slugs;
}

async function setup(ctx: TestContext, ...suffixes: string[]) {
  const tenantDb = new PgTenantDatabase(adminUrl(), { password: passwordOf, pgDump: PG_DUMP });
  const slugs = tenantsFor(ctx, tenantDb, ...suffixes);
  for (const slug of slugs) await tenantDb.drop(slug);
  return { tenantDb, slugs };
}

/** Connects as `user` to `database`; resolves to the SQLSTATE of the refusal, or 'connected'. */
async function tryConnect(user: string, password: string, database: string): Promise<string> {
  const server = parseServerUrl(adminUrl());
  const client = new pg.Client({ host: server.host, port: server.port, user, password, database });
  try {
    await client.connect();
    await client.end();
    return 'connected';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const role = (slug: string) => `bf_${slug.replace(/-/g, '_')}`;

describe('PgTenantDatabase.ensure', () => {
  it('creates role and database once; a second run changes nothing but the password', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    const observed = (await tenantDb.observe(FLEET)).get(slug);
    expect(observed).toEqual({ database: role(slug), role: role(slug), databaseExists: true, roleExists: true, migrations: [] });
    expect(await tryConnect(role(slug), passwordOf(slug), role(slug))).toBe('connected');

    // A new password (a rotated secret) replaces the old one.
    await tenantDb.ensure(FLEET, slug, 'rotated-password');
    expect(await tryConnect(role(slug), 'rotated-password', role(slug))).toBe('connected');
    expect(await tryConnect(role(slug), passwordOf(slug), role(slug))).toBe('28P01');
  });

  it("keeps tenants apart: A's role cannot connect to B's database, nor to the control database", async (ctx) => {
    const control = await testDatabase(ctx);
    await migrateControl(new Secret(control.url));
    const { tenantDb, slugs } = await setup(ctx, 'a', 'b');
    const [a = '', b = ''] = slugs;
    await tenantDb.ensure(FLEET, a, passwordOf(a));
    await tenantDb.ensure(FLEET, b, passwordOf(b));
    expect(await tryConnect(role(a), passwordOf(a), role(a))).toBe('connected');
    expect(await tryConnect(role(a), passwordOf(a), role(b))).toBe('42501');
    expect(await tryConnect(role(a), passwordOf(a), control.name)).toBe('42501');
  });

  it('works for a non-superuser admin with CREATEROLE and CREATEDB, as on managed servers', async (ctx) => {
    const adminRole = `adm_${createHash('sha256').update(ctx.task.fullName).digest('hex').slice(0, 8)}`;
    await admin(async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${adminRole}`);
      await c.query(`CREATE ROLE ${adminRole} LOGIN CREATEROLE CREATEDB PASSWORD 'managed-admin-pw'`);
    });
    ctx.onTestFinished(async (done) => {
      if (done.task.result?.state === 'pass') await admin((c) => c.query(`DROP ROLE IF EXISTS ${adminRole}`));
    });
    const url = new URL(adminUrl());
    url.username = adminRole;
    url.password = 'managed-admin-pw';
    const tenantDb = new PgTenantDatabase(url.toString(), { password: passwordOf });
    const [slug = ''] = tenantsFor(ctx, tenantDb, 'm');
    await tenantDb.drop(slug);
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    expect(await tenantDb.migrate(slug, [{ id: 'core@1.0.0/001.sql', sql: 'CREATE TABLE t (x int)' }])).toEqual(['core@1.0.0/001.sql']);
    expect((await tenantDb.observe(FLEET)).get(slug)?.migrations).toEqual(['core@1.0.0/001.sql']);
  });
});

describe('PgTenantDatabase observe, scoped', () => {
  it('reads only the tenants it is asked for, and none for an empty scope', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'one', 'two');
    for (const slug of slugs) await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    const [one = '', two = ''] = slugs;
    const all = await tenantDb.observe(FLEET);
    expect(all.has(one) && all.has(two)).toBe(true);
    const scoped = await tenantDb.observe(FLEET, new Set([two]));
    expect([...scoped.keys()]).toEqual([two]);
    expect(scoped.get(two)).toEqual(all.get(two));
    expect((await tenantDb.observe(FLEET, new Set())).size).toBe(0);
  });
});

describe('PgTenantDatabase ownership', () => {
  it("sees only its own fleet's databases, and never takes over another fleet's", async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'own');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    expect((await tenantDb.observe(FLEET)).has(slug)).toBe(true);
    expect((await tenantDb.observe('someone-else')).has(slug)).toBe(false);
    const err = await tenantDb.ensure('someone-else', slug, passwordOf(slug)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantDbOwnedElsewhereError);
    expect((err as Error).message).toContain(`marked "buckfleet fleet=${FLEET}"`);
  });
});

describe('PgTenantDatabase.migrate', () => {
  const m = (n: number, sql = `CREATE TABLE t${n} (x int); INSERT INTO t${n} VALUES (${n});`) => ({ id: `core@1.0.0/00${n}.sql`, sql });

  it('applies each migration once, in order, as the tenant', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    expect(await tenantDb.migrate(slug, [m(1), m(2)])).toEqual([m(1).id, m(2).id]);
    expect(await tenantDb.migrate(slug, [m(1), m(2), m(3)])).toEqual([m(3).id]);
    expect(await tenantDb.migrate(slug, [m(1), m(2), m(3)])).toEqual([]);
    expect((await tenantDb.observe(FLEET)).get(slug)?.migrations).toEqual([m(1).id, m(2).id, m(3).id]);
    // As the tenant: what the migrations made belongs to the tenant's role.
    const c = new pg.Client({ connectionString: tenantDb.connectionUrl(slug, passwordOf(slug)) });
    await c.connect();
    const owners = await c.query<{ owner: string }>(`SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'`);
    await c.end();
    expect(owners.rows).toEqual([{ owner: role(slug) }]);
  });

  it('rolls a failing migration back, names it, and applies nothing after it', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    const bad = { id: 'core@1.1.0/002_bad.sql', sql: 'CREATE TABLE half (x int); INSERT INTO missing VALUES (1);' };
    const failing = tenantDb.migrate(slug, [m(1), bad, m(3)]);
    await expect(failing).rejects.toBeInstanceOf(TenantMigrationError);
    await expect(failing).rejects.toMatchObject({ tenant: slug, migrationId: bad.id, code: '42P01', kind: 'stalled' });
    await expect(failing).rejects.toThrow(/core@1\.1\.0\/002_bad\.sql/);
    expect((await tenantDb.observe(FLEET)).get(slug)?.migrations).toEqual([m(1).id]);
    const c = new pg.Client({ connectionString: tenantDb.connectionUrl(slug, passwordOf(slug)) });
    await c.connect();
    const tables = (await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
    await c.end();
    expect(tables).toEqual(['buckfleet_migrations', 't1']);
  });

  it('fails as Stalled, without the password, when the tenant password does not match', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, 'the-current-password');
    const failing = tenantDb.migrate(slug, [m(1)]);
    await expect(failing).rejects.toBeInstanceOf(TenantDbForbiddenError);
    await expect(failing).rejects.toMatchObject({ code: '28P01', step: 'migrate', kind: 'stalled' });
    await expect(failing).rejects.not.toThrow(passwordOf(slug));
    await expect(failing).rejects.not.toThrow('the-current-password');
  });
});

describe('PgTenantDatabase.dump and drop', () => {
  it('dumps in custom format as a stream', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    await tenantDb.migrate(slug, [{ id: 'core@1.0.0/001.sql', sql: "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('hello');" }]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of tenantDb.dump(slug)) chunks.push(chunk);
    const dump = Buffer.concat(chunks);
    expect(dump.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect(dump.length).toBeGreaterThan(500);
  });

  it('fails the stream with TenantDumpError, pg_dump\'s words and no password, when pg_dump cannot log in', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, 'not-the-derived-one');
    const reading = (async () => {
      for await (const chunk of tenantDb.dump(slug)) void chunk;
    })();
    await expect(reading).rejects.toBeInstanceOf(TenantDumpError);
    await expect(reading).rejects.toThrow(/password authentication failed/);
    await expect(reading).rejects.not.toThrow(passwordOf(slug));
  });

  it('drops database and role, even with a session open, and again when they are gone', async (ctx) => {
    const { tenantDb, slugs } = await setup(ctx, 'a');
    const slug = slugs[0] ?? '';
    await tenantDb.ensure(FLEET, slug, passwordOf(slug));
    const session = new pg.Client({ connectionString: tenantDb.connectionUrl(slug, passwordOf(slug)) });
    session.on('error', () => undefined);
    await session.connect();
    await tenantDb.drop(slug);
    await tenantDb.drop(slug);
    expect((await tenantDb.observe(FLEET)).has(slug)).toBe(false);
    await session.end().catch(() => undefined);
  });
});

describe('names never reach SQL unquoted', () => {
  it('a hostile name round-trips through quoteIdent on the server as one identifier', async () => {
    const hostile = 'x"; DROP DATABASE postgres; --';
    const r = await admin((c) => c.query(`SELECT 1 AS ${quoteIdent(hostile)}`));
    expect(r.fields.map((f) => f.name)).toEqual([hostile]);
  });

  it('methods refuse a slug fleet/ would refuse before building any SQL', async () => {
    const tenantDb = new PgTenantDatabase('postgres://nobody:pw@127.0.0.1:1/postgres', { password: passwordOf });
    await expect(tenantDb.ensure(FLEET, 'x"; DROP ROLE postgres; --', 'pw')).rejects.toBeInstanceOf(InvalidTenantSlugError);
    await expect(tenantDb.drop('Bad_Slug')).rejects.toBeInstanceOf(InvalidTenantSlugError);
    expect(() => tenantDb.connectionUrl('a', 'pw')).toThrow(InvalidTenantSlugError);
  });
});
