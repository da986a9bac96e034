import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../../context.js';
import { manualRenewalData, myData } from './callback-data.js';
import { formatDate, formatMoney, planTitle } from './render.js';
import { type MyCallbackContext, onTenantAction, type Owned } from './route.js';
import { show } from './show.js';
import type { View } from './views.js';

/**
 * Renewing and managing payment of one bot: `my:pay:<slug>` from the bot's view (shown in place)
 * and `my:renew:<slug>`, the button of billing reminders (a new message, so the reminder stays).
 */
export function payment(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  onTenantAction(composer, 'pay', async (ctx, _action, owned) => {
    await ctx.answerCallbackQuery();
    const view = await paymentView(ctx, owned);
    await show(ctx, view.text, view.keyboard);
  });
  onTenantAction(composer, 'renew', async (ctx, _action, owned) => {
    await ctx.answerCallbackQuery();
    const view = await paymentView(ctx, owned);
    await ctx.reply(view.text, { reply_markup: view.keyboard });
  });
  return composer;
}

/**
 * The ways to pay that fit this bot:
 * - Stripe Checkout for a renewal (the plan's price, the tenant's Stripe customer) when Stripe is
 *   configured and the plan has a price;
 * - the Customer Portal (change card, cancel) when billing.yaml has a Stripe customer;
 * - manual payment (the manual-payment feature handles the button) when fleet.yaml enables it.
 * While a subscription renews by itself (billing.yaml `autoRenew`), only the Portal is offered:
 * a Checkout or a manual payment then would pay twice for the same months.
 */
async function paymentView(ctx: MyCallbackContext, { fleet, record }: Owned): Promise<View> {
  const { tenant, billing, slug } = record;
  const plan = fleet.config.plans[tenant.plan];
  const payments = ctx.deps.payments;
  const customerId = billing.stripe?.customerId;
  const keyboard = new InlineKeyboard();
  const lines = [
    billing.paidThrough === null
      ? ctx.t('my-pay-title-unpaid', { bot: slug, plan: planTitle(fleet, record), price: plan ? formatMoney(plan.price) : '—' })
      : ctx.t('my-pay-title', { bot: slug, plan: planTitle(fleet, record), price: plan ? formatMoney(plan.price) : '—', date: formatDate(billing.paidThrough) }),
  ];
  let offered = 0;
  let unavailable = false;
  const attempt = async (op: 'checkout' | 'portal', call: () => Promise<{ readonly url: string }>): Promise<string | null> => {
    try {
      return (await call()).url;
    } catch (error) {
      // The customer gets the other ways to pay and a "try again later"; the cause is for us.
      // Payment links log a customer in, so only the error's name and message are logged.
      ctx.deps.log.warn({ op, tenant: slug, user: ctx.from.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'payment link could not be made');
      unavailable = true;
      return null;
    }
  };

  if (billing.autoRenew) lines.push(ctx.t('my-pay-auto-renew'));
  if (!billing.autoRenew && payments !== null && plan?.stripePriceId !== undefined) {
    const priceId = plan.stripePriceId;
    const url = await attempt('checkout', () =>
      payments.createCheckout({
        tenant: slug,
        telegramUserId: ctx.from.id,
        plan: tenant.plan,
        kind: 'renewal',
        priceId,
        ...(customerId === undefined ? {} : { customerId }),
        successUrl: ctx.deps.paymentLinks.successUrl,
        cancelUrl: ctx.deps.paymentLinks.cancelUrl,
      }),
    );
    if (url !== null) {
      keyboard.url(ctx.t('my-pay-checkout'), url).row();
      offered += 1;
    }
  }
  if (payments !== null && customerId !== undefined) {
    const url = await attempt('portal', () => payments.createPortal(customerId, ctx.deps.paymentLinks.portalReturnUrl));
    if (url !== null) {
      keyboard.url(ctx.t('my-pay-portal'), url).row();
      offered += 1;
    }
  }
  if (!billing.autoRenew && fleet.config.billing.manualPayments.enabled) {
    keyboard.text(ctx.t('my-pay-manual'), manualRenewalData(slug)).row();
    offered += 1;
  }
  if (unavailable) lines.push(ctx.t('my-pay-unavailable'));
  else if (offered === 0) lines.push(ctx.t('my-pay-none'));
  keyboard.text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
  return { text: lines.join('\n\n'), keyboard };
}
