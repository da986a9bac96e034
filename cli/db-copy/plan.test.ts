import { describe, expect, it } from 'vitest';
import { clientMajor, copyReport, dumpArgs, libpqEnv, parseSourceUrl, redactDbUrl, restoreArgs, scrubText, serverMajor, SourceUrlError, stderrTail, versionProblem } from './plan.js';

describe('db copy plan', () => {
  it('parses a Heroku-style URL, TLS unless on loopback', () => {
    expect(parseSourceUrl('postgres://u%40x:p%3Aw@ec2-1.compute.amazonaws.com:5433/dbname')).toEqual({
      host: 'ec2-1.compute.amazonaws.com', port: 5433, user: 'u@x', password: 'p:w', database: 'dbname', sslmode: 'require',
    });
    expect(parseSourceUrl('postgresql://u:p@127.0.0.1/d').sslmode).toBe('disable');
    expect(parseSourceUrl('postgres://u:p@localhost/d?sslmode=prefer').sslmode).toBe('prefer');
    for (const bad of ['nope', 'mysql://u:p@h/d', 'postgres://u:p@h', 'postgres://u:p@h/d?sslmode=maybe']) {
      expect(() => parseSourceUrl(bad)).toThrow(SourceUrlError);
    }
    try {
      parseSourceUrl('mysql://u:hunter2@h/d');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('puts connection details in the environment, none in argv', () => {
    const e = parseSourceUrl('postgres://u:pw@h:1/d');
    expect(libpqEnv(e)).toMatchObject({ PGHOST: 'h', PGPORT: '1', PGUSER: 'u', PGPASSWORD: 'pw', PGDATABASE: 'd', PGSSLMODE: 'require' });
    expect(dumpArgs()).toEqual(['--format=custom', '--no-password']);
    expect(restoreArgs('bf_a', false)).toEqual(['--no-owner', '--no-privileges', '--no-password', '--exit-on-error', '--single-transaction', '--dbname=bf_a']);
    expect(restoreArgs('bf_a', true)).toContain('--clean');
  });

  it('versions: a newer client is fine, an older pg_dump is refused', () => {
    expect(clientMajor('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toBe(15);
    expect(clientMajor('pg_restore (PostgreSQL) 17.2')).toBe(17);
    expect(clientMajor('nothing')).toBeNull();
    expect(serverMajor(150008)).toBe(15);
    expect(versionProblem({ dump: 17, restore: 17, source: 15, target: 15 })).toBeNull();
    expect(versionProblem({ dump: 15, restore: 15, source: 16, target: 15 })).toMatch(/pg_dump 15 cannot dump the source's PostgreSQL 16/);
  });

  it('redacts passwords in URLs and stderr', () => {
    expect(redactDbUrl('postgres://u:secret@h:5432/d?sslmode=require&password=x')).toBe('postgres://u:***@h:5432/d');
    expect(redactDbUrl('garbage secret')).toBe('<unparseable URL, not shown>');
    expect(scrubText('FATAL: password secret for postgres://a:other@h/d', ['secret'])).toBe('FATAL: password *** for postgres://a:***@h/d');
    expect(stderrTail('a\n\nb secret\n', ['secret'])).toBe('a | b ***');
    expect(copyReport('bf_a', [{ table: 'public.t', rows: 1 }, { table: 'public.u', rows: 2 }])).toEqual(['copied 2 tables, 3 rows into bf_a', '  public.t: 1 row', '  public.u: 2 rows']);
  });
});
