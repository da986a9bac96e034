import { GrammyError, type InlineKeyboard } from 'grammy';
import type { BaseContext } from '../../context.js';

/**
 * Navigation edits the message whose button was pressed, so moving around "My bots" does not
 * flood the chat; a command, or a message Telegram no longer lets us edit, gets a new message.
 */
export async function show(ctx: BaseContext, text: string, keyboard: InlineKeyboard): Promise<void> {
  if (ctx.callbackQuery?.message !== undefined) {
    try {
      await ctx.editMessageText(text, { reply_markup: keyboard });
      return;
    } catch (error) {
      // Pressing the button of what is already shown: Telegram refuses the identical edit, and
      // the screen is already right.
      if (error instanceof GrammyError && error.description.includes('message is not modified')) return;
      // Too old to edit, or deleted: the answer goes in a new message instead.
      if (!(error instanceof GrammyError && error.error_code === 400)) throw error;
    }
  }
  await ctx.reply(text, { reply_markup: keyboard });
}
