import { conversations } from '@grammyjs/conversations';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type BotConfig, GrammyError } from 'grammy';
import { isAdminOf } from './admins.js';
import type { BotContext } from './context.js';
import type { Feature } from './feature.js';
import { fallbackFeature } from './features/fallback.js';
import { FEATURES } from './features/index.js';
import { settingsFeature } from './features/settings.js';
import { startFeature } from './features/start.js';
import { createI18n, localeFor } from './i18n.js';
import { nulFree } from './nul-free.js';
import type { BotDeps } from './ports.js';

export interface CreateBotOptions {
  /** Bot API root: Telegram's, or the emulator's in tests. */
  readonly apiRoot: string;
  /** Features between the built-in ones and the fallback; all of bot/features/index.ts when absent. */
  readonly features?: readonly ((deps: BotDeps) => Feature)[];
  /** Test seam: a getMe answer given up front skips the call at start. */
  readonly botInfo?: BotConfig<BotContext>['botInfo'];
}

/**
 * The buckfleet bot: customers buy, pay and manage their multi-bots; admins run the fleet. Every
 * action that changes the fleet is a change request (fleet/), never a direct effect.
 */
export function createBot(token: string, deps: BotDeps, opts: CreateBotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, {
    client: { apiRoot: opts.apiRoot },
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
  });
  const i18n = createI18n();

  // Before anything reads or stores the update: PostgreSQL takes no U+0000 (nul-free.ts).
  bot.use(nulFree);
  // Updates of one chat are handled one at a time, in order (a conversation's next step must see
  // the previous one's state); different chats run side by side under the runner or webhooks.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use(async (ctx, next) => {
    Object.assign(ctx, { deps, isAdmin: false, userLanguage: null });
    if (ctx.from && !ctx.from.is_bot) {
      await deps.users.seen({ id: ctx.from.id, username: ctx.from.username, firstName: ctx.from.first_name, languageCode: ctx.from.language_code });
      ctx.userLanguage = await deps.users.language(ctx.from.id);
      ctx.isAdmin = isAdminOf(await deps.fleet.current(), deps.adminIds, ctx.from.id);
    }
    await next();
  });
  bot.use(i18n);
  // Private chats only: the bot talks to customers and admins one to one, never in groups.
  const chat = bot.chatType('private');
  chat.use(conversations({ storage: { type: 'key', adapter: deps.storage.adapter('conversation:') } }));
  chat.use(startFeature(deps), settingsFeature(deps));
  for (const feature of opts.features ?? FEATURES) chat.use(feature(deps));
  chat.use(fallbackFeature(deps));

  bot.catch(async (err) => {
    const ctx = err.ctx;
    deps.log.error({ update: ctx.update.update_id, from: ctx.from?.id, error: describe(err.error) }, 'bot handler failed');
    // The person is told something went wrong rather than left waiting; a failure to tell them
    // (blocked bot, network) is logged, not retried: the outbox owns retries.
    // Through the I18n instance, not ctx.t: a failure before the i18n middleware (recording the
    // user, reading the fleet) has no ctx.t yet, and the person used to get no answer at all.
    const text = i18n.t(localeFor(ctx.userLanguage ?? ctx.from?.language_code), 'error-generic');
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text });
      else if (ctx.chat) await ctx.reply(text);
    } catch (replyError) {
      deps.log.warn({ error: describe(replyError) }, 'could not tell the user about the failure');
    }
  });
  return bot;
}

/** Error text for logs: Telegram's description, never the request (it carries the token). */
function describe(error: unknown): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.description}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
