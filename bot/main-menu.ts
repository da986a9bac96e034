import { InlineKeyboard } from 'grammy';
import type { BotContext } from './context.js';

/** Callback data of the main menu's buttons; the features that own them match on these. */
export const MENU = {
  buy: 'buy:start',
  myBots: 'my:list',
  language: 'settings:language',
  /** Shown to admins only; the admin feature checks again on every press. */
  admin: 'admin:home',
} as const;

export function mainMenu(ctx: BotContext): InlineKeyboard {
  const kb = new InlineKeyboard().text(ctx.t('menu-buy'), MENU.buy).text(ctx.t('menu-my-bots'), MENU.myBots).row().text(ctx.t('menu-language'), MENU.language);
  if (ctx.isAdmin) kb.row().text(ctx.t('menu-admin'), MENU.admin);
  return kb;
}
