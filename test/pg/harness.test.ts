import { describe, expect, it } from 'vitest';
import { admin, testDatabase, testDatabaseName } from './database.js';

describe('test/pg harness', () => {
  it('gives each test its own fresh database, named by a hash of file and test name', async (ctx) => {
    const db = await testDatabase(ctx);
    expect(db.name).toBe(testDatabaseName(ctx.task.fullName));
    expect(db.name).toMatch(/^t_[0-9a-f]{16}$/);
    const r = await db.pool.query<{ db: string }>('select current_database() as db');
    expect(r.rows[0]?.db).toBe(db.name);
    await db.pool.query('create table leftover (x int)');
  });

  it('drops the database before the test, so a leftover of an earlier run is gone', async (ctx) => {
    const name = testDatabaseName(ctx.task.fullName);
    await admin((c) => c.query(`create database ${name}`));
    const db = await testDatabase(ctx);
    const r = await db.pool.query('select count(*)::int as n from pg_tables where schemaname = $1', ['public']);
    expect(r.rows[0]).toEqual({ n: 0 });
  });

  it('drop() removes the database at once', async (ctx) => {
    const db = await testDatabase(ctx);
    await db.drop();
    const r = await admin((c) => c.query('select 1 from pg_database where datname = $1', [db.name]));
    expect(r.rowCount).toBe(0);
  });

  it.skipIf(Boolean(process.env.DATABASE_URL))('the embedded server listens everywhere and lets in only 127.0.0.1 and the test hosts, with scram-sha-256', async () => {
    const r = await admin(async (c) => ({
      listen: (await c.query<{ listen_addresses: string }>('show listen_addresses')).rows[0]?.listen_addresses,
      rules: (await c.query('select type, database, user_name, address, netmask, auth_method from pg_hba_file_rules order by line_number')).rows,
    }));
    expect(r.listen).toBe('*');
    expect(r.rules).toEqual([
      { type: 'host', database: ['all'], user_name: ['all'], address: '127.0.0.1', netmask: '255.255.255.255', auth_method: 'scram-sha-256' },
      { type: 'host', database: ['all'], user_name: ['all'], address: '10.231.0.0', netmask: '255.255.0.0', auth_method: 'scram-sha-256' },
    ]);
  });

  it('listens with scram-sha-256 only: a wrong password is refused (28P01)', async () => {
    const { default: pg } = await import('pg');
    const { adminUrl } = await import('./context.js');
    const url = new URL(adminUrl());
    url.password = 'wrong';
    const client = new pg.Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });
});
