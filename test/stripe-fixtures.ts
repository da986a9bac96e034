/**
 * Builders of Stripe webhook events for tests, shaped as Stripe sends them (API 2025-10-29,
 * trimmed of fields billing never reads but keeping typical neighbours, so loose parsing is
 * exercised too). Times are ISO strings here and unix seconds in the payloads, as in Stripe's.
 */

export const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export interface Purchase {
  readonly tenant: string;
  readonly customer: string;
  readonly subscription: string;
  readonly telegramUserId: number;
  readonly plan: string;
  readonly kind?: 'purchase' | 'renewal' | 'module';
}

/** The metadata buckfleet's Checkout puts on the session and (subscription_data) on the subscription. */
export const metadataOf = (p: Purchase): Record<string, string> => ({
  tenant: p.tenant,
  telegram_user_id: String(p.telegramUserId),
  plan: p.plan,
  kind: p.kind ?? 'purchase',
});

export function stripeEvent(id: string, type: string, at: string, object: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    object: 'event',
    api_version: '2025-10-29.clover',
    created: seconds(at),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function checkoutCompleted(id: string, at: string, p: Purchase, opts: { session?: string; startedAt?: string; amount?: number; paymentStatus?: string } = {}) {
  return stripeEvent(id, 'checkout.session.completed', at, {
    id: opts.session ?? `cs_test_${p.tenant.replace(/-/g, '')}`,
    object: 'checkout.session',
    mode: 'subscription',
    status: 'complete',
    payment_status: opts.paymentStatus ?? 'paid',
    client_reference_id: p.tenant,
    metadata: metadataOf(p),
    customer: p.customer,
    customer_details: { email: 'owner@example.com', name: null },
    subscription: p.subscription,
    invoice: null,
    amount_subtotal: opts.amount ?? 500,
    amount_total: opts.amount ?? 500,
    currency: 'usd',
    created: seconds(opts.startedAt ?? at) - 300,
    expires_at: seconds(at) + 86_400,
    success_url: 'https://t.me/acme_bot',
  });
}

export interface InvoiceFacts {
  readonly invoice: string;
  readonly start: string;
  readonly end: string;
  readonly amount?: number;
  /** Subscription metadata on the invoice; none when omitted (found by customer then). */
  readonly metadata?: Record<string, string>;
}

/** `invoice.paid` / `invoice.payment_failed` of a subscription's cycle. */
export function invoiceEvent(type: 'invoice.paid' | 'invoice.payment_failed', id: string, at: string, p: Purchase, f: InvoiceFacts) {
  const amount = f.amount ?? 500;
  const paid = type === 'invoice.paid';
  return stripeEvent(id, type, at, {
    id: f.invoice,
    object: 'invoice',
    account_country: 'DE',
    billing_reason: 'subscription_cycle',
    collection_method: 'charge_automatically',
    customer: p.customer,
    customer_email: 'owner@example.com',
    currency: 'usd',
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    attempt_count: 1,
    status: paid ? 'paid' : 'open',
    metadata: {},
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: f.metadata ?? {}, subscription: p.subscription } },
    lines: {
      object: 'list',
      has_more: false,
      total_count: 1,
      data: [
        {
          id: `il_${f.invoice.slice(3)}`,
          object: 'line_item',
          amount,
          currency: 'usd',
          description: `1 × ${p.plan} (at $5.00 / month)`,
          metadata: {},
          parent: {
            type: 'subscription_item_details',
            invoice_item_details: null,
            subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: p.subscription, subscription_item: 'si_Test001' },
          },
          period: { start: seconds(f.start), end: seconds(f.end) },
          quantity: 1,
        },
      ],
    },
    period_start: seconds(f.start),
    period_end: seconds(f.start),
    created: seconds(at),
  });
}

export interface SubscriptionFacts {
  readonly status?: string;
  readonly cancelAtPeriodEnd?: boolean;
  readonly cancelAt?: string;
  readonly periodEnd: string;
}

export function subscriptionEvent(
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  id: string,
  at: string,
  p: Purchase,
  s: SubscriptionFacts,
) {
  return stripeEvent(id, type, at, {
    id: p.subscription,
    object: 'subscription',
    customer: p.customer,
    status: s.status ?? (type === 'customer.subscription.deleted' ? 'canceled' : 'active'),
    cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
    cancel_at: s.cancelAt ? seconds(s.cancelAt) : null,
    canceled_at: type === 'customer.subscription.deleted' ? seconds(at) : null,
    collection_method: 'charge_automatically',
    currency: 'usd',
    metadata: metadataOf(p),
    items: { object: 'list', data: [{ id: 'si_Test001', object: 'subscription_item', current_period_end: seconds(s.periodEnd), price: { id: 'price_basic123' } }] },
  });
}

export function chargeRefunded(id: string, at: string, p: Purchase, c: { charge: string; amount?: number; refunded: number }) {
  return stripeEvent(id, 'charge.refunded', at, {
    id: c.charge,
    object: 'charge',
    amount: c.amount ?? 500,
    amount_captured: c.amount ?? 500,
    amount_refunded: c.refunded,
    captured: true,
    currency: 'usd',
    customer: p.customer,
    metadata: {},
    paid: true,
    refunded: c.refunded === (c.amount ?? 500),
    payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
  });
}
