import type { PendingOrder } from '../billing/contract.js';
import { sealValue, TEST_RECIPIENT } from './fleet-fixtures.js';
import { chargeRefunded, checkoutCompleted, invoiceEvent, metadataOf, type Purchase, subscriptionEvent } from './stripe-fixtures.js';
import { seeded } from './seeded.js';

/**
 * One customer's life with Stripe, shared by the pure order-proof test (billing/) and the one
 * through the real webhook (test/e2e/): purchase, three renewals, a failed payment and its
 * recovery, cancellation at period end, two partial refunds: every event type billing handles.
 */
export const delta: Purchase = { tenant: 'delta-shop', customer: 'cus_Delta001', subscription: 'sub_Delta001', telegramUserId: 300_007, plan: 'basic' };
const md = metadataOf(delta);
export const order: PendingOrder = {
  tenant: delta.tenant,
  telegramUserId: delta.telegramUserId,
  telegramUsername: 'delta_owner',
  plan: 'basic',
  modules: [{ name: 'welcome' }],
  chats: [{ id: -1_009_000_000_001, type: 'supergroup', title: 'Delta buyers' }],
  secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, '7000000009:AAH_delta-shop_test_token_0123456789') },
  createdAt: '2026-03-20T09:50:00Z',
};

export const M = ['2026-03-20T10:00:00Z', '2026-04-20T10:00:00Z', '2026-05-20T10:00:00Z', '2026-06-20T10:00:00Z', '2026-07-20T10:00:00Z'] as const;
export const later = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const cycle = (i: number) => ({ start: M[i] ?? '', end: M[i + 1] ?? '', metadata: md });

/** In the order Stripe sends them: a purchase's first invoice.paid usually comes before its checkout. */
export const EVENTS: readonly unknown[] = [
  invoiceEvent('invoice.paid', 'evt_1Paid1', later(M[0], 0), delta, { invoice: 'in_Delta0001', ...cycle(0) }),
  checkoutCompleted('evt_1Checkout', later(M[0], 0.01), delta),
  subscriptionEvent('customer.subscription.created', 'evt_1SubCreated', later(M[0], 0.01), delta, { status: 'active', periodEnd: M[1] }),
  invoiceEvent('invoice.paid', 'evt_1Paid2', later(M[1], 1), delta, { invoice: 'in_Delta0002', ...cycle(1) }),
  invoiceEvent('invoice.paid', 'evt_1Paid3', later(M[2], 1), delta, { invoice: 'in_Delta0003', ...cycle(2) }),
  invoiceEvent('invoice.payment_failed', 'evt_1Failed4a', later(M[3], 1), delta, { invoice: 'in_Delta0004', ...cycle(3) }),
  subscriptionEvent('customer.subscription.updated', 'evt_1SubPastDue', later(M[3], 1), delta, { status: 'past_due', periodEnd: M[4] }),
  invoiceEvent('invoice.payment_failed', 'evt_1Failed4b', later(M[3], 72), delta, { invoice: 'in_Delta0004', ...cycle(3) }),
  invoiceEvent('invoice.paid', 'evt_1Paid4', later(M[3], 120), delta, { invoice: 'in_Delta0004', ...cycle(3) }),
  subscriptionEvent('customer.subscription.updated', 'evt_1SubActive', later(M[3], 120), delta, { status: 'active', periodEnd: M[4] }),
  subscriptionEvent('customer.subscription.updated', 'evt_1SubCancel', later(M[3], 240), delta, { cancelAtPeriodEnd: true, periodEnd: M[4] }),
  chargeRefunded('evt_1Refund1', later(M[3], 260), delta, { charge: 'ch_Delta0003', refunded: 200 }),
  chargeRefunded('evt_1Refund2', later(M[3], 280), delta, { charge: 'ch_Delta0003', refunded: 500 }),
  subscriptionEvent('customer.subscription.deleted', 'evt_1SubDeleted', M[4], delta, { cancelAtPeriodEnd: true, periodEnd: M[4] }),
];

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

