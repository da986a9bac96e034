import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../fleet/secret.js';
import { admin, testDatabase } from '../../test/pg/database.js';
import { isSqlState, SqlState } from './errors.js';
import { MigrationError, migrate, pendingSql } from './migrate.js';

const CONTROL_TABLES = [
  'audit_log',
  'bot_state',
  'credentials_sent',
  'events',
  'host_keys',
  'manual_payments',
  'orders',
  'outbox',
  'owner_generations',
  'pgmigrations',
  'processed_events',
  'progress_messages',
  'reconcile_operations',
  'reconcile_steps',
  'reconciler_locks',
  'rollouts',
  'stripe_events',
  'telegram_users',
  'tenant_operations',
  'tenant_status',
];
const MIGRATIONS = ['0001_control_schema', '0002_billing', '0003_bot', '0004_outbox_delivery', '0005_rollouts', '0006_owner_generations'];

const tables = async (pool: pg.Pool) =>
  (await pool.query<{ t: string }>(`select tablename as t from pg_tables where schemaname = 'public' order by 1`)).rows.map((r) => r.t);

describe('migrate (control database)', () => {
  it('applies migrations/ once: a second run finds nothing pending', async (ctx) => {
    const db = await testDatabase(ctx);
    expect(await migrate(new Secret(db.url))).toEqual(MIGRATIONS);
    expect(await tables(db.pool)).toEqual(CONTROL_TABLES);
    expect(await migrate(new Secret(db.url))).toEqual([]);
  });

  it('lets processes that start together take turns under the lock, each file applied once', async (ctx) => {
    const db = await testDatabase(ctx);
    const runs = await Promise.all([1, 2, 3].map(() => migrate(new Secret(db.url))));
    expect(runs.flat()).toEqual(MIGRATIONS);
    expect((await db.pool.query('select count(*)::int as n from pgmigrations')).rows).toEqual([{ n: MIGRATIONS.length }]);
  });

  it('pendingSql prints what would run without running it, and nothing once applied', async (ctx) => {
    const db = await testDatabase(ctx);
    const sql = await pendingSql(new Secret(db.url));
    expect(sql).toContain('### MIGRATION 0001_control_schema (UP) ###');
    expect(sql).toContain('CREATE TABLE reconcile_operations');
    expect(sql).toContain('INSERT INTO "public"."pgmigrations"');
    expect(await tables(db.pool)).toEqual(['pgmigrations']);
    await migrate(new Secret(db.url));
    expect(await pendingSql(new Secret(db.url))).toBe('');
  });

  describe('a failing file', () => {
    let dir = '';
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('rolls back every pending file and says which one failed', async (ctx) => {
      const db = await testDatabase(ctx);
      dir = await mkdtemp(join(tmpdir(), 'buckfleet-migrations-'));
      await writeFile(join(dir, '0001_good.sql'), '-- Up Migration\nCREATE TABLE good (x int);\n');
      await writeFile(join(dir, '0002_bad.sql'), '-- Up Migration\nCREATE TABLE bad (x no_such_type);\n');
      const failing = migrate(new Secret(db.url), { dir });
      await expect(failing).rejects.toBeInstanceOf(MigrationError);
      await expect(failing).rejects.toThrow(/no_such_type/);
      expect(await tables(db.pool)).toEqual(['pgmigrations']);
    });
  });

  it('never puts the password in its errors', async (ctx) => {
    const db = await testDatabase(ctx);
    const url = new URL(db.url);
    url.password = 'wrong-password-123';
    const failing = migrate(new Secret(url.toString()));
    await expect(failing).rejects.toMatchObject({ code: SqlState.invalidPassword });
    await expect(failing).rejects.not.toThrow(/wrong-password-123/);
  });
});

describe('the control schema', () => {
  it('allows one running operation per tenant (partial unique index)', async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    const insert = (tenant: string, status: string) =>
      db.pool.query(`insert into reconcile_operations (tenant, revision, plan_hash, actions, status) values ($1, 'r', 'h', '[]', $2)`, [tenant, status]);
    await insert('acme', 'running');
    await insert('acme', 'failed');
    await insert('other', 'running');
    await expect(insert('acme', 'running')).rejects.toSatisfy((e: unknown) => isSqlState(e, SqlState.uniqueViolation));
    await expect(insert('acme', 'paused')).rejects.toSatisfy((e: unknown) => isSqlState(e, SqlState.checkViolation));
  });

  it('uses timestamptz for every time', async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    const r = await db.pool.query<{ column: string; type: string }>(
      `select table_name || '.' || column_name as column, data_type as type from information_schema.columns
       where table_schema = 'public' and table_name <> 'pgmigrations' and (data_type like 'timestamp%' or column_name ~ '(_at|since|^at)$')`,
    );
    expect(r.rows.length).toBeGreaterThan(10);
    expect(r.rows.filter((c) => c.type !== 'timestamp with time zone')).toEqual([]);
  });

  it('closes the control database to other roles (tenant roles share the server)', async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    const role = `r_${db.name}`;
    await admin((c) => c.query(`create role ${role} login password 'pw-of-a-stranger'`));
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'pw-of-a-stranger';
      const stranger = new pg.Client({ connectionString: url.toString() });
      await expect(stranger.connect()).rejects.toMatchObject({ code: SqlState.insufficientPrivilege });
    } finally {
      await admin((c) => c.query(`drop role ${role}`));
    }
  });
});
