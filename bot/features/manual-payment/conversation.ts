import type { I18n } from '@grammyjs/i18n';
import { InlineKeyboard } from 'grammy';
import type { BaseContext } from '../../context.js';
import { localeFor } from '../../i18n.js';
import type { BotDeps } from '../../ports.js';
import { MAX_TEXT } from '../fallback.js';
import { asker, type FlowConversation, type InnerContext, type Translate } from '../buy/input.js';
import { formatMoney } from '../buy/money.js';
import { type ManualKind, MANUAL_PAYMENT_DATA } from './callback.js';
import { amountDue } from './due.js';
import { oneLineReference } from './reference.js';
import { submitProof } from './submit.js';

export const MANUAL_CONVERSATION = 'manual-payment';
export const CANCEL_DATA = 'pay:cancel';
/** Longest payment reference kept (a bank transfer's reference, a transaction id). */
export const MAX_REFERENCE = 200;

export interface ManualArgs {
  readonly tenant: string;
  readonly kind: ManualKind;
}

/**
 * A manual payment, the customer's side: the instructions from fleet.yaml and the amount, then
 * one proof (a photo of the receipt, or a text reference), stored for the admins and announced
 * to each of them through the outbox. An admin's decision comes back as a message later.
 */
export async function manualPayment(conversation: FlowConversation, ctx: InnerContext, args: ManualArgs, deps: BotDeps, i18n: I18n<BaseContext>): Promise<void> {
  const user = ctx.from;
  if (user === undefined) return;
  const setup = await conversation.external(async (outer) => ({
    locale: localeFor(outer.userLanguage ?? outer.from?.language_code),
    due: await amountDue(deps, args, user.id),
  }));
  const t: Translate = (key, variables) => i18n.t(setup.locale, key, variables);
  if (!setup.due.ok) {
    await ctx.reply(refusal(t, setup.due.reason));
    return;
  }
  const ask = asker(conversation, {
    prefix: 'pay:',
    restartCommands: [],
    restartData: (data) => MANUAL_PAYMENT_DATA.test(data),
    cancelData: CANCEL_DATA,
    texts: {
      cancelled: t('pay-cancelled'),
      outdated: t('pay-button-outdated'),
      tooLong: t('text-too-long', { max: MAX_TEXT }),
      strayToken: t('pay-proof-expected'),
      notDeleted: t('pay-proof-expected'),
    },
  });
  const amount = formatMoney(setup.due.amount, setup.locale);
  const instructions = setup.due.instructions ?? t('pay-no-instructions');
  const vars = { tenant: args.tenant, amount, instructions, max: MAX_REFERENCE };
  const text = args.kind === 'purchase' ? t('pay-manual-purchase', vars) : t('pay-manual-renewal', vars);
  const prompt = await ctx.reply(text, { reply_markup: new InlineKeyboard().text(t('pay-cancel-button'), CANCEL_DATA) });
  for (;;) {
    const input = await ask({ promptId: prompt.message_id, accepts: { text: true, photo: true }, unexpected: t('pay-proof-expected') });
    if (input.kind !== 'text' && input.kind !== 'photo') continue;
    const reference = oneLineReference(input.kind === 'text' ? input.text : (input.caption ?? ''));
    if (reference.length > MAX_REFERENCE) {
      await input.ctx.reply(t('pay-reference-too-long', { max: MAX_REFERENCE }));
      continue;
    }
    if (input.kind === 'text' && reference === '') {
      await input.ctx.reply(t('pay-proof-expected'));
      continue;
    }
    const photoFileId = input.kind === 'photo' ? input.fileId : null;
    const outcome = await conversation.external(() =>
      submitProof(deps, { tenant: args.tenant, kind: args.kind, photoFileId, reference: reference === '' ? null : reference, from: { id: user.id, username: user.username } }),
    );
    await ctx.api.editMessageReplyMarkup(prompt.chat.id, prompt.message_id, { reply_markup: { inline_keyboard: [] } });
    if (outcome === 'submitted') await input.ctx.reply(t('pay-proof-received', { tenant: args.tenant }));
    else if (outcome === 'waiting') await input.ctx.reply(t('pay-already-waiting', { tenant: args.tenant }));
    else await input.ctx.reply(t('pay-not-found'));
    return;
  }
}

/** Every key literal, so the locales test sees each one. */
export function refusal(t: Translate, reason: 'disabled' | 'not_found' | 'bought' | 'waiting', tenant = ''): string {
  switch (reason) {
    case 'disabled':
      return t('pay-manual-disabled');
    case 'not_found':
      return t('pay-not-found');
    case 'bought':
      return t('pay-already-bought', { tenant });
    case 'waiting':
      return t('pay-already-waiting', { tenant });
  }
}
