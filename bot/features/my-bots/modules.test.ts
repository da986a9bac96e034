import { describe, expect, it } from 'vitest';
import { tenantFile } from '../../../fleet/paths.js';
import type { TenantManifest } from '../../../fleet/schema/index.js';
import { type BotWorldOptions, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import { myBotsFeature } from './index.js';
import { mainHead, manifestAt, openBot, openPrs, watchAnswers } from './test-support.js';

const only: BotWorldOptions = { features: [myBotsFeature] };

/** "Back to the bot" on the newest message that has it: that message becomes the bot's view. */
async function backToBot(user: TestUser): Promise<void> {
  const pressed = await user.press('Back to the bot');
  await user.waitFor((m) => m.messageId === pressed.messageId && m.text.includes('Chats and channels:'));
}

/** The progress message said "working…" and was edited into the outcome: none is left saying it. */
async function expectNoProgressLeft(user: TestUser): Promise<void> {
  expect((await user.messages()).filter((m) => m.text.includes('Working on it'))).toEqual([]);
}

describe('My bots: modules (emulator, real fleet repo)', () => {
  it("refuses welcome on bravo-news while its core is too old, takes the core update (auto-merged), then sends the install for review once", async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const bob = world.user(200_002, { firstName: 'Bob', username: 'bob_news' });
    await openBot(bob, 'bravo-news');

    await bob.press('Install a module');
    const catalog = await bob.waitFor('Modules you can add to bravo-news');
    expect(catalog.text).toContain('• Welcome messages 1.0.0');
    expect(catalog.buttons.flat().map((b) => b.data)).toEqual(['my:i:bravo-news:welcome', 'my:bot:bravo-news']);
    const before = await mainHead(world);
    await bob.press('➕ Welcome messages');
    const refused = await bob.waitFor('Not possible');
    expect(refused.text).toBe('❌ Not possible: installing Welcome messages 1.0.0 on bravo-news. Reason: welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0');
    expect(await mainHead(world)).toBe(before);
    expect(await openPrs(world)).toEqual([]);
    await expectNoProgressLeft(bob);

    await backToBot(bob);
    await bob.press('Update Multi-bot to 1.1.0');
    const updated = await bob.waitFor('Done: updating Multi-bot to 1.1.0 on bravo-news');
    expect(updated.text).toContain('your bot is being updated now');
    const tenant = await manifestAt<TenantManifest>(world, tenantFile('bravo-news'));
    expect(tenant.modules.core?.version).toBe('1.1.0');
    expect(await openPrs(world)).toEqual([]);
    // The update button is gone from the bot's view now.
    await backToBot(bob);
    const view = await bob.waitFor((m) => m.text.includes('Modules: Multi-bot 1.1.0') && m.text.includes('Chats and channels'));
    expect(view.buttons.flat().some((b) => b.data?.startsWith('my:u:'))).toBe(false);

    await bob.press('Install a module');
    await bob.waitFor('Modules you can add to bravo-news');
    await bob.press('➕ Welcome messages');
    const review = await bob.waitFor('Sent for review: installing Welcome messages 1.0.0 on bravo-news');
    const [pr] = await openPrs(world);
    expect(pr?.labels).toContain('module.install');
    expect(review.text).toContain(`(request #${pr?.number})`);
    const proposed = await manifestAt<TenantManifest>(world, tenantFile('bravo-news'), pr?.head);
    expect(proposed.modules).toMatchObject({ core: { version: '1.1.0' }, welcome: { version: '1.0.0' } });
    expect(pr?.body).toContain('Telegram user 200002 (@bob_news)');

    // A second press of the same button is the same request: the same PR, not a second one.
    await bob.press('➕ Welcome messages');
    await bob.waitFor((m) => m.messageId !== review.messageId && m.text.includes(`(request #${pr?.number})`));
    expect((await openPrs(world)).map((p) => p.number)).toEqual([pr?.number]);
    await expectNoProgressLeft(bob);
  });

  it('takes "Update now" of a release notification, and ignores one that would not move the bot forward', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const answers = watchAnswers(world);
    const bob = world.user(200_002);
    await bob.send('/mybots');
    const list = await bob.waitFor('Your bots');

    const before = await mainHead(world);
    await bob.pressData(list, 'upd:bravo-news:core:1.0.0');
    await bob.pressData(list, 'upd:bravo-news:core:9.9.9');
    await bob.pressData(list, 'upd:bravo-news:welcome:1.0.0');
    await bob.pressData(list, 'upd:bravo-news:core:1.1.0');
    await bob.waitFor('Done: updating Multi-bot to 1.1.0 on bravo-news');
    expect(answers.slice(0, 3)).toEqual(Array(3).fill('This button is out of date. Send /start for a fresh menu.'));
    const tenant = await manifestAt<TenantManifest>(world, tenantFile('bravo-news'));
    expect(tenant.modules.core?.version).toBe('1.1.0');
    expect(Object.keys(tenant.modules)).toEqual(['core']);
    expect(await mainHead(world)).not.toBe(before);
  });

  it('removes a module after a confirmation, never offers the core, and refuses an install over the plan limit', async (ctx) => {
    const world = await startBotWorld(ctx, {
      ...only,
      manifests: (m) => {
        m.fleet.plans.basic!.maxModules = 2;
        m.catalog.polls = { name: 'polls', title: { en: 'Polls', ru: 'Опросы' }, description: { en: 'Votes in your chats.' }, versions: { '2.0.0': { image: 'ghcr.io/acme/polls:2.0.0', releasedAt: '2026-03-01T00:00:00Z' } } };
      },
    });
    const alice = world.user(200_001, { firstName: 'Alice' });
    await openBot(alice, 'alpha-shop');

    await alice.press('Install a module');
    const catalog = await alice.waitFor('Modules you can add to alpha-shop');
    expect(catalog.text).toContain('• Polls 2.0.0: Votes in your chats.');
    expect(catalog.text).not.toContain('Welcome');
    await alice.press('➕ Polls');
    const refused = await alice.waitFor('Not possible: installing Polls 2.0.0 on alpha-shop');
    expect(refused.text).toContain('plan "basic" allows 2 modules, this tenant has 3');
    expect(await openPrs(world)).toEqual([]);

    await backToBot(alice);
    await alice.press('Remove a module');
    const removable = await alice.waitFor('Which module should be removed from alpha-shop?');
    expect(removable.buttons.flat().map((b) => b.text)).toEqual(['➖ Welcome messages 1.0.0', '⬅️ Back to the bot']);
    await alice.press('➖ Welcome messages');
    await alice.waitFor('Remove Welcome messages from alpha-shop?');
    expect(await openPrs(world)).toEqual([]);
    await alice.press('Yes, remove it');
    const review = await alice.waitFor('Sent for review: removing Welcome messages from alpha-shop');
    const [pr] = await openPrs(world);
    expect(pr?.labels).toContain('module.remove');
    expect(review.text).toContain(`#${pr?.number}`);
    const proposed = await manifestAt<TenantManifest>(world, tenantFile('alpha-shop'), pr?.head);
    expect(Object.keys(proposed.modules)).toEqual(['core']);
  });
});
