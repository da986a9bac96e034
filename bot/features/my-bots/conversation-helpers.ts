import type { Context } from 'grammy';
import type { BotContext } from '../../context.js';

/**
 * A dialogue left alone this long ends by itself: the next message then goes to the rest of the
 * bot instead of being read as, say, a chat id half a day later.
 */
export const WAIT_LIMIT_MS = 30 * 60_000;

const CANCEL = /^\/cancel(?:@\w+)?\s*$/;

/** A command the user typed (a forwarded post that happens to start with "/" is not one). */
function isCommand(ctx: Context): boolean {
  const message = ctx.message;
  return message?.text?.startsWith('/') === true && message.forward_origin === undefined;
}

export function isCancel(ctx: Context): boolean {
  return isCommand(ctx) && CANCEL.test(ctx.message?.text ?? '');
}

/** A command or a button press: the user has moved on to something else. */
export function isElsewhere(ctx: Context): boolean {
  return ctx.callbackQuery !== undefined || isCommand(ctx);
}

/**
 * Starts a dialogue. A chat has one dialogue at a time; starting one from a button means the user
 * left whatever dialogue was open (it would otherwise make `enter` throw), so that one ends.
 */
export async function enterConversation(ctx: BotContext, id: string, ...args: unknown[]): Promise<void> {
  if (Object.keys(ctx.conversation.active()).length > 0) await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, ...args);
}
