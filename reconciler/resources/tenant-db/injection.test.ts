import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, adminUrl } from '../../../test/pg/database.js';
import { quoteIdent, quoteLiteral } from './commands.js';
import { parseServerUrl } from './connection.js';
import { PgTenantDatabase } from './pg.js';

/**
 * Values that reach tenant-database SQL, on a real server: every one either travels as a bind
 * parameter or through quoteIdent/quoteLiteral, so a value shaped like SQL stays a value. The
 * pure builders are checked in commands.test.ts; here the server itself says what it parsed.
 */
const HOSTILE = [
  "'; DROP ROLE postgres; --",
  'x"; DROP DATABASE postgres; --',
  'back\\slash\\\' still one value',
  '$$; DROP TABLE x; $$',
  '$1 $tag$ E\'\\x41\'',
  'two\nlines\r\nand a tab\t',
  'ünï ✓ 😀',
];

const tag = createHash('sha256').update(`${process.pid}:${Date.now()}`).digest('hex').slice(0, 8);

describe('hostile values reaching tenant-database SQL', () => {
  it.each(['on', 'off'])('quoteLiteral and quoteIdent round-trip on the server, standard_conforming_strings %s', async (scs) => {
    const values = await admin(async (c) => {
      await c.query(`SET standard_conforming_strings = ${scs}`);
      const out: { literal: unknown; ident: string | undefined }[] = [];
      for (const v of HOSTILE) {
        const r = await c.query<Record<string, unknown>>(`SELECT ${quoteLiteral(v)} AS ${quoteIdent(v)}`);
        out.push({ literal: r.rows[0]?.[v], ident: r.fields[0]?.name });
      }
      return out;
    });
    expect(values).toEqual(HOSTILE.map((v) => ({ literal: v, ident: v })));
  });

  describe('ensure with hostile passwords and a hostile fleet name', () => {
    const slug = `inj${tag}-pw`;
    const role = `bf_${slug.replace(/-/g, '_')}`;
    // Printable ASCII only: scramVerifier refuses anything else (and deriveDbPassword makes base64url).
    const passwords = ["pw';DROP/**/ROLE/**/postgres;--", 'pw"\\$1$$E\'\\x41\'', "'", '\\'];
    const fleet = `fleet'; DROP DATABASE postgres; --\\ "x"`;
    const tenantDb = new PgTenantDatabase(adminUrl(), { password: () => passwords[0] ?? '' });
    afterAll(() => tenantDb.drop(slug));

    it('logs in with exactly the password given, which the server never receives in plaintext', async () => {
      const server = parseServerUrl(adminUrl());
      for (const password of passwords) {
        await tenantDb.ensure(fleet, slug, password);
        const client = new pg.Client({ host: server.host, port: server.port, user: role, password, database: role });
        await client.connect();
        const who = await client.query<{ u: string }>('SELECT current_user AS u');
        await client.end();
        expect(who.rows[0]?.u).toBe(role);
      }
      const stored = await admin((c) => c.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [role]));
      expect(stored.rows[0]?.p).toMatch(/^SCRAM-SHA-256\$4096:/);
    });

    it('refuses a password with spaces or line breaks before any SQL, without echoing it, and writes nothing', async () => {
      const other = `inj${tag}-refused`;
      for (const password of ["pw'; DROP ROLE postgres; --", 'line\nbreak']) {
        const refusal = await tenantDb.ensure(fleet, other, password).catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(TypeError);
        expect((refusal as Error).message).toBe('scramVerifier takes printable ASCII passwords only');
      }
      const made = await admin((c) => c.query('SELECT 1 FROM pg_roles WHERE rolname = $1 UNION ALL SELECT 1 FROM pg_database WHERE datname = $1', [`bf_${other.replace(/-/g, '_')}`]));
      expect(made.rowCount).toBe(0);
    });

    it('marks database and role with the fleet name exactly, and finds them by it', async () => {
      const marks = await admin((c) =>
        c.query<{ d: string; r: string }>(
          `SELECT shobj_description((SELECT oid FROM pg_database WHERE datname = $1), 'pg_database') AS d,
                  shobj_description((SELECT oid FROM pg_roles WHERE rolname = $1), 'pg_authid') AS r`,
          [role],
        ),
      );
      expect(marks.rows[0]).toEqual({ d: `buckfleet fleet=${fleet}`, r: `buckfleet fleet=${fleet}` });
      expect((await tenantDb.observe(fleet)).get(slug)).toMatchObject({ databaseExists: true, roleExists: true });
      // The server-wide things the hostile texts name are all still there.
      const left = await admin((c) => c.query(`SELECT 1 FROM pg_roles WHERE rolname = 'postgres' UNION ALL SELECT 1 FROM pg_database WHERE datname = 'postgres'`));
      expect(left.rowCount).toBe(2);
    });
  });
});
