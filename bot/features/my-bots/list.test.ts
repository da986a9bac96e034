import { describe, expect, it } from 'vitest';
import { type BotWorldOptions, startBotWorld } from '../../../test/telegram/bot-world.js';
import { myBotsFeature } from './index.js';
import { reportDeploy } from './test-support.js';

/** Only this feature, so the test does not depend on the others' work in progress. */
const only: BotWorldOptions = { features: [myBotsFeature] };

describe('My bots: the list and a bot (emulator)', () => {
  it("shows each owner only their bots, with billing and deploy status, plan, paid-through and modules", async (ctx) => {
    const world = await startBotWorld(ctx, only);
    await reportDeploy(world, 'alpha-shop', { status: true, reason: 'Succeeded' });
    await reportDeploy(world, 'bravo-news', { status: false, reason: 'StepFailed' }, 2);

    const alice = world.user(200_001, { firstName: 'Alice' });
    await alice.send('/mybots');
    const list = await alice.waitFor('Your bots');
    expect(list.text).toContain('🤖 alpha-shop (Alpha Shop)');
    expect(list.text).toContain('Plan: Basic · paid through 2026-04-04 · payment up to date');
    expect(list.text).toContain('Status: ✅ running');
    expect(list.text).toContain('Modules: Multi-bot 1.1.0, Welcome messages 1.0.0');
    expect(list.text).not.toContain('bravo-news');
    expect(list.text).not.toContain('Update available');
    expect(list.buttons.flat().map((b) => b.data)).toEqual(['my:bot:alpha-shop']);

    // From the main menu, the list replaces the menu in the same message.
    const bob = world.user(200_002, { firstName: 'Bob' });
    await bob.send('/start');
    const menu = await bob.waitFor('Hello, Bob');
    await bob.press('My bots');
    const bobs = await bob.waitFor((m) => m.messageId === menu.messageId && m.text.includes('Your bots'));
    expect(bobs.text).toContain('🤖 bravo-news\n');
    expect(bobs.text).toContain('Plan: Pro · paid through 2026-03-30 · payment up to date');
    expect(bobs.text).toContain('Status: ⚠️ the last deploy failed');
    expect(bobs.text).toContain('Modules: Multi-bot 1.0.0');
    expect(bobs.text).toContain('⬆️ Update available: Multi-bot 1.0.0 → 1.1.0');
    expect(bobs.text).not.toContain('alpha-shop');

    await bob.press('bravo-news');
    const view = await bob.waitFor((m) => m.messageId === menu.messageId && m.text.includes('Chats and channels: 0'));
    expect(view.buttons.flat().map((b) => b.data)).toEqual([
      'my:pay:bravo-news',
      'my:mods:bravo-news',
      'my:rms:bravo-news',
      'my:u:bravo-news:core:1.1.0',
      'my:chats:bravo-news',
      'my:token:bravo-news',
      'my:restart:bravo-news',
      'my:list',
    ]);
    expect(view.buttons.flat().find((b) => b.data === 'my:u:bravo-news:core:1.1.0')?.text).toBe('⬆️ Update Multi-bot to 1.1.0');
  });

  it('speaks the user language, with catalog titles in it and English where the catalog has none', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const alice = world.user(200_001, { firstName: 'Алиса', languageCode: 'ru' });
    await alice.send('/mybots');
    const list = await alice.waitFor('Ваши боты');
    expect(list.text).toContain('Тариф: Basic · оплачено до 2026-04-04 · оплата в порядке');
    // No report from the reconciler yet: the first deploy is still under way.
    expect(list.text).toContain('Состояние: ⏳ устанавливается или обновляется');
    expect(list.text).toContain('Модули: Мультибот 1.1.0, Welcome messages 1.0.0');
  });

  it('tells a user without bots how to get one', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const carol = world.user(300_001);
    await carol.send('/mybots');
    const empty = await carol.waitFor('You have no bots yet');
    expect(empty.buttons.flat().map((b) => b.data)).toEqual(['buy:start']);
  });
});
