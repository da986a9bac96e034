import { describe, expect, it } from 'vitest';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import { myBotsFeature } from './index.js';
import { openBot } from './test-support.js';

describe('My bots: restart (emulator, real control database)', () => {
  it('queues a restart, and rate-limits the next one with the minutes left', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [myBotsFeature] });
    const alice = world.user(200_001);
    await openBot(alice, 'alpha-shop');
    await alice.press('Restart');
    await alice.waitFor('The restart of alpha-shop is queued');
    await alice.press('Restart');
    await alice.waitFor('alpha-shop was restarted a moment ago. You can restart it again in 5 min.');

    const rows = await world.db.pool.query<{ tenant: string; requested_by: string; status: string }>(`SELECT tenant, requested_by, status FROM tenant_operations`);
    expect(rows.rows).toEqual([{ tenant: 'alpha-shop', requested_by: '200001', status: 'queued' }]);
  });
});
