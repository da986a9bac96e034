import type { I18n } from '@grammyjs/i18n';
import type { BaseContext } from '../../context.js';
import { localeFor } from '../../i18n.js';
import { MENU } from '../../main-menu.js';
import type { BotDeps } from '../../ports.js';
import { MAX_TEXT } from '../fallback.js';
import { BUY_DATA, edit, type Flow } from './flow.js';
import { asker, type FlowConversation, type InnerContext } from './input.js';
import { chooseModules, titles } from './modules-step.js';
import { chooseName } from './name-step.js';
import { offerOf } from './offer.js';
import { saveOrder } from './order.js';
import { offerPayment } from './payment-step.js';
import { choosePlan, planLabel } from './plan-step.js';
import type { TokenSteps } from './token-guard.js';
import { askToken } from './token-step.js';

export const BUY_CONVERSATION = 'buy';

export interface PurchaseDeps {
  readonly deps: BotDeps;
  readonly i18n: I18n<BaseContext>;
  readonly steps: TokenSteps;
}

/**
 * Buying a multi-bot (issue 5), as one conversation: plan → name → modules → token → the order
 * is stored → payment. The conversations plugin keeps its state in bot_state, so a restart at
 * any step resumes there. What it reads from outside (the offer, name checks, the order, the
 * Checkout) goes through `conversation.external`, so replays see the same answers; nothing is
 * written to the fleet: the tenant is created when the payment is confirmed.
 */
export async function purchase(conversation: FlowConversation, ctx: InnerContext, p: PurchaseDeps): Promise<void> {
  const { deps, i18n, steps } = p;
  const user = ctx.from;
  const chat = ctx.chat?.id;
  if (user === undefined || chat === undefined) return;
  const setup = await conversation.external(async (outer) => {
    // A mark left by an earlier purchase that was cancelled at the token step.
    await steps.clear(chat);
    return { locale: localeFor(outer.userLanguage ?? outer.from?.language_code), offer: offerOf(await deps.fleet.current(), deps.payments !== null) };
  });
  const t = (key: string, variables?: Record<string, string | number>) => i18n.t(setup.locale, key, variables);
  const ask = asker(conversation, {
    prefix: 'buy:',
    restartCommands: ['buy'],
    restartData: (data) => data === MENU.buy,
    cancelData: BUY_DATA.cancel,
    texts: {
      cancelled: t('buy-cancelled'),
      outdated: t('buy-button-outdated'),
      tooLong: t('text-too-long', { max: MAX_TEXT }),
      strayToken: t('buy-token-too-early'),
      notDeleted: t('buy-token-not-deleted'),
    },
  });
  const flow: Flow = { conversation, ctx, chat, user: { id: user.id, username: user.username }, locale: setup.locale, t, ask, deps, offer: setup.offer, steps };
  if (setup.offer.core === null || setup.offer.plans.length === 0) {
    await ctx.reply(t('buy-closed'));
    return;
  }

  const plan = await choosePlan(flow);
  let name = await chooseName(flow);
  const modules = await chooseModules(flow, plan);
  const token = await askToken(flow);
  const bot = `@${token.username}`;

  let progress = token.progressMessageId;
  await edit(flow, progress, t('buy-token-ok', { bot }));
  for (;;) {
    const facts = { tenant: name, telegramUserId: user.id, telegramUsername: user.username, botUsername: token.username, plan: plan.name, modules, sealedToken: token.sealed };
    if (await conversation.external(() => saveOrder(deps, facts))) break;
    // Taken while the token was fetched: the rest of the order stands, only the name is asked again,
    // and the order is shown below the new name rather than on the message above it.
    name = await chooseName(flow, t('buy-name-taken-meanwhile', { name }));
    progress = (await ctx.reply(t('buy-token-ok', { bot }))).message_id;
  }
  const summary = t('buy-order-saved', { bot, name, plan: planLabel(flow, plan), modules: titles(flow, modules.map((m) => m.name)) });
  await offerPayment(flow, { tenant: name, plan, summary, messageId: progress });
}
