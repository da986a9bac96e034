import { describe, expect, it } from 'vitest';
import { startBotWorld } from '../test/telegram/bot-world.js';
import type { UserStore } from './ports.js';

/** A user store whose writes fail, as during a database outage; reads still answer. */
function failingSeen(users: UserStore): UserStore {
  return {
    seen: () => Promise.reject(new Error('connection terminated unexpectedly')),
    language: (id) => users.language(id),
    setLanguage: (id, language) => users.setLanguage(id, language),
    reachable: () => users.reachable(),
  };
}

describe('a failure before the i18n middleware (emulator)', () => {
  it('is still answered, in the user language, instead of leaving the person without a reply', async (ctx) => {
    const world = await startBotWorld(ctx, { deps: (d) => ({ ...d, users: failingSeen(d.users) }) });
    const eve = world.user(300_005, { firstName: 'Eve' });
    await eve.send('/start');
    await eve.waitFor('Something went wrong on our side. Nothing was changed; please try again in a minute.');
    const ivan = world.user(300_006, { firstName: 'Ivan', languageCode: 'ru' });
    await ivan.send('/start');
    await ivan.waitFor('У нас что-то пошло не так.');
    expect(world.logged.filter((l) => l.startsWith('bot handler failed'))).toHaveLength(2);
    // Before the fix: "could not tell the user about the failure ... ctx.t is not a function".
    expect(world.logged.filter((l) => l.startsWith('could not tell the user'))).toEqual([]);
  }, 60_000);
});
