import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import type { BotDeps } from '../ports.js';

/** Longest text the bot reads; a longer message is answered, not parsed. */
export const MAX_TEXT = 1000;

/**
 * What nothing else handled. An admin command from a non-admin ends up here too and gets exactly
 * the answer of any unknown command, so the bot does not reveal that admin commands exist. A
 * button nobody handles (an old message after a restart, crafted data) is answered with "this
 * button is out of date" and changes nothing.
 */
export function fallbackFeature(_deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: ctx.t('button-outdated') });
  });
  feature.on('message:text', async (ctx) => {
    if (ctx.message.text.length > MAX_TEXT) await ctx.reply(ctx.t('text-too-long', { max: MAX_TEXT }));
    else await ctx.reply(ctx.t('unknown-command'));
  });
  feature.on('message', async (ctx) => {
    await ctx.reply(ctx.t('unexpected-media'));
  });
  return feature;
}
