import { InlineKeyboard } from 'grammy';
import { manualPaymentData } from '../manual-payment/callback.js';
import { BUY_DATA, edit, type Flow } from './flow.js';
import { formatMoney } from './money.js';
import type { PlanOffer } from './offer.js';

type Checkout = { readonly ok: true; readonly url: string } | { readonly ok: false };

/**
 * Step 6: how to pay, on the one progress message of the token and the order. A Checkout link
 * when the plan has a Stripe price and Stripe is configured; "Pay manually" when fleet.yaml
 * enables manual payments; both when both. A Checkout that cannot be created now is said so,
 * with "Try again" (and the manual way, when there is one).
 */
export async function offerPayment(flow: Flow, p: { tenant: string; plan: PlanOffer; summary: string; messageId: number }): Promise<void> {
  const { t, offer } = flow;
  const price = formatMoney(p.plan.price, flow.locale);
  const byCard = offer.stripe && p.plan.stripePriceId !== undefined;
  for (;;) {
    let checkout: Checkout | null = null;
    if (byCard) {
      await edit(flow, p.messageId, `${p.summary}\n\n${t('buy-creating-payment-link')}`);
      checkout = await flow.conversation.external(() => createCheckout(flow, p.tenant, p.plan));
    }
    const keyboard = new InlineKeyboard();
    if (checkout?.ok) keyboard.url(t('buy-pay-card', { price }), checkout.url).row();
    if (checkout?.ok === false) keyboard.text(t('buy-retry-button'), BUY_DATA.retry).row();
    if (offer.manual.enabled) keyboard.text(t('buy-pay-manual'), manualPaymentData(p.tenant, 'purchase')).row();
    const next = checkout?.ok === false ? t('buy-payment-link-failed') : t('buy-pay-now');
    await edit(flow, p.messageId, `${p.summary}\n\n${next}`, keyboard);
    if (checkout?.ok !== false) return;
    // Waits for "Try again"; "Pay manually" is the manual payment feature's and ends this flow.
    for (;;) {
      const input = await flow.ask({ promptId: p.messageId, accepts: {}, unexpected: t('buy-use-buttons') });
      if (input.kind !== 'button') continue;
      await input.ctx.answerCallbackQuery();
      if (input.data === BUY_DATA.retry) break;
      await input.ctx.reply(t('buy-button-outdated'));
    }
  }
}

async function createCheckout(flow: Flow, tenant: string, plan: PlanOffer): Promise<Checkout> {
  const { deps } = flow;
  if (deps.payments === null || plan.stripePriceId === undefined) return { ok: false };
  try {
    const session = await deps.payments.createCheckout({
      tenant,
      telegramUserId: flow.user.id,
      plan: plan.name,
      kind: 'purchase',
      priceId: plan.stripePriceId,
      successUrl: deps.paymentLinks.successUrl,
      cancelUrl: deps.paymentLinks.cancelUrl,
    });
    return { ok: true, url: session.url };
  } catch (error) {
    // billing/stripe-api.ts scrubs the secret key from its errors; the customer is offered a retry.
    deps.log.error({ tenant, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'could not create a Stripe Checkout for a purchase');
    return { ok: false };
  }
}
