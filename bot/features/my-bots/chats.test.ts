import { describe, expect, it } from 'vitest';
import { tenantFile } from '../../../fleet/paths.js';
import type { TenantManifest } from '../../../fleet/schema/index.js';
import { ADMIN_ID } from '../../../test/fleet-fixtures.js';
import { type BotWorldOptions, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import { myBotsFeature } from './index.js';
import { mainHead, manifestAt, openBot, openPrs } from './test-support.js';

const only: BotWorldOptions = { features: [myBotsFeature] };

async function openChats(user: TestUser, slug: string): Promise<void> {
  const view = await openBot(user, slug);
  await user.pressData(view, `my:chats:${slug}`);
  await user.waitFor((m) => m.messageId === view.messageId && (m.text.includes('serves:') || m.text.includes('serves no chats')));
}

const forwardedFromChannel = (chat: { id: number; title: string }) => ({
  text: 'Big news today!',
  forward_origin: { type: 'channel', chat: { ...chat, type: 'channel' }, message_id: 42, date: Math.floor(Date.now() / 1000) - 60 },
});

describe('My bots: chats and channels (emulator, real fleet repo)', () => {
  it('adds a channel from a forwarded post (surviving a restart in between) and removes it again, each a tenant.update', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const bob = world.user(200_002, { firstName: 'Bob' });
    await openChats(bob, 'bravo-news');
    await bob.waitFor('bravo-news serves no chats or channels yet.');
    await bob.press('Add a chat or channel');
    await bob.waitFor('forward me any message from it');

    // The dialogue is kept in the control database: a restart in between loses nothing.
    await world.restart();
    await bob.sendRaw({ text: 'Hello from a person', forward_origin: { type: 'user', sender_user: { id: 555_555, is_bot: false, first_name: 'Eve' }, date: 1 } });
    await bob.waitFor('That comes from a person');
    await bob.sendRaw(forwardedFromChannel({ id: -1_009_876_543_210, title: 'Bravo News' }));
    const review = await bob.waitFor('Sent for review: adding Bravo News to bravo-news');
    const [pr] = await openPrs(world);
    expect(pr?.labels).toContain('tenant.update');
    expect(review.text).toContain(`#${pr?.number}`);
    const proposed = await manifestAt<TenantManifest>(world, tenantFile('bravo-news'), pr?.head);
    expect(proposed.chats).toEqual([{ id: -1_009_876_543_210, type: 'channel', title: 'Bravo News' }]);

    // An admin merges it; then the channel is listed and can be removed.
    await world.deps.changes.approve(pr!.number, ADMIN_ID);
    await openChats(bob, 'bravo-news');
    const list = await bob.waitFor('Chats and channels bravo-news serves:');
    expect(list.text).toContain('• Bravo News (channel, -1009876543210)');
    await bob.press('Remove Bravo News');
    await bob.waitFor('Sent for review: removing Bravo News from bravo-news');
    const [removal] = await openPrs(world);
    const after = await manifestAt<TenantManifest>(world, tenantFile('bravo-news'), removal?.head);
    expect(after.chats).toEqual([]);
    expect((await manifestAt<TenantManifest>(world, tenantFile('bravo-news'))).chats).toHaveLength(1);
  });

  it("adds a group by its id after asking what it is, keeps the bot's other chats, and says so when a chat is listed already", async (ctx) => {
    const world = await startBotWorld(ctx, { ...only, manifests: (m) => void (m.fleet.mergePolicy!.kinds!['tenant.update'] = 'auto') });
    const alice = world.user(200_001, { firstName: 'Alice' });
    await openChats(alice, 'alpha-shop');
    await alice.waitFor('• Alpha customers (group, -1001234567890)');
    await alice.press('Add a chat or channel');
    await alice.waitFor('forward me any message');
    await alice.send('hello?');
    await alice.waitFor('I need a message forwarded from the channel or group');
    await alice.send('-1001112223334');
    await alice.waitFor('Is -1001112223334 a channel or a group?');
    await alice.press(/^group$/);
    const done = await alice.waitFor('Done: adding -1001112223334 to alpha-shop');
    expect(done.text).toContain('being updated now');
    const tenant = await manifestAt<TenantManifest>(world, tenantFile('alpha-shop'));
    expect(tenant.chats).toEqual([
      { id: -1_001_234_567_890, type: 'supergroup', title: 'Alpha customers' },
      { id: -1_001_112_223_334, type: 'supergroup' },
    ]);

    const head = await mainHead(world);
    const outcome = await alice.press('Back to the bot');
    await alice.waitFor((m) => m.messageId === outcome.messageId && m.text.includes('Chats and channels: 2'));
    await alice.press('Chats and channels');
    await alice.waitFor((m) => m.messageId === outcome.messageId && m.text.includes('Chats and channels alpha-shop serves:'));
    await alice.press('Add a chat or channel');
    await alice.next('forward me any message');
    await alice.sendRaw({ text: 'post', forward_origin: { type: 'chat', sender_chat: { id: -1_001_234_567_890, type: 'supergroup', title: 'Alpha customers' }, date: 1 } });
    await alice.waitFor('Alpha customers is already served by alpha-shop.');
    expect(await mainHead(world)).toBe(head);
  });

  it('/cancel ends the dialogue: nothing changes and the next message is not read as a chat', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const bob = world.user(200_002);
    await openChats(bob, 'bravo-news');
    await bob.press('Add a chat or channel');
    await bob.waitFor('forward me any message');
    await bob.send('/cancel');
    await bob.waitFor('Cancelled: nothing was changed.');
    await bob.send('-1009876543210');
    await bob.waitFor("I don't know that command");
    expect(await openPrs(world)).toEqual([]);
  });
});
