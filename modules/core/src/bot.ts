import { Bot, type Context, InlineKeyboard } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { atLeast, type CoreConfig } from './config.js';
import { adminStats, type Queryable, recordJoin, recordUser } from './store.js';
import type { Log } from './log.js';

export interface CoreBotDeps {
  readonly config: CoreConfig;
  readonly db: Queryable;
  readonly log: Log;
  /** Skips getMe at init: tests that feed updates with `handleUpdate`. */
  readonly botInfo?: UserFromGetMe;
}

/** What core asks Telegram for when polling; chat_member is not sent unless asked for. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'channel_post', 'callback_query', 'chat_member', 'my_chat_member'] as const;

export const UNKNOWN_COMMAND = 'Sorry, I do not know that command. Send /start.';
const REFRESH = 'core:admin:refresh';

/**
 * The reference multi-bot: /start greets (with core's version) and records the user; /admin is
 * the owner's panel; from 1.1.0 joins to served chats are recorded for other modules (welcome).
 * Groups and channels not in CHATS are ignored entirely: the bot may be added anywhere, but it
 * serves only the chats the tenant's manifest lists.
 */
export function createCoreBot(deps: CoreBotDeps): Bot {
  const { config, db, log } = deps;
  const bot = new Bot(config.botToken, { client: { apiRoot: config.apiRoot }, ...(deps.botInfo ? { botInfo: deps.botInfo } : {}) });
  const served = new Map(config.chats.map((c) => [c.id, c]));
  const isOwner = (ctx: Context) => ctx.from?.id === config.ownerId && ctx.chat?.type === 'private';

  bot.use(async (ctx, next) => {
    const chat = ctx.chat;
    if (chat === undefined || chat.type === 'private' || served.has(chat.id)) return next();
    log.debug('ignored an update from a chat not in CHATS', { chat: chat.id, update: ctx.update.update_id });
  });

  bot.command('start', async (ctx) => {
    if (ctx.from) await recordUser(db, ctx.from);
    const name = ctx.from?.first_name ?? 'there';
    await ctx.reply(`Hello, ${name}! I am ${ctx.me.first_name}. (core ${config.version})`);
  });

  // Not the owner: fall through to the unknown-command answer, so /admin is not even revealed.
  bot.command('admin', async (ctx, next) => {
    if (!isOwner(ctx)) return next();
    await ctx.reply(await adminPanel(), { reply_markup: new InlineKeyboard().text('Refresh', REFRESH) });
  });
  bot.callbackQuery(REFRESH, async (ctx) => {
    if (!isOwner(ctx)) return ctx.answerCallbackQuery();
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(await adminPanel(), { reply_markup: new InlineKeyboard().text('Refresh', REFRESH) }).catch((error: unknown) => {
      // Telegram refuses an edit that changes nothing ("message is not modified"): not a failure.
      if (!String(error).includes('not modified')) throw error;
    });
  });

  if (atLeast(config.version, 1, 1)) {
    bot.on('message:new_chat_members', async (ctx) => {
      for (const user of ctx.message.new_chat_members.filter((u) => !u.is_bot)) {
        await recordJoin(db, { updateId: ctx.update.update_id, chatId: ctx.chat.id, user, date: ctx.message.date });
      }
    });
    bot.on('chat_member', async (ctx) => {
      const { old_chat_member: before, new_chat_member: after, chat, date } = ctx.chatMember;
      const wasIn = before.status === 'member' || before.status === 'administrator' || before.status === 'creator' || (before.status === 'restricted' && before.is_member);
      const isIn = after.status === 'member' || (after.status === 'restricted' && after.is_member);
      if (wasIn || !isIn || after.user.is_bot) return;
      await recordJoin(db, { updateId: ctx.update.update_id, chatId: chat.id, user: after.user, date });
    });
  }

  bot.on('message::bot_command', async (ctx) => {
    // In groups a command may be meant for another bot: only private chats hear "unknown".
    if (ctx.chat.type === 'private') await ctx.reply(UNKNOWN_COMMAND);
  });

  bot.catch((error) => {
    // The handler failed for this update; polling goes on. The error names the method, never the token.
    log.error('update failed', { update: error.ctx.update.update_id, error: error.error instanceof Error ? error.error.message : String(error.error) });
  });

  async function adminPanel(): Promise<string> {
    const stats = await adminStats(db, config.version);
    const chats = config.chats.map((c) => `• ${c.title ?? c.type} (${c.id})`);
    return [
      `Admin panel (core ${config.version})`,
      `Users: ${stats.users} (${stats.newUsers7d} new in 7 days)`,
      `Chats served: ${config.chats.length}`,
      ...chats,
      ...(stats.joins7d === null ? [] : [`Joins in 7 days: ${stats.joins7d}`]),
    ].join('\n');
  }

  return bot;
}
