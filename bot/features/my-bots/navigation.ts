import { Composer } from 'grammy';
import type { BotContext } from '../../context.js';
import { MENU } from '../../main-menu.js';
import { onTenantAction } from './route.js';
import { show } from './show.js';
import { botView, listView } from './views.js';

/** /mybots and the main menu's "My bots": the list; a bot's button: that bot and its actions. */
export function navigation(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('mybots', async (ctx) => {
    if (ctx.from === undefined) return;
    const view = await listView(ctx, ctx.from.id);
    await ctx.reply(view.text, { reply_markup: view.keyboard });
  });
  composer.callbackQuery(MENU.myBots, async (ctx) => {
    await ctx.answerCallbackQuery();
    const view = await listView(ctx, ctx.from.id);
    await show(ctx, view.text, view.keyboard);
  });
  onTenantAction(composer, 'bot', async (ctx, _action, owned) => {
    await ctx.answerCallbackQuery();
    const view = await botView(ctx, owned);
    await show(ctx, view.text, view.keyboard);
  });
  return composer;
}
