import { describe, expect, it } from 'vitest';
import { startBotWorld } from '../test/telegram/bot-world.js';
import { NUL_REPLACEMENT, replaceNul } from './nul-free.js';

describe('U+0000 in updates', () => {
  it('is replaced in every string at any depth, keeping lengths; nothing else changes', () => {
    const update = { update_id: 1, message: { text: 'a\u0000b', entities: [{ offset: 2, length: 1, type: 'bold' }], from: { first_name: '\u0000\u0000', id: 7, is_bot: false }, photo: [{ file_id: 'f\u0000' }] } };
    replaceNul(update);
    expect(update).toEqual({
      update_id: 1,
      message: { text: `a${NUL_REPLACEMENT}b`, entities: [{ offset: 2, length: 1, type: 'bold' }], from: { first_name: NUL_REPLACEMENT.repeat(2), id: 7, is_bot: false }, photo: [{ file_id: `f${NUL_REPLACEMENT}` }] },
    });
  });

  it('no longer breaks the bot: a NUL in a first name or in a purchase step is answered as usual (emulator)', async (ctx) => {
    const world = await startBotWorld(ctx);
    // Before the fix: every update of this user failed writing telegram_users, and nothing was answered.
    const eve = world.user(300_005, { firstName: 'E\u0000ve' });
    await eve.send('/start');
    await eve.waitFor('Hello, E\uFFFDve');
    // Before the fix: the conversation's replay log (jsonb) could not be stored: "Something went wrong".
    const dan = world.user(300_004, { firstName: 'Dan' });
    await dan.send('/buy');
    await dan.waitFor('choose a plan');
    await dan.press('Basic');
    await dan.waitFor('Now choose a name');
    await dan.send('dan\u0000shop');
    await dan.next("That name can't be used");
    await dan.send('dan-shop');
    await dan.next('Choose the modules');
    expect(world.logged).toEqual([]);
    expect((await world.db.pool.query<{ first_name: string }>('SELECT first_name FROM telegram_users WHERE id = 300005')).rows).toEqual([{ first_name: 'E\uFFFDve' }]);
  }, 60_000);
});
