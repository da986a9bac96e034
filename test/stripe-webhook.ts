import Stripe from 'stripe';

/**
 * Test helpers for the Stripe webhook: events shaped as Stripe sends them, signed the way Stripe
 * signs them (`generateTestHeaderString`), posted with fetch to a running control plane.
 */

/** A webhook signing secret for tests; never a real one. */
export const TEST_WEBHOOK_SECRET = 'whsec_test_buckfleet_0123456789abcdef';

/** A Stripe snapshot event around `object`: what a webhook delivers. */
export function stripeEvent(id: string, type: string, object: Record<string, unknown>, created = 1_773_532_800): Record<string, unknown> {
  return { id, object: 'event', api_version: '2025-10-29.clover', created, livemode: false, pending_webhooks: 1, request: null, type, data: { object } };
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * `invoice.paid` of a monthly subscription as Stripe sends it (API 2025+): the tenant named by
 * the subscription's metadata, the customer and subscription ids as billing.yaml keeps them.
 */
export function invoicePaidEvent(eventId: string, p: { tenant: string; customer: string; subscription: string; invoice: string; start: string; end: string; kind?: string }): Record<string, unknown> {
  const metadata = { tenant: p.tenant, plan: 'basic', kind: p.kind ?? 'renewal' };
  return stripeEvent(
    eventId,
    'invoice.paid',
    {
      id: p.invoice,
      object: 'invoice',
      customer: p.customer,
      currency: 'usd',
      amount_paid: 500,
      amount_due: 500,
      status: 'paid',
      metadata: {},
      parent: { type: 'subscription_details', subscription_details: { subscription: p.subscription, metadata } },
      lines: { object: 'list', data: [{ id: 'il_1', amount: 500, currency: 'usd', period: { start: seconds(p.start), end: seconds(p.end) } }] },
    },
    seconds(p.start),
  );
}

/** `checkout.session.completed` of a subscription Checkout that buckfleet started for `tenant`. */
export function checkoutCompletedEvent(eventId: string, p: { tenant: string; telegramUserId: number; customer: string; subscription: string; created: string }): Record<string, unknown> {
  return stripeEvent(
    eventId,
    'checkout.session.completed',
    {
      id: `cs_test_${p.tenant.replace(/-/g, '')}`,
      object: 'checkout.session',
      mode: 'subscription',
      client_reference_id: p.tenant,
      metadata: { tenant: p.tenant, telegram_user_id: String(p.telegramUserId), plan: 'basic', kind: 'purchase' },
      customer: p.customer,
      subscription: p.subscription,
      payment_status: 'paid',
      amount_total: 500,
      currency: 'usd',
      created: seconds(p.created),
    },
    seconds(p.created),
  );
}

export interface Delivery {
  readonly body: string;
  readonly signature: string;
}

/** The body and its Stripe-Signature header; `timestamp` in seconds (default now). */
export function signed(event: unknown, opts: { secret?: string; timestamp?: number } = {}): Delivery {
  const body = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: opts.secret ?? TEST_WEBHOOK_SECRET,
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
  return { body, signature };
}

/** POSTs a delivery to `<url>/webhooks/stripe`; headers may be replaced or dropped (null). */
export async function deliver(url: string, delivery: Delivery, headers: Record<string, string | null> = {}): Promise<{ status: number; body: unknown }> {
  const all: Record<string, string | null> = { 'content-type': 'application/json', 'stripe-signature': delivery.signature, ...headers };
  const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
  const response = await fetch(`${url}/webhooks/stripe`, { method: 'POST', headers: sent, body: delivery.body });
  const text = await response.text();
  let body: unknown = text;
  // fastify answers JSON; anything else (a proxy's page) is kept as text for the assertion.
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(text) as unknown;
  return { status: response.status, body };
}
