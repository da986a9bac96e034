import { access, chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../fleet/secret.js';
import { testDatabase } from '../../test/pg/database.js';
import { EmbeddedPostgresError } from './embedded.js';
import { ControlDbRefusedError, ControlDbUnreachableError } from './errors.js';
import { openControlDb } from './open.js';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('openControlDb with DATABASE_URL', () => {
  it('opens a pool on the URL', async (ctx) => {
    const db = await testDatabase(ctx);
    const control = await openControlDb({ database: { kind: 'url', url: new Secret(db.url) }, home: '.buckfleet' });
    try {
      expect((await control.pool.query('select current_database() as d')).rows).toEqual([{ d: db.name }]);
      expect(control.description).not.toContain(new URL(db.url).password);
    } finally {
      await control.close();
    }
  });

  it('fails at once on a wrong password, as "refused", without the password', async (ctx) => {
    const db = await testDatabase(ctx);
    const url = new URL(db.url);
    url.password = 'not-the-password-42';
    const opening = openControlDb({ database: { kind: 'url', url: new Secret(url.toString()) }, home: '.buckfleet' });
    await expect(opening).rejects.toBeInstanceOf(ControlDbRefusedError);
    await expect(opening).rejects.toMatchObject({ code: '28P01' });
    await expect(opening).rejects.not.toThrow(/not-the-password-42/);
  });

  it('fails as "unreachable" when nothing listens', async () => {
    const opening = openControlDb({ database: { kind: 'url', url: new Secret('postgres://u:topsecret@127.0.0.1:1/db') }, home: '.buckfleet' });
    await expect(opening).rejects.toBeInstanceOf(ControlDbUnreachableError);
    await expect(opening).rejects.toThrow(/postgres:\/\/u@127\.0\.0\.1:1\/db/);
    await expect(opening).rejects.not.toThrow(/topsecret/);
  });
});

describe('openControlDb in local mode (embedded PostgreSQL)', () => {
  let home = '';
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('starts a server under BUCKFLEET_HOME/postgres, keeps its data, and stops it on close', async () => {
    home = await mkdtemp(join(tmpdir(), 'buckfleet-home-'));
    await chmod(home, 0o755);
    const first = await openControlDb({ database: { kind: 'embedded' }, home });
    await first.pool.query('create table kept (x int)');
    await first.pool.query('insert into kept values (7)');
    const pidFile = join(home, 'postgres', 'postmaster.pid');
    const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    expect(isAlive(postmaster)).toBe(true);
    await first.close();
    expect(isAlive(postmaster)).toBe(false);
    await expect(access(pidFile)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(join(home, 'postgres.password'))).mode & 0o777).toBe(0o600);

    const second = await openControlDb({ database: { kind: 'embedded' }, home });
    try {
      expect((await second.pool.query('select x from kept')).rows).toEqual([{ x: 7 }]);
    } finally {
      await second.close();
    }
  });

  it.runIf(process.getuid?.() === 0)('refuses, as root, a BUCKFLEET_HOME the postgres user cannot enter, saying what to set', async () => {
    home = await mkdtemp(join(tmpdir(), 'buckfleet-home-'));
    await chmod(home, 0o700);
    const opening = openControlDb({ database: { kind: 'embedded' }, home: join(home, 'state') });
    await expect(opening).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(opening).rejects.toThrow(/BUCKFLEET_HOME .*DATABASE_URL/);
  });
});
