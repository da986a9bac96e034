import { InlineKeyboard } from 'grammy';
import type { BaseContext } from '../../context.js';
import { MENU } from '../../main-menu.js';
import { ownedTenants } from './access.js';
import { myData, ref } from './callback-data.js';
import { availableUpdates, botSummary, moduleTitle } from './render.js';
import type { Owned } from './route.js';

export interface View {
  readonly text: string;
  readonly keyboard: InlineKeyboard;
}

/** Bots described in full in the list; all of them get a button (Telegram caps a message at 4096 characters). */
const LISTED_IN_FULL = 15;

/** Every bot the user owns, read from main now: billing and deploy status, plan, modules. */
export async function listView(ctx: BaseContext, userId: number): Promise<View> {
  const fleet = await ctx.deps.fleet.current();
  const locale = await ctx.i18n.getLocale();
  const mine = ownedTenants(fleet, userId);
  if (mine.length === 0) return { text: ctx.t('my-list-empty'), keyboard: new InlineKeyboard().text(ctx.t('menu-buy'), MENU.buy) };
  const shown = mine.slice(0, LISTED_IN_FULL);
  const deploys = await Promise.all(shown.map((r) => ctx.deps.deploys.get(r.slug)));
  const blocks = shown.map((record, i) => botSummary(ctx, locale, fleet, record, deploys[i] ?? null));
  if (mine.length > shown.length) blocks.push(ctx.t('my-list-more', { count: mine.length - shown.length }));
  const keyboard = new InlineKeyboard();
  for (const record of mine) keyboard.text(ctx.t('my-button-open', { bot: record.slug }), myData({ verb: 'bot', slug: record.slug })).row();
  return { text: [ctx.t('my-list-title'), ...blocks].join('\n\n'), keyboard };
}

/** One bot and what can be done with it. */
export async function botView(ctx: BaseContext, owned: Owned): Promise<View> {
  const { fleet, record, locale } = owned;
  const slug = record.slug;
  const deploy = await ctx.deps.deploys.get(slug);
  const text = [botSummary(ctx, locale, fleet, record, deploy), ctx.t('my-bot-chats', { count: record.tenant.chats.length })].join('\n');
  const keyboard = new InlineKeyboard()
    .text(ctx.t('my-button-pay'), myData({ verb: 'pay', slug }))
    .row()
    .text(ctx.t('my-button-install'), myData({ verb: 'mods', slug }))
    .text(ctx.t('my-button-remove'), myData({ verb: 'rms', slug }))
    .row();
  for (const update of availableUpdates(fleet, record)) {
    const label = ctx.t('my-button-update', { module: moduleTitle(fleet, update.module, locale), version: update.latest });
    keyboard.text(label, myData({ verb: 'u', slug, module: ref(update.module), version: ref(update.latest) })).row();
  }
  keyboard
    .text(ctx.t('my-button-chats'), myData({ verb: 'chats', slug }))
    .text(ctx.t('my-button-token'), myData({ verb: 'token', slug }))
    .row()
    .text(ctx.t('my-button-restart'), myData({ verb: 'restart', slug }))
    .row()
    .text(ctx.t('my-button-back-list'), myData({ verb: 'list' }));
  return { text, keyboard };
}
