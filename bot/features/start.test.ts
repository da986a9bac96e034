import { describe, expect, it } from 'vitest';
import { startBotWorld } from '../../test/telegram/bot-world.js';

describe('/start and the fallback (emulator)', () => {
  it('welcomes with the main menu, in the user language, and answers unknown input plainly', async (ctx) => {
    const world = await startBotWorld(ctx);
    const alice = world.user(300_001, { firstName: 'Alice' });
    await alice.send('/start');
    const welcome = await alice.waitFor('Hello, Alice');
    expect(welcome.buttons.flat().map((b) => b.data)).toEqual(['buy:start', 'my:list', 'settings:language']);

    const boris = world.user(300_002, { firstName: 'Борис', languageCode: 'ru' });
    await boris.send('/start');
    await boris.waitFor('Здравствуйте, Борис');

    await alice.send('/nonsense');
    await alice.waitFor("I don't know that command");
    await alice.send('x'.repeat(4000));
    await alice.waitFor('That message is too long');
    await alice.sendRaw({ sticker: { file_id: 'sticker-1', file_unique_id: 's1', width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' } });
    await alice.waitFor("I can't use that here");
  });

  it('shows the admin button to admins only, and lets the user pick a language that overrides Telegram', async (ctx) => {
    const world = await startBotWorld(ctx);
    const admin = world.user(100_001, { firstName: 'Ada' });
    await admin.send('/start');
    const menu = await admin.waitFor('Hello, Ada');
    expect(menu.buttons.flat().map((b) => b.data)).toContain('admin:home');

    const carol = world.user(300_003, { firstName: 'Carol' });
    await carol.send('/language');
    await carol.waitFor('Choose the language');
    await carol.press('Русский');
    await carol.waitFor('Готово');
    await carol.send('/start');
    await carol.waitFor('Здравствуйте, Carol');
    expect(await world.deps.users.language(300_003)).toBe('ru');
  });

  it('asks to join the required channel first, and lets the user in once they have', async (ctx) => {
    const world = await startBotWorld(ctx, { manifests: (m) => void (m.fleet.requiredChannel = '@acme_news') });
    world.emulator.channelMembers.set('@acme_news', new Set());
    const dan = world.user(300_004, { firstName: 'Dan' });
    await dan.send('/start');
    await dan.waitFor('please join @acme_news');
    world.emulator.channelMembers.get('@acme_news')!.add(300_004);
    await dan.press('I joined');
    await dan.waitFor('Hello, Dan');
  });
});
