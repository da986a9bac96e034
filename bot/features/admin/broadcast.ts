import type { Fleet } from '../../../fleet/model.js';
import type { BotContext } from '../../context.js';
import type { RenderedButton, Translate } from '../../notifications/index.js';
import type { BotDeps } from '../../ports.js';
import { dataOf } from './callback-data.js';
import { type AdminInput, type Audience, type InputStore, MAX_BROADCAST } from './input.js';
import { backHome, clearButtons, keyboardOf, requireAdmin, translate } from './ui.js';

/**
 * Broadcasts: the admin picks the audience (every reachable user, or the owners of tenants with
 * one module), types the text, sees it exactly as recipients will, and confirms. Each recipient
 * gets one outbox message (`broadcast`), whose dedupe key names the broadcast by its preview
 * message, so pressing Send twice, or again after a crash halfway, sends each person one copy.
 */

/** Pure: who an audience is. Module owners are counted only if the bot can write to them at all. */
export function recipientsOf(fleet: Fleet, reachable: readonly number[], audience: Audience): number[] {
  if (audience.module === null) return [...new Set(reachable)].sort((a, b) => a - b);
  const module = audience.module;
  const can = new Set(reachable);
  const owners = [...fleet.tenants.values()].filter((r) => module in r.tenant.modules).map((r) => r.tenant.owner.telegramUserId);
  return [...new Set(owners)].filter((id) => can.has(id)).sort((a, b) => a - b);
}

export const broadcastKey = (broadcastId: string, user: number): string => `broadcast:${broadcastId}:${user}`;

const cancelButton = (t: Translate): RenderedButton => ({ text: t('admin-cancel'), data: dataOf({ type: 'cancel' }) });

function audienceText(t: Translate, audience: Audience): string {
  return audience.module === null ? t('admin-broadcast-audience-all') : t('admin-broadcast-audience-module', { module: audience.module });
}

export async function chooseAudience(ctx: BotContext, deps: BotDeps): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const [fleet, reachable] = await Promise.all([deps.fleet.current(), deps.users.reachable()]);
  const rows: RenderedButton[][] = [[{ text: t('admin-broadcast-all', { count: recipientsOf(fleet, reachable, { module: null }).length }), data: dataOf({ type: 'audience', module: null }) }]];
  for (const module of fleet.catalog.keys()) {
    const count = recipientsOf(fleet, reachable, { module }).length;
    rows.push([{ text: t('admin-broadcast-module', { module, count }), data: dataOf({ type: 'audience', module }) }]);
  }
  rows.push([cancelButton(t)]);
  await ctx.reply(t('admin-broadcast-choose'), { reply_markup: keyboardOf(rows) });
}

export async function pickAudience(ctx: BotContext, deps: BotDeps, input: InputStore, module: string | null): Promise<void> {
  const admin = requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  if (module !== null && !(await deps.fleet.current()).catalog.has(module)) {
    await ctx.reply(t('admin-broadcast-unknown-module', { module }), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  const audience = { module };
  await input.set(admin, { mode: 'broadcast-text', audience });
  await ctx.reply(t('admin-broadcast-prompt', { audience: audienceText(t, audience), max: MAX_BROADCAST }), { reply_markup: keyboardOf([[cancelButton(t)]]) });
}

/** The broadcast's text: shown back as recipients will see it, with Send and Cancel under it. */
export async function onBroadcastText(ctx: BotContext, deps: BotDeps, input: InputStore, state: Extract<AdminInput, { mode: 'broadcast-text' }>, text: string): Promise<void> {
  const admin = requireAdmin(ctx);
  const t = translate(ctx);
  if (text.trim() === '' || text.length > MAX_BROADCAST) {
    await ctx.reply(t('admin-broadcast-too-long', { max: MAX_BROADCAST }));
    return;
  }
  const [fleet, reachable] = await Promise.all([deps.fleet.current(), deps.users.reachable()]);
  const count = recipientsOf(fleet, reachable, state.audience).length;
  await ctx.reply(t('admin-broadcast-preview', { audience: audienceText(t, state.audience), count }));
  const preview = await ctx.reply(text, {
    reply_markup: keyboardOf([[{ text: t('admin-broadcast-send', { count }), data: dataOf({ type: 'send' }) }, cancelButton(t)]]),
  });
  await input.set(admin, { mode: 'broadcast-confirm', audience: state.audience, text, previewMessageId: preview.message_id });
}

/** Send: only the preview the draft belongs to confirms it; recipients are counted again now. */
export async function sendBroadcast(ctx: BotContext, deps: BotDeps, input: InputStore): Promise<void> {
  const admin = requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const chatId = ctx.chat?.id;
  const pressed = ctx.callbackQuery?.message?.message_id;
  if (chatId === undefined || pressed === undefined) return;
  const state = await input.get(admin);
  if (state?.mode !== 'broadcast-confirm' || state.previewMessageId !== pressed) {
    await clearButtons(ctx);
    await ctx.reply(t('admin-broadcast-stale'), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  const [fleet, reachable] = await Promise.all([deps.fleet.current(), deps.users.reachable()]);
  const recipients = recipientsOf(fleet, reachable, state.audience);
  const broadcastId = `${chatId}-${pressed}`;
  let queued = 0;
  for (const user of recipients) {
    if (await deps.outbox.queue({ dedupeKey: broadcastKey(broadcastId, user), telegramUserId: user, kind: 'broadcast', payload: { text: state.text } })) queued += 1;
  }
  // Cleared only once every recipient is queued: a crash before this leaves the draft, and
  // pressing Send again queues the rest under the same keys.
  await input.clear(admin);
  await clearButtons(ctx);
  deps.log.info({ admin, broadcast: broadcastId, recipients: recipients.length, queued }, 'broadcast queued');
  await ctx.reply(t('admin-broadcast-sent', { count: recipients.length }), { reply_markup: keyboardOf([[backHome(t)]]) });
}
