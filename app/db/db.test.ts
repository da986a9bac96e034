import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/pg/database.js';
import { transaction } from './db.js';
import { isSqlState, SqlState, sqlState } from './errors.js';

describe('transaction', () => {
  it('commits what fn did when it resolves, and returns its value', async (ctx) => {
    const { pool } = await testDatabase(ctx);
    await pool.query('create table t (x int primary key)');
    const value = await transaction(pool, async (db) => {
      await db.query('insert into t values ($1)', [1]);
      return 'done';
    });
    expect(value).toBe('done');
    expect((await pool.query('select x from t')).rows).toEqual([{ x: 1 }]);
  });

  it('rolls back when fn throws, and rethrows the same error, SQLSTATE intact', async (ctx) => {
    const { pool } = await testDatabase(ctx);
    await pool.query('create table t (x int primary key)');
    const failing = transaction(pool, async (db) => {
      await db.query('insert into t values (1)');
      await db.query('insert into t values (1)');
    });
    await expect(failing).rejects.toSatisfy((error: unknown) => isSqlState(error, SqlState.uniqueViolation));
    expect((await pool.query('select count(*)::int as n from t')).rows).toEqual([{ n: 0 }]);
    // The connection went back to the pool clean: the next transaction works on it.
    await transaction(pool, (db) => db.query('insert into t values (2)'));
    expect((await pool.query('select x from t')).rows).toEqual([{ x: 2 }]);
  });

  it('rolls back on an error that is not the database\'s', async (ctx) => {
    const { pool } = await testDatabase(ctx);
    await pool.query('create table t (x int)');
    const boom = new Error('boom');
    await expect(
      transaction(pool, async (db) => {
        await db.query('insert into t values (1)');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await pool.query('select count(*)::int as n from t')).rows).toEqual([{ n: 0 }]);
  });
});

describe('sqlState', () => {
  it('reads the five-character SQLSTATE of server errors only', () => {
    expect(sqlState({ code: '23505' })).toBe('23505');
    expect(sqlState({ code: '40P01' })).toBe('40P01');
    expect(sqlState({ code: 'ECONNREFUSED' })).toBeNull();
    expect(sqlState(new Error('duplicate key value violates unique constraint'))).toBeNull();
    expect(sqlState(null)).toBeNull();
  });
});
