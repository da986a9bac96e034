import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { LOCALES, type Locale } from '../i18n.js';
import { MENU } from '../main-menu.js';
import type { BotDeps } from '../ports.js';

const CHOOSE = /^settings:language:(auto|en|ru)$/;

/** /language and the menu's language button: the user's choice overrides Telegram's language. */
export function settingsFeature(deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const show = async (ctx: BotContext) => {
    const kb = new InlineKeyboard();
    for (const locale of LOCALES) kb.text(ctx.t(`language-name-${locale}`), `settings:language:${locale}`);
    kb.row().text(ctx.t('language-auto'), 'settings:language:auto');
    await ctx.reply(ctx.t('language-choose'), { reply_markup: kb });
  };
  feature.command('language', show);
  feature.callbackQuery(MENU.language, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx);
  });
  feature.callbackQuery(CHOOSE, async (ctx) => {
    const choice = ctx.match[1] as Locale | 'auto';
    await deps.users.setLanguage(ctx.from.id, choice === 'auto' ? null : choice);
    ctx.userLanguage = choice === 'auto' ? null : choice;
    await ctx.i18n.renegotiateLocale();
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('language-set'));
  });
  return feature;
}
