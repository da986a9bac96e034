import { GrammyError, InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { BotContext } from '../../context.js';
import type { RenderedButton, Translate } from '../../notifications/index.js';
import { dataOf } from './callback-data.js';

/** Helpers the admin screens share: keyboards, the one progress message, button clean-up. */

/** An admin action ran for someone who is not an admin: a wiring bug, refused loudly. */
export class AdminOnlyError extends Error {
  override readonly name = 'AdminOnlyError';
}

/**
 * The last line of defence inside every admin action. The feature routes a non-admin's update
 * past all of them (they reach the fallback), so this throws only if an action is ever wired
 * outside that routing: it then refuses instead of acting.
 */
export function requireAdmin(ctx: BotContext): number {
  const id = ctx.from?.id;
  if (!ctx.isAdmin || id === undefined) throw new AdminOnlyError(`admin action refused for Telegram user ${id ?? '(none)'}`);
  return id;
}

export const translate = (ctx: BotContext): Translate => (key, variables) => ctx.t(key, variables);

export function keyboardOf(rows: readonly (readonly RenderedButton[])[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  rows.forEach((row, i) => {
    if (i > 0) kb.row();
    for (const b of row) {
      if (b.data !== undefined) kb.text(b.text, b.data);
      else if (b.url !== undefined) kb.url(b.text, b.url);
    }
  });
  return kb;
}

/** An edit with no keyboard: Telegram drops the buttons, and the emulator does the same only when told. */
export const NO_BUTTONS: InlineKeyboardMarkup = { inline_keyboard: [] };

export const backHome = (t: Translate): RenderedButton => ({ text: t('admin-back'), data: dataOf({ type: 'home' }) });

/**
 * Says "working on it" at once, then turns that one message into the result: approving a PR or a
 * payment goes through git and can take a few seconds.
 */
export async function withProgress(ctx: BotContext, work: () => Promise<{ text: string; buttons?: readonly (readonly RenderedButton[])[] }>): Promise<void> {
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return;
  const progress = await ctx.reply(ctx.t('admin-working'));
  let result: { text: string; buttons?: readonly (readonly RenderedButton[])[] };
  try {
    result = await work();
  } catch (error) {
    // Failures the action expects are answered by it; this is the rest (database, git down). The
    // admin is told in the progress message rather than left with "working…", and it is logged.
    ctx.deps.log.error({ from: ctx.from?.id, data: ctx.callbackQuery?.data, error: describeError(error) }, 'admin action failed');
    result = { text: ctx.t('error-generic') };
  }
  await ctx.api.editMessageText(chatId, progress.message_id, result.text, { reply_markup: result.buttons ? keyboardOf(result.buttons) : NO_BUTTONS });
}

/** Error text for logs and admins: the name and message, never a request (it could carry a token). */
export function describeError(error: unknown): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.description}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Shows a screen in place of the message whose button was pressed (navigation does not flood the
 * chat), or as a new message when there is none. Refreshing a screen that did not change is not
 * an error, though Telegram calls it one.
 */
export async function replaceOrReply(ctx: BotContext, text: string, markup: InlineKeyboard): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message !== undefined && ctx.chat !== undefined) {
    try {
      await ctx.api.editMessageText(ctx.chat.id, message.message_id, text, { reply_markup: markup });
      return;
    } catch (error) {
      if (error instanceof GrammyError && error.description.includes('message is not modified')) return;
      throw error;
    }
  }
  await ctx.reply(text, { reply_markup: markup });
}

/**
 * Takes the buttons off the message an admin pressed (a decided PR or payment), so it reads as
 * done. The message may be too old to edit or already without buttons: that is logged and the
 * action's own answer still goes out.
 */
export async function clearButtons(ctx: BotContext): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message === undefined || ctx.chat === undefined) return;
  try {
    await ctx.api.editMessageReplyMarkup(ctx.chat.id, message.message_id, { reply_markup: NO_BUTTONS });
  } catch (error) {
    if (!(error instanceof GrammyError)) throw error;
    ctx.deps.log.warn({ method: error.method, description: error.description }, 'could not take the buttons off an admin message');
  }
}
