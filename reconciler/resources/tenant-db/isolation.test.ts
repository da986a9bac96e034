import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate as migrateControl } from '../../../app/db/migrate.js';
import { withDatabase } from '../../../app/db/url.js';
import { Secret } from '../../../fleet/secret.js';
import { admin, adminUrl, dropDatabase } from '../../../test/pg/database.js';
import { parseServerUrl } from './connection.js';
import { deriveDbPassword } from './password.js';
import { PgTenantDatabase } from './pg.js';

/**
 * Tenant isolation on a real server: two tenants made by the real `ensure`, and a control
 * database made by the real migrations, all on one server as in local mode. Each refusal is
 * asserted with PostgreSQL's own SQLSTATE and message, so a looser grant cannot hide behind
 * some other error (a wrong password would also fail a connect, with 28P01).
 */
const SECRET = new Secret(randomBytes(16).toString('hex'));
const passwordOf = (slug: string) => deriveDbPassword(SECRET, slug);
const FLEET = `iso-${process.pid}`;
const tag = createHash('sha256').update(`${process.pid}:${Date.now()}`).digest('hex').slice(0, 8);
const A = `iso${tag}-a`;
const B = `iso${tag}-b`;
const nameOf = (slug: string) => `bf_${slug.replace(/-/g, '_')}`;
const CONTROL = `iso_control_${tag}`;
/** A login role that is no tenant: what PUBLIC's privileges alone would let in. */
const STRANGER = `iso_stranger_${tag}`;
const STRANGER_PASSWORD = randomBytes(12).toString('hex');

const tenantDb = new PgTenantDatabase(adminUrl(), { password: passwordOf });

interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** Connects as `user` to `database`, runs `sql`; resolves to the server's refusal, or 'ok'. */
async function attempt(user: string, password: string, database: string, sql?: string): Promise<Refusal | 'ok'> {
  const server = parseServerUrl(adminUrl());
  const client = new pg.Client({ host: server.host, port: server.port, user, password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (sql !== undefined) await client.query(sql);
    return 'ok';
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { code: e.code ?? '?', message: e.message ?? String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const denied = (database: string): Refusal => ({ code: '42501', message: `permission denied for database "${database}"` });

describe('tenant isolation on a real PostgreSQL server', () => {
  beforeAll(async () => {
    for (const slug of [A, B]) await tenantDb.drop(slug);
    await dropDatabase(CONTROL);
    await admin(async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${STRANGER}`);
      await c.query(`CREATE ROLE ${STRANGER} LOGIN PASSWORD '${STRANGER_PASSWORD}'`);
      await c.query(`CREATE DATABASE ${CONTROL}`);
    });
    await migrateControl(new Secret(withDatabase(adminUrl(), CONTROL)));
    for (const slug of [A, B]) await tenantDb.ensure(FLEET, slug, passwordOf(slug));
  });

  afterAll(async () => {
    for (const slug of [A, B]) await tenantDb.drop(slug);
    await dropDatabase(CONTROL);
    await admin((c) => c.query(`DROP ROLE IF EXISTS ${STRANGER}`));
  });

  it("lets each tenant into its own database (the refusals below are not a broken login)", async () => {
    expect(await attempt(nameOf(A), passwordOf(A), nameOf(A), 'SELECT 1')).toBe('ok');
    expect(await attempt(nameOf(B), passwordOf(B), nameOf(B), 'SELECT 1')).toBe('ok');
  });

  it("refuses tenant A's role at tenant B's database and at the control database", async () => {
    expect(await attempt(nameOf(A), passwordOf(A), nameOf(B))).toEqual(denied(nameOf(B)));
    expect(await attempt(nameOf(B), passwordOf(B), nameOf(A))).toEqual(denied(nameOf(A)));
    expect(await attempt(nameOf(A), passwordOf(A), CONTROL)).toEqual(denied(CONTROL));
  });

  it('refuses a role that is no tenant at every tenant database: PUBLIC may not connect', async () => {
    expect(await attempt(STRANGER, STRANGER_PASSWORD, nameOf(A))).toEqual(denied(nameOf(A)));
    expect(await attempt(STRANGER, STRANGER_PASSWORD, CONTROL)).toEqual(denied(CONTROL));
    const acl = await admin(async (c) =>
      (
        await c.query<{ db: string; privilege: string }>(
          `SELECT d.datname AS db, a.privilege_type AS privilege FROM pg_database d, aclexplode(d.datacl) a
            WHERE a.grantee = 0 AND d.datname = ANY($1) ORDER BY 1, 2`,
          [[nameOf(A), nameOf(B), CONTROL]],
        )
      ).rows,
    );
    // grantee 0 is PUBLIC. Tenant databases grant it nothing (ensure revokes CONNECT and
    // TEMPORARY); the control database's migration revokes CONNECT, which is what keeps roles out.
    expect(acl).toEqual([{ db: CONTROL, privilege: 'TEMPORARY' }]);
  });

  it('refuses CREATE DATABASE, CREATE ROLE and taking on another tenant\'s role', async () => {
    const asA = (sql: string) => attempt(nameOf(A), passwordOf(A), nameOf(A), sql);
    expect(await asA(`CREATE DATABASE iso_evil_${tag}`)).toEqual({ code: '42501', message: 'permission denied to create database' });
    expect(await asA(`CREATE ROLE iso_evil_${tag}`)).toEqual({ code: '42501', message: 'permission denied to create role' });
    expect(await asA(`SET ROLE ${nameOf(B)}`)).toEqual({ code: '42501', message: `permission denied to set role "${nameOf(B)}"` });
    expect(await asA(`GRANT ${nameOf(B)} TO ${nameOf(A)}`)).toMatchObject({ code: '42501' });
    expect(await asA('SELECT rolpassword FROM pg_authid')).toEqual({ code: '42501', message: 'permission denied for table pg_authid' });
  });

  it('takes PUBLIC CONNECT back again on the next ensure when someone granted it (drift)', async () => {
    await admin((c) => c.query(`GRANT CONNECT ON DATABASE ${nameOf(B)} TO PUBLIC`));
    expect(await attempt(nameOf(A), passwordOf(A), nameOf(B))).toBe('ok');
    await tenantDb.ensure(FLEET, B, passwordOf(B));
    expect(await attempt(nameOf(A), passwordOf(A), nameOf(B))).toEqual(denied(nameOf(B)));
  });

  it('gives tenant roles no server-wide power and no membership in any role', async () => {
    const roles = await admin(async (c) =>
      (
        await c.query<Record<string, unknown>>(
          `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
                  (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
             FROM pg_roles r WHERE rolname = ANY($1) ORDER BY 1`,
          [[nameOf(A), nameOf(B)]],
        )
      ).rows,
    );
    const powerless = { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, memberships: 0 };
    expect(roles).toEqual([
      { rolname: nameOf(A), ...powerless },
      { rolname: nameOf(B), ...powerless },
    ]);
  });
});
