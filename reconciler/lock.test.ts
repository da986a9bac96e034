import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate } from '../app/db/migrate.js';
import { Secret } from '../fleet/secret.js';
import { endPool, testDatabase, type TestDatabase } from '../test/pg/database.js';
import { lockHolders, lockKey, ownerGenerations, tryLockTenant } from './lock.js';

/** A control database with its schema, and a second pool standing for another process. */
async function twoProcesses(ctx: Parameters<typeof testDatabase>[0]): Promise<{ db: TestDatabase; other: pg.Pool }> {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const other = new pg.Pool({ connectionString: db.url, max: 2 });
  other.on('error', () => undefined);
  ctx.onTestFinished(async () => void (await endPool(other)));
  return { db, other };
}

describe('lockKey', () => {
  it('is a stable signed 64-bit integer per owner', () => {
    const key = lockKey('acme');
    expect(key).toMatch(/^-?\d{1,19}$/);
    expect(BigInt(key) >= -(2n ** 63n) && BigInt(key) < 2n ** 63n).toBe(true);
    expect(lockKey('acme')).toBe(key);
    expect(lockKey('acme-2')).not.toBe(key);
    expect(lockKey('host:shared-1')).not.toBe(lockKey('shared-1'));
  });
});

describe('tryLockTenant', () => {
  it('lets one process hold a tenant: the other gets null until release', async (ctx) => {
    const { db, other } = await twoProcesses(ctx);
    const first = await tryLockTenant(db.pool, 'acme', 'worker-1', 'reconcile abc123');
    expect(first).not.toBeNull();
    expect(await tryLockTenant(other, 'acme', 'worker-2', 'reconcile abc123')).toBeNull();
    // Other tenants are not blocked.
    const elsewhere = await tryLockTenant(other, 'globex', 'worker-2', 'reconcile abc123');
    expect(elsewhere).not.toBeNull();
    await elsewhere?.release();

    await first?.release();
    const second = await tryLockTenant(other, 'acme', 'worker-2', 'drift repair');
    expect(second).not.toBeNull();
    await second?.release();
  });

  it('records who holds it, since when and why, and clears that on release', async (ctx) => {
    const { db } = await twoProcesses(ctx);
    const lock = await tryLockTenant(db.pool, 'acme', 'worker-1@host-a', 'reconcile abc123');
    expect(lock?.since).toBeInstanceOf(Date);
    expect(await lockHolders(db.pool)).toEqual([{ tenant: 'acme', holder: 'worker-1@host-a', since: lock?.since, reason: 'reconcile abc123' }]);
    await lock?.release();
    await lock?.release(); // idempotent
    expect(await lockHolders(db.pool)).toEqual([]);
    expect((await db.pool.query('select count(*)::int as n from reconciler_locks')).rows).toEqual([{ n: 0 }]);
  });

  it('is held by a dedicated connection: the pool can still serve queries, and the same process cannot take it twice', async (ctx) => {
    const { db } = await twoProcesses(ctx);
    const lock = await tryLockTenant(db.pool, 'acme', 'worker-1', 'apply');
    // Session locks are re-entrant per session; another connection of the same pool is another session.
    expect(await tryLockTenant(db.pool, 'acme', 'worker-1', 'apply')).toBeNull();
    expect((await db.pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await lock?.release();
  });

  it('is gone when its connection dies: the handle says so and another process gets in', async (ctx) => {
    const { db, other } = await twoProcesses(ctx);
    const lock = await tryLockTenant(db.pool, 'acme', 'worker-1', 'apply');
    if (lock === null) throw new Error('expected the lock');
    const [holder] = await lockHolders(other);
    expect(holder?.holder).toBe('worker-1');
    // Kill the lock's session from outside, as a network cut or a server restart would.
    await other.query(`select pg_terminate_backend(backend_pid) from reconciler_locks where tenant = 'acme'`);
    await expect.poll(() => lock.lost, { timeout: 5000 }).toBe(true);
    expect(lock.signal.aborted).toBe(true);
    // The stale row no longer counts as a holder; the next holder overwrites it.
    expect(await lockHolders(other)).toEqual([]);
    const next = await tryLockTenant(other, 'acme', 'worker-2', 'take over');
    expect(next).not.toBeNull();
    expect((await lockHolders(other)).map((h) => h.holder)).toEqual(['worker-2']);
    await lock.release(); // only hands the dead connection back
    await next?.release();
  });
});

describe('ownerGenerations', () => {
  it('moves by one when a lock is taken and again when it is released (odd: held), and stays odd after a holder dies', async (ctx) => {
    const { db, other } = await twoProcesses(ctx);
    expect(await ownerGenerations(db.pool)).toEqual(new Map());
    const first = await tryLockTenant(db.pool, 'acme', 'worker-1', 'apply');
    expect(await ownerGenerations(other, ['acme', 'globex'])).toEqual(new Map([['acme', 1]]));
    // Refused takes change nothing.
    expect(await tryLockTenant(other, 'acme', 'worker-2', 'apply')).toBeNull();
    await first?.release();
    expect(await ownerGenerations(other, ['acme'])).toEqual(new Map([['acme', 2]]));
    const dying = await tryLockTenant(db.pool, 'acme', 'worker-1', 'apply');
    await other.query(`select pg_terminate_backend(backend_pid) from reconciler_locks where tenant = 'acme'`);
    await expect.poll(() => dying?.lost, { timeout: 5000 }).toBe(true);
    await dying?.release();
    // The dead holder could not say it was done: whoever comes next sees it was held.
    expect(await ownerGenerations(other)).toEqual(new Map([['acme', 3]]));
    const next = await tryLockTenant(other, 'acme', 'worker-2', 'take over');
    await next?.release();
    expect(await ownerGenerations(db.pool)).toEqual(new Map([['acme', 5]]));
  });
});
