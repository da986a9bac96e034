import { describe, expect, it } from 'vitest';
import * as sql from './commands.js';
import { quoteIdent, quoteLiteral } from './commands.js';

describe('quoteIdent', () => {
  it.each([
    ['bf_acme', '"bf_acme"'],
    ['Mixed Case', '"Mixed Case"'],
    ['x"; DROP DATABASE bf_acme; --', '"x""; DROP DATABASE bf_acme; --"'],
    ['"', '""""'],
    ['a""b', '"a""""b"'],
  ])('quotes %j as %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it('refuses what cannot be an identifier', () => {
    expect(() => quoteIdent('')).toThrow(TypeError);
    expect(() => quoteIdent('a\0b')).toThrow(TypeError);
  });
});

describe('quoteLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["'; DROP ROLE x; --", "'''; DROP ROLE x; --'"],
    ['back\\slash', " E'back\\\\slash'"],
  ])('quotes %j as %s', (value, quoted) => {
    expect(quoteLiteral(value)).toBe(quoted);
  });
});

describe('tenant database commands', () => {
  const names = sql.namesOf('acme-shop');
  const verifier = 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy';

  it('derive database and role from the slug', () => {
    expect(names).toEqual({ database: 'bf_acme_shop', role: 'bf_acme_shop' });
  });

  it('ensure: role, password as a verifier, database, CONNECT for the tenant only', () => {
    expect(sql.roleExists(names.role)).toEqual({ sql: 'SELECT 1 FROM pg_roles WHERE rolname = $1', values: ['bf_acme_shop'] });
    expect(sql.createRole(names.role, verifier)).toEqual({
      sql: `CREATE ROLE "bf_acme_shop" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${verifier}'`,
      values: [],
    });
    expect(sql.setRolePassword(names.role, verifier)).toEqual({ sql: `ALTER ROLE "bf_acme_shop" WITH LOGIN PASSWORD '${verifier}'`, values: [] });
    expect(sql.grantRoleToAdmin(names.role)).toEqual({ sql: 'GRANT "bf_acme_shop" TO CURRENT_USER', values: [] });
    expect(sql.createDatabase(names.database, names.role)).toEqual({ sql: 'CREATE DATABASE "bf_acme_shop" WITH OWNER "bf_acme_shop"', values: [] });
    expect(sql.revokePublicConnect(names.database)).toEqual({ sql: 'REVOKE CONNECT, TEMPORARY ON DATABASE "bf_acme_shop" FROM PUBLIC', values: [] });
    expect(sql.grantConnect(names.database, names.role)).toEqual({ sql: 'GRANT CONNECT, TEMPORARY ON DATABASE "bf_acme_shop" TO "bf_acme_shop"', values: [] });
  });

  it('drop: sessions, then database, then role, each fine when absent', () => {
    expect(sql.terminateSessions(names)).toEqual({
      sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE (datname = $1 OR usename = $2) AND pid <> pg_backend_pid()',
      values: ['bf_acme_shop', 'bf_acme_shop'],
    });
    expect(sql.dropDatabase(names.database)).toEqual({ sql: 'DROP DATABASE IF EXISTS "bf_acme_shop" WITH (FORCE)', values: [] });
    expect(sql.dropRole(names.role)).toEqual({ sql: 'DROP ROLE IF EXISTS "bf_acme_shop"', values: [] });
  });

  it('migrations: ids travel as values', () => {
    expect(sql.isApplied('core@1.0.0/001.sql')).toEqual({ sql: 'SELECT 1 FROM buckfleet_migrations WHERE id = $1', values: ['core@1.0.0/001.sql'] });
    expect(sql.recordMigration("x'); DROP TABLE t; --")).toEqual({ sql: 'INSERT INTO buckfleet_migrations (id) VALUES ($1)', values: ["x'); DROP TABLE t; --"] });
  });

  it('a hostile name stays one quoted identifier in every DDL statement', () => {
    const hostile = 'bf_x"; DROP DATABASE postgres; --';
    for (const c of [sql.createRole(hostile, verifier), sql.createDatabase(hostile, hostile), sql.revokePublicConnect(hostile), sql.dropDatabase(hostile), sql.dropRole(hostile)]) {
      expect(c.sql).toContain('"bf_x""; DROP DATABASE postgres; --"');
      expect(c.sql.replace(/"(?:[^"]|"")*"/g, 'IDENT')).not.toContain('DROP DATABASE postgres');
    }
  });
});
