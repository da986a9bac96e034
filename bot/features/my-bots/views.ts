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

/** Telegram's limit is 4096 characters; what does not fit is left to the bots' own buttons. */
const LIST_TEXT_MAX = 3800;
/** Bots whose status is looked up for the list at most (each is a database read). */
const LISTED_AT_MOST = 30;

/** Every bot the user owns, read from main now: billing and deploy status, plan, modules. */
export async function listView(ctx: BaseContext, userId: number): Promise<View> {
  const fleet = await ctx.deps.fleet.current();
  const locale = await ctx.i18n.getLocale();
  const mine = ownedTenants(fleet, userId);
  if (mine.length === 0) return { text: ctx.t('my-list-empty'), keyboard: new InlineKeyboard().text(ctx.t('menu-buy'), MENU.buy) };
  const candidates = mine.slice(0, LISTED_AT_MOST);
  const deploys = await Promise.all(candidates.map((r) => ctx.deps.deploys.get(r.slug)));
  const blocks = [ctx.t('my-list-title')];
  let length = blocks[0]!.length;
  for (const [i, record] of candidates.entries()) {
    const block = botSummary(ctx, locale, fleet, record, deploys[i] ?? null);
    if (length + block.length + 2 > LIST_TEXT_MAX) break;
    blocks.push(block);
    length += block.length + 2;
  }
  const described = blocks.length - 1;
  if (mine.length > described) blocks.push(ctx.t('my-list-more', { count: mine.length - described }));
  const keyboard = new InlineKeyboard();
  for (const record of mine) keyboard.text(ctx.t('my-button-open', { bot: record.slug }), myData({ verb: 'bot', slug: record.slug })).row();
  return { text: blocks.join('\n\n'), keyboard };
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
