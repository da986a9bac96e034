import { ManualPaymentError, manualPaymentChange, type ManualPaymentPlan } from '../../../billing/manual-payment.js';
import type { BotContext } from '../../context.js';
import { manualPaymentView, type ManualDecisionNotice, type ManualPaymentNotice } from '../../notifications/admin.js';
import { dayOf } from '../../notifications/money.js';
import type { RenderedButton, Translate } from '../../notifications/index.js';
import type { BotDeps, ManualPayment } from '../../ports.js';
import { dataOf } from './callback-data.js';
import { prButtons } from './prs.js';
import { openPrOf, submitChange, type Submitted } from './submit.js';
import { backHome, clearButtons, describeError, keyboardOf, requireAdmin, translate, withProgress } from './ui.js';

/**
 * Manual payments (bank transfer, crypto): the pending list, an admin's approval or rejection,
 * and the customer's proof. Approval records the period in the fleet (billing/manual-payment.ts)
 * and tells the customer through the outbox, once (`manual:<id>:decision`).
 */

const LISTED = 10;

export const decisionKey = (id: number): string => `manual:${id}:decision`;

export function noticeOf(p: ManualPayment): ManualPaymentNotice {
  return {
    paymentId: p.id,
    tenant: p.tenant,
    kind: p.kind,
    amount: { amount: p.amount, currency: p.currency },
    ...(p.reference !== null ? { reference: p.reference } : {}),
    hasPhoto: p.photoFileId !== null,
    from: { id: p.telegramUserId },
  };
}

const decisionOf = (p: ManualPayment, paidThrough?: string): ManualDecisionNotice => ({
  paymentId: p.id,
  tenant: p.tenant,
  kind: p.kind,
  amount: { amount: p.amount, currency: p.currency },
  ...(paidThrough !== undefined ? { paidThrough } : {}),
});

export async function listPayments(ctx: BotContext, deps: BotDeps): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const pending = await deps.manualPayments.pending();
  if (pending.length === 0) {
    await ctx.reply(t('admin-payments-none'), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  await ctx.reply(t('admin-payments-header', { count: pending.length, shown: Math.min(pending.length, LISTED) }));
  for (const payment of pending.slice(0, LISTED)) {
    const view = manualPaymentView(noticeOf(payment), t);
    await ctx.reply(view.text, { reply_markup: keyboardOf(view.buttons ?? []) });
  }
}

/** Someone else's decision, or a rejection, that stands: what to tell the admin who pressed. */
function decidedText(t: Translate, p: ManualPayment): string {
  const by = p.decidedBy ?? 0;
  return p.status === 'approved' ? t('admin-payment-already-approved', { id: String(p.id), admin: String(by) }) : t('admin-payment-already-rejected', { id: String(p.id), admin: String(by) });
}

const retryButton = (t: Translate, id: number): RenderedButton[] => [{ text: t('admin-payment-retry'), data: dataOf({ type: 'payment', decision: 'ok', id }) }];

/**
 * Approving a payment is two writes in two places: the decision (control database) and the
 * period (fleet repo). They cannot be one transaction, so the order is chosen for what a failure
 * between them leaves behind:
 *
 * 1. The change is planned first, from the fleet and the order as they are. A payment that cannot
 *    be recorded (no order, a taken name) is refused here and stays pending: nothing is decided.
 * 2. The decision is claimed (`decide`, pending → approved, once). This is what makes two admins,
 *    or an approval racing a rejection, settle on one outcome: whoever loses the claim is told
 *    who won and writes nothing. Submitting first would let a rejected payment's period reach
 *    main, since a rejection only touches the database.
 * 3. The change is submitted under an id derived from the payment (`manual-payment:<id>`), so
 *    submitting it again is the same branch and PR, and a period already on main is never added
 *    twice (the plan answers `recorded`; billing-merge keeps a period id's first recording).
 * 4. The customer is told through the outbox with a dedupe key per payment.
 *
 * If step 3 or 4 fails, the payment reads "approved by this admin" with no period on main yet.
 * The same admin pressing Approve again is therefore treated as a retry, not as "already
 * decided": steps 1, 3 and 4 run again and, being idempotent, finish the job once. Another
 * admin is still told it was decided, so only the admin who owns the decision completes it.
 */
export async function approvePayment(ctx: BotContext, deps: BotDeps, id: number): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const from = ctx.from;
  if (from === undefined) return;
  await withProgress(ctx, async () => {
    const payment = await deps.manualPayments.get(id);
    if (payment === null) return { text: t('admin-payment-missing', { id: String(id) }), buttons: [[backHome(t)]] };
    if (payment.status === 'rejected' || (payment.status === 'approved' && payment.decidedBy !== from.id)) {
      await clearButtons(ctx);
      return { text: decidedText(t, payment), buttons: [[backHome(t)]] };
    }

    const [fleet, order] = await Promise.all([deps.fleet.current(), payment.kind === 'purchase' ? deps.orders.get(payment.tenant) : Promise.resolve(null)]);
    let plan: ManualPaymentPlan;
    try {
      plan = manualPaymentChange({ payment, admin: { id: from.id, username: from.username }, fleet, order, now: deps.now() });
    } catch (error) {
      if (!(error instanceof ManualPaymentError)) throw error;
      return { text: t('admin-payment-cannot', { id: String(id), reason: error.message }), buttons: [[backHome(t)]] };
    }

    if (payment.status === 'pending') {
      const decided = await deps.manualPayments.decide(id, 'approved', from.id);
      if (decided === null) {
        const now = await deps.manualPayments.get(id);
        await clearButtons(ctx);
        return { text: now === null ? t('admin-payment-missing', { id: String(id) }) : decidedText(t, now), buttons: [[backHome(t)]] };
      }
    }

    let submitted: Submitted = { kind: 'noop' };
    try {
      if (plan.status === 'change') {
        const waiting = await openPrOf(deps, plan.change);
        submitted = waiting !== null ? { kind: 'open', pr: waiting } : await submitChange(deps, t, plan.change);
      }
      if (submitted.kind === 'refused') return { text: t('admin-payment-submit-failed', { id: String(id), problems: submitted.text }), buttons: [retryButton(t, id)] };
      await deps.outbox.queue({ dedupeKey: decisionKey(id), telegramUserId: payment.telegramUserId, kind: 'billing.manual_approved', payload: decisionOf(payment, plan.period.end) });
    } catch (error) {
      // Logged and told, with the way to finish: the decision is kept, and pressing again retries.
      deps.log.error({ payment: id, admin: from.id, error: describeError(error) }, 'manual payment approved, but recording it failed');
      return { text: t('admin-payment-submit-failed', { id: String(id), problems: t('error-generic') }), buttons: [retryButton(t, id)] };
    }

    await clearButtons(ctx);
    const vars = { id, tenant: payment.tenant, date: dayOf(plan.period.end) };
    const done = payment.kind === 'purchase' ? t('admin-payment-approved-purchase', vars) : t('admin-payment-approved-renewal', vars);
    if (submitted.kind === 'open') {
      return { text: `${done}\n${t('admin-payment-change-waiting', { number: String(submitted.pr.number) })}`, buttons: [prButtons(submitted.pr.number, t)] };
    }
    return { text: done, buttons: [[backHome(t)]] };
  });
}

/** A rejection touches only the database; the customer is told once, as for an approval. */
export async function rejectPayment(ctx: BotContext, deps: BotDeps, id: number): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const from = ctx.from;
  if (from === undefined) return;
  await withProgress(ctx, async () => {
    const payment = await deps.manualPayments.get(id);
    if (payment === null) return { text: t('admin-payment-missing', { id: String(id) }), buttons: [[backHome(t)]] };
    let decided: ManualPayment | null = payment;
    if (payment.status === 'pending') decided = await deps.manualPayments.decide(id, 'rejected', from.id);
    // Lost the claim, or it was decided before: unless it is this admin's own rejection being
    // pressed again (then the message below is queued again, a no-op by its dedupe key), it stands.
    if (decided === null || decided.status !== 'rejected' || decided.decidedBy !== from.id) {
      const now = decided ?? (await deps.manualPayments.get(id));
      await clearButtons(ctx);
      return { text: now === null ? t('admin-payment-missing', { id: String(id) }) : decidedText(t, now), buttons: [[backHome(t)]] };
    }
    await deps.outbox.queue({ dedupeKey: decisionKey(id), telegramUserId: payment.telegramUserId, kind: 'billing.manual_rejected', payload: decisionOf(payment) });
    await clearButtons(ctx);
    return { text: t('admin-payment-rejected', { id: String(id), tenant: payment.tenant }), buttons: [[backHome(t)]] };
  });
}

/** The customer's photo, sent to the admin who asked; the file id never leaves Telegram. */
export async function showProof(ctx: BotContext, deps: BotDeps, id: number): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return;
  const payment = await deps.manualPayments.get(id);
  if (payment === null) {
    await ctx.reply(t('admin-payment-missing', { id: String(id) }));
    return;
  }
  if (payment.photoFileId === null) {
    await ctx.reply(t('admin-payment-no-proof-photo', { id: String(id), reference: payment.reference ?? '-' }));
    return;
  }
  await ctx.api.sendPhoto(chatId, payment.photoFileId, { caption: t('admin-payment-proof-caption', { id: String(id), tenant: payment.tenant }) });
}
