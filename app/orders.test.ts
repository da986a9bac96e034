import { describe, expect, it } from 'vitest';
import type { PendingOrder } from '../billing/contract.js';
import { Secret } from '../fleet/secret.js';
import { testDatabase } from '../test/pg/database.js';
import { migrate } from './db/migrate.js';
import { OrderCorruptError, PgOrderStore } from './orders.js';

const order: PendingOrder = {
  tenant: 'charlie-cafe',
  telegramUserId: 200_003,
  telegramUsername: 'charlie_cafe',
  botUsername: 'charlie_cafe_bot',
  plan: 'basic',
  modules: [{ name: 'core' }, { name: 'welcome', version: '1.0.0' }],
  chats: [{ id: -1_009_999, type: 'group', title: 'Cafe' }],
  secrets: { BOT_TOKEN: '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----' },
  createdAt: '2026-03-15T00:00:00.000Z',
};

describe('PgOrderStore', () => {
  it("stores, replaces its customer's unpaid order, completes once, and refuses to replace a paid order or another customer's", async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    const orders = new PgOrderStore(db.pool);
    expect(await orders.get('charlie-cafe')).toBeNull();

    expect(await orders.put(order)).toBe(true);
    expect(await orders.get('charlie-cafe')).toEqual(order);
    const again = { ...order, plan: 'pro' };
    expect(await orders.put(again)).toBe(true);
    expect(await orders.get('charlie-cafe')).toEqual(again);
    // Another customer who picked the same name meanwhile does not take it over.
    expect(await orders.put({ ...order, telegramUserId: 200_004, plan: 'basic' })).toBe(false);
    expect(await orders.get('charlie-cafe')).toEqual(again);

    await orders.complete('charlie-cafe', 'evt_1First');
    await orders.complete('charlie-cafe', 'evt_1Second');
    expect((await db.pool.query('SELECT event_id, completed_at IS NOT NULL AS done FROM orders')).rows).toEqual([{ event_id: 'evt_1First', done: true }]);
    // A redelivered checkout event still finds the order it completed.
    expect(await orders.get('charlie-cafe')).toEqual(again);
    expect(await orders.put(order)).toBe(false);
    expect(await orders.get('charlie-cafe')).toEqual(again);
  });

  it('says which field of a stored order is broken', async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    await db.pool.query(`INSERT INTO orders (tenant, payload) VALUES ('charlie-cafe', '{"tenant": "charlie-cafe"}')`);
    const reading = new PgOrderStore(db.pool).get('charlie-cafe');
    await expect(reading).rejects.toBeInstanceOf(OrderCorruptError);
    await expect(reading).rejects.toThrow(/telegramUserId/);
  });
});
