import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAIN } from '../../../fleet/repo/types.js';
import { sealValue, TEST_RECIPIENT } from '../../../test/fleet-fixtures.js';
import { BOT_TOKEN, type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { BotMessage, TestUser } from '../../../test/telegram/user.js';
import { GetMeTokenChecker } from '../../token-check.js';

/** Valid in shape; the emulator's getMe knows it only where a test registers it. */
const TOKEN = '7234567890:AAHdanShopTokenFromBotFather_01234567';
const REVOKED = '7345678901:AAHrevokedTokenNobodyAnswersFor_0123';
const secretOf = (token: string) => token.split(':')[1] ?? '';
const STICKER = { sticker: { file_id: 'sticker-1', file_unique_id: 's1', width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' } };

/** Does `action` and returns the first bot message sent after it that satisfies `test` (as edited since). */
async function after(user: TestUser, action: () => Promise<unknown>, test: string | ((m: BotMessage) => boolean)): Promise<BotMessage> {
  const before = new Set((await user.messages()).map((m) => m.messageId));
  await action();
  const matches = typeof test === 'string' ? (m: BotMessage) => m.text.includes(test) : test;
  return user.waitFor((m) => !before.has(m.messageId) && matches(m));
}

async function allRows(world: BotWorld): Promise<string> {
  const tables = await world.db.pool.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const texts: string[] = [];
  for (const { name } of tables.rows) texts.push(...(await world.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)).rows.map((r) => r.row));
  return texts.join('\n');
}

const userTexts = (world: BotWorld, id: number): string[] =>
  (world.emulator.server.getUpdatesHistory(BOT_TOKEN) as unknown as { message?: { from?: { id: number }; text?: string } }[]).filter((h) => h.message?.from?.id === id).map((h) => h.message?.text ?? '');

describe('the purchase and bad input (emulator)', () => {
  it('answers bad names, bad tokens, long messages, media and commands clearly, and writes nothing', async (ctx) => {
    const world = await startBotWorld(ctx);
    const head = await world.fleet.repo.head(MAIN);
    // Another customer's unpaid order holds delta-cafe.
    await world.deps.orders.put({ tenant: 'delta-cafe', telegramUserId: 300_009, plan: 'basic', modules: [], chats: [], secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, 'x') }, createdAt: '2026-03-15T00:00:00Z' });
    const dan = world.user(300_004, { firstName: 'Dan' });

    await after(dan, () => dan.send('/buy'), 'choose a plan');
    await after(dan, () => dan.send('the cheap one'), 'Please choose with the buttons');
    await after(dan, () => dan.press('Basic'), 'Now choose a name');
    await after(dan, () => dan.send('x'.repeat(4000)), 'That message is too long');
    await after(dan, () => dan.sendRaw(STICKER), 'Please send the name as a text message');
    await after(dan, () => dan.send('My Shop!'), "That name can't be used");
    await after(dan, () => dan.send('alpha-shop'), 'The name alpha-shop is already taken');
    await after(dan, () => dan.send('delta-cafe'), 'The name delta-cafe is already taken');
    // A token before it is asked for is removed from the chat as well.
    await after(dan, () => dan.send(`my token is ${TOKEN}`), 'That looks like a bot token, so I removed it');
    // /start in the middle shows the menu; the purchase waits where it was.
    await after(dan, () => dan.send('/start'), 'Hello, Dan');
    await after(dan, () => dan.send('dan-shop'), 'Choose the modules');
    await after(dan, () => dan.press('Continue'), 'Last step');

    await after(dan, () => dan.sendPhoto('photo-of-a-token'), 'Please send the token as a plain text message');
    await after(dan, () => dan.send('where do I find it?'), (m) => m.text.startsWith('❌ That is not a bot token'));
    await after(dan, () => dan.send(REVOKED), (m) => m.text.startsWith('❌ Telegram does not accept this token'));
    await after(dan, () => dan.send('y'.repeat(4000)), (m) => m.text.startsWith('❌ That is not a bot token'));

    // Every message that held (or might have held) a token is gone from the chat.
    const typed = userTexts(world, 300_004);
    expect(typed).toContain('dan-shop');
    expect(typed.filter((t) => t.includes(secretOf(TOKEN)) || t.includes(secretOf(REVOKED)) || t.startsWith('where do I') || t.startsWith('yyy'))).toEqual([]);
    // Nothing was written: no order, main untouched, no change request.
    expect(await world.deps.orders.get('dan-shop')).toBeNull();
    expect(await world.fleet.repo.head(MAIN)).toBe(head);
    expect(await world.fleet.repo.listOpen()).toEqual([]);
    const rows = await allRows(world);
    expect(rows).toContain('[bot token removed]');
    for (const token of [TOKEN, REVOKED]) {
      expect(rows.includes(secretOf(token))).toBe(false);
      expect(world.logged.join('\n').includes(secretOf(token))).toBe(false);
    }

    // /cancel leaves the purchase: a name now is just text nobody asked for.
    await after(dan, () => dan.send('/cancel'), 'The purchase is cancelled');
    await after(dan, () => dan.send('dan-shop'), "I don't know that command");
    expect((await world.db.pool.query(`SELECT key FROM bot_state WHERE key LIKE 'conversation:%'`)).rows).toEqual([]);
  }, 60_000);

  it('says so when Telegram cannot be reached to check the token, or the message with it cannot be deleted', async (ctx) => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadRoot = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const world = await startBotWorld(ctx, { deps: (d) => ({ ...d, tokens: new GetMeTokenChecker(deadRoot) }) });
    // Telegram refuses to delete (a message older than 48 hours, say).
    world.bot.api.config.use((prev, method, payload, signal) =>
      method === 'deleteMessage' ? Promise.resolve({ ok: false as const, error_code: 400, description: "Bad Request: message can't be deleted" }) : prev(method, payload, signal),
    );
    const fay = world.user(300_005, { firstName: 'Fay' });
    await after(fay, () => fay.send('/buy'), 'choose a plan');
    await after(fay, () => fay.press('Basic'), 'Now choose a name');
    await after(fay, () => fay.send('fay-shop'), 'Choose the modules');
    await after(fay, () => fay.press('Continue'), 'Last step');
    await after(fay, () => fay.send(TOKEN), (m) => m.text.startsWith("⚠️ I can't reach Telegram to check the token"));
    await fay.waitFor('I could not delete your message with the token. Please delete it from this chat yourself.');
    expect(world.logged.some((l) => l.startsWith('could not delete a message holding a bot token') && l.includes("message can't be deleted"))).toBe(true);
    expect(world.logged.join('\n').includes(secretOf(TOKEN))).toBe(false);
    expect((await allRows(world)).includes(secretOf(TOKEN))).toBe(false);
    expect(await world.deps.orders.get('fay-shop')).toBeNull();
  }, 60_000);

  it('continues after a restart where it was, and answers an old button from before it', async (ctx) => {
    const world = await startBotWorld(ctx);
    world.emulator.customerBots.set(TOKEN, { id: 7_234_567_890, username: 'eve_shop_bot' });
    const eve = world.user(300_006, { firstName: 'Eve', username: 'eve_owner' });
    const plans = await after(eve, () => eve.send('/buy'), 'choose a plan');
    await after(eve, () => eve.press('Basic'), 'Now choose a name');
    const modules = await after(eve, () => eve.send('eve-shop'), 'Choose the modules');

    await world.restart();
    await after(eve, () => eve.pressData(plans, 'buy:plan:pro'), 'That button is from an earlier step');
    await eve.pressData(modules, 'buy:mod:welcome');
    await eve.waitFor((m) => m.messageId === modules.messageId && m.buttons.flat().some((b) => b.text === '✅ Welcome messages'));
    await world.restart();
    await after(eve, () => eve.press('Continue'), 'Last step');
    await world.restart();
    // /buy again in the middle starts over; the old flow's buttons are then out of date.
    const again = await after(eve, () => eve.send('/buy'), 'choose a plan');
    await after(eve, () => eve.pressData(modules, 'buy:continue'), 'That button is from an earlier step');
    await after(eve, () => eve.pressData(again, 'buy:plan:basic'), 'Now choose a name');
    await after(eve, () => eve.send('eve-shop'), 'Choose the modules');
    await eve.press('Welcome messages');
    await eve.waitFor((m) => m.buttons.flat().some((b) => b.text === '✅ Welcome messages'));
    await after(eve, () => eve.press('Continue'), 'Last step');
    await world.restart();
    const saved = await after(eve, () => eve.send(TOKEN), (m) => m.text.includes('Your order is saved') && m.buttons.length > 0);
    // No Stripe in this world: manual payment only.
    expect(saved.buttons.flat()).toEqual([{ text: '🏦 Pay manually', data: 'pay:manual:eve-shop:purchase' }]);
    expect(await world.deps.orders.get('eve-shop')).toMatchObject({ plan: 'basic', botUsername: 'eve_shop_bot', modules: [{ name: 'core' }, { name: 'welcome' }] });
  }, 60_000);

  it('asks to join the required channel before a purchase starts', async (ctx) => {
    const world = await startBotWorld(ctx, { manifests: (m) => void (m.fleet.requiredChannel = '@acme_news') });
    world.emulator.channelMembers.set('@acme_news', new Set());
    const gil = world.user(300_010, { firstName: 'Gil' });
    await after(gil, () => gil.send('/buy'), 'please join @acme_news');
    await after(gil, () => gil.send('gil-shop'), "I don't know that command");
    world.emulator.channelMembers.get('@acme_news')?.add(300_010);
    await after(gil, () => gil.send('/buy'), 'choose a plan');
  });

  it('asks for another name when the chosen one was taken while the token was fetched, and keeps the rest', async (ctx) => {
    const world = await startBotWorld(ctx);
    world.emulator.customerBots.set(TOKEN, { id: 7_234_567_890, username: 'hal_shop_bot' });
    const hal = world.user(300_011, { firstName: 'Hal' });
    await after(hal, () => hal.send('/buy'), 'choose a plan');
    await after(hal, () => hal.press('Basic'), 'Now choose a name');
    await after(hal, () => hal.send('hal-shop'), 'Choose the modules');
    await hal.press('Welcome messages');
    await hal.waitFor((m) => m.buttons.flat().some((b) => b.text === '✅ Welcome messages'));
    await after(hal, () => hal.press('Continue'), 'Last step');
    // Another customer's order for the same name lands first.
    await world.deps.orders.put({ tenant: 'hal-shop', telegramUserId: 300_012, plan: 'pro', modules: [], chats: [], secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, 'x') }, createdAt: '2026-03-15T00:00:00Z' });
    await after(hal, () => hal.send(TOKEN), 'Someone else has just taken the name hal-shop');
    const saved = await after(hal, () => hal.send('hal-shop-2'), 'Your order is saved');
    expect(saved.text).toContain('Name: hal-shop-2\nPlan: Basic — $5.00/month\nModules: Multi-bot, Welcome messages');
    expect(await world.deps.orders.get('hal-shop-2')).toMatchObject({ telegramUserId: 300_011, botUsername: 'hal_shop_bot', modules: [{ name: 'core' }, { name: 'welcome' }] });
    // The other customer's order is untouched.
    expect(await world.deps.orders.get('hal-shop')).toMatchObject({ telegramUserId: 300_012, plan: 'pro' });
  });
});
