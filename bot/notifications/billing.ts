import { z } from 'zod';
import { Slug } from '../../fleet/schema/index.js';
import { dayOf, formatMoney, Instant, Money } from './money.js';
import { parsePayload } from './payload.js';
import type { Rendered, RenderedButton, Renderers, Translate } from './types.js';

/**
 * Billing notices to a tenant's owner: a failed payment (app/workers/stripe-messages.ts), and the
 * billing clock's reminder, past-due and suspension notices (billing/clock.ts through
 * app/workers/billing-clock.ts). Each carries a Renew button (`my:renew:<slug>`, handled by the
 * my-bots feature, which checks the presser owns the tenant).
 */

const PaymentFailed = z.object({ tenant: Slug, eventId: z.string().min(1), amountDue: Money.optional() });
const Reminder = z.object({ tenant: Slug, paidThrough: Instant, daysLeft: z.number().int().nonnegative() });
const Ended = z.object({ tenant: Slug, paidThrough: Instant });

/** Callback data of the Renew button; a slug is at most 32 characters, so this stays under 64 bytes. */
export const renewData = (tenant: string): string => `my:renew:${tenant}`;

const withRenew = (t: Translate, tenant: string, text: string): Rendered => {
  const renew: RenderedButton = { text: t('notify-billing-renew'), data: renewData(tenant) };
  return { text, buttons: [[renew]] };
};

export const BILLING_RENDERERS: Renderers = {
  'billing.payment_failed': (payload, t) => {
    const p = parsePayload(PaymentFailed, 'billing.payment_failed', payload);
    const text =
      p.amountDue === undefined
        ? t('notify-billing-payment-failed', { tenant: p.tenant })
        : t('notify-billing-payment-failed-amount', { tenant: p.tenant, amount: formatMoney(p.amountDue) });
    return withRenew(t, p.tenant, text);
  },
  'billing.reminder': (payload, t) => {
    const p = parsePayload(Reminder, 'billing.reminder', payload);
    // `days` stays a number: Fluent picks the plural form by it (1 day, 3 days; 1 день, 3 дня).
    return withRenew(t, p.tenant, t('notify-billing-reminder', { tenant: p.tenant, date: dayOf(p.paidThrough), days: p.daysLeft }));
  },
  'billing.past_due': (payload, t) => {
    const p = parsePayload(Ended, 'billing.past_due', payload);
    return withRenew(t, p.tenant, t('notify-billing-past-due', { tenant: p.tenant, date: dayOf(p.paidThrough) }));
  },
  'billing.suspended': (payload, t) => {
    const p = parsePayload(Ended, 'billing.suspended', payload);
    return withRenew(t, p.tenant, t('notify-billing-suspended', { tenant: p.tenant, date: dayOf(p.paidThrough) }));
  },
};
