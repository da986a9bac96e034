import { describe, expect, it } from 'vitest';
import { sealValue, TEST_RECIPIENT } from '../../test/fleet-fixtures.js';
import { type BotWorld, startBotWorld } from '../../test/telegram/bot-world.js';
import { eventually, mainHead, openPrs, sendAndWait, watchAnswers } from './my-bots/test-support.js';

/**
 * Crafted callback data against the whole bot (every feature, the emulator), beyond what the
 * feature tests send (my-bots/ownership.test.ts: another customer's tenant in every `my:` and
 * `upd:` verb; admin/non-admin.test.ts: `adm:` data from a non-admin; manual-payment: another
 * customer's bot). Here: unknown prefixes, data far over Telegram's 64 bytes, malformed fields,
 * and another customer's pending order. Each press by the very owner of alpha-shop, so that a
 * refusal is about the data, not about who pressed.
 */

const OUTDATED = 'This button is out of date. Send /start for a fresh menu.';
const LONG = 'a'.repeat(5000);

const CRAFTED = [
  // Unknown prefixes, empty and separator-only data, prototype names.
  'zz:alpha-shop',
  '',
  ':',
  ':::',
  '__proto__',
  'constructor:prototype:alpha-shop',
  // My bots: over-long, trailing and embedded separators, whitespace and control characters, paths.
  `my:bot:${LONG}`,
  `my:${'x'.repeat(100_000)}`,
  'my:bot:alpha-shop:',
  'my::alpha-shop',
  'my:bot: alpha-shop',
  'my:bot:alpha-shop\n',
  'my:bot:alpha-shop\u0000',
  'my:bot:alpha-shop/../bravo-news',
  'my:restart:alpha-shop%00',
  'my:rmy:alpha-shop:#AAAAAAAAAAA',
  'my:u:alpha-shop:core:1.2.0\u202e',
  'my:cdel:alpha-shop:1e3',
  'my:cdel:alpha-shop:-0x10',
  // Manual payments: extra field, unknown kind, over-long slug.
  'pay:manual:alpha-shop:renewal:extra',
  'pay:manual:alpha-shop:gift',
  `pay:manual:${LONG}:renewal`,
  // Release notes, settings, buying: over-long and unknown values, a flow's button with no flow.
  `upd:alpha-shop:core:${'9'.repeat(5000)}`,
  'upd:alpha-shop:core:1.2.0:',
  'settings:language:xx',
  `settings:language:en${LONG}`,
  'buy:plan:basic',
  `adm:${LONG}`,
];

/** Everything a press could have written, as one comparable value. */
async function written(world: BotWorld) {
  const count = async (sql: string) => Number((await world.db.pool.query<{ n: string }>(sql)).rows[0]?.n ?? -1);
  return {
    head: await mainHead(world),
    prs: (await openPrs(world)).length,
    operations: await count('SELECT count(*) AS n FROM tenant_operations'),
    payments: await count('SELECT count(*) AS n FROM manual_payments'),
    orders: await count('SELECT count(*) AS n FROM orders'),
    outbox: await count('SELECT count(*) AS n FROM outbox'),
    state: (await world.db.pool.query<{ key: string; value: unknown }>('SELECT key, value FROM bot_state ORDER BY key')).rows,
    // last_seen_at moves with every update; the language a settings press could set does not.
    languages: (await world.db.pool.query('SELECT id, language FROM telegram_users ORDER BY id')).rows,
  };
}

describe('crafted callback data (emulator, every feature)', () => {
  it('answers unknown, over-long and malformed data as an outdated button, and writes nothing', async (ctx) => {
    const world = await startBotWorld(ctx);
    const answers = watchAnswers(world);
    const alice = world.user(200_001, { firstName: 'Alice' });
    const list = await sendAndWait(alice, '/mybots', 'Your bots');
    const before = await written(world);
    const messagesBefore = (await alice.messages()).length;

    for (const data of CRAFTED) await alice.pressData(list, data);
    // A last, good press proves the bot is alive and has handled every press before it (updates
    // are handled one at a time, in order): it opens the bot's view, answered without a text.
    await alice.pressData(list, 'my:bot:alpha-shop');
    await eventually(() => answers.length >= CRAFTED.length + 1, 'an answer to every press');
    await alice.waitFor((m) => m.messageId === list.messageId && m.text.includes('Chats and channels:'));

    expect(answers).toEqual([...CRAFTED.map(() => OUTDATED), '']);
    // The view replaced the list in place: no message was added.
    expect((await alice.messages()).length).toBe(messagesBefore);
    expect(await written(world)).toEqual(before);
    // No handler failed on the way (errors and warnings are logged here).
    expect(world.logged).toEqual([]);
  }, 60_000);

  it("does not start a payment for another customer's pending order", async (ctx) => {
    const world = await startBotWorld(ctx);
    // Dan's unpaid order for delta-cafe.
    await world.deps.orders.put({ tenant: 'delta-cafe', telegramUserId: 300_009, plan: 'basic', modules: [], chats: [], secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, 'x') }, createdAt: '2026-03-15T00:00:00Z' });
    const answers = watchAnswers(world);
    const alice = world.user(200_001, { firstName: 'Alice' });
    const list = await sendAndWait(alice, '/mybots', 'Your bots');
    const before = await written(world);

    await alice.pressData(list, 'pay:manual:delta-cafe:purchase');
    await alice.waitFor("I can't find that order or bot among yours.");
    await alice.pressData(list, 'pay:manual:delta-cafe:renewal');
    await alice.next("I can't find that order or bot among yours.");
    await alice.pressData(list, 'my:pay:delta-cafe');
    // A proof sent now is text nobody asked for: no conversation was entered.
    await sendAndWait(alice, 'TX-123', "I don't know that command");

    await eventually(() => answers.length >= 3, 'an answer to every press');
    expect(answers).toEqual(['', '', OUTDATED]);
    expect(await written(world)).toEqual(before);
    expect(await world.deps.orders.get('delta-cafe')).toMatchObject({ telegramUserId: 300_009 });
  }, 60_000);
});
