import type { z } from 'zod';
import { ChangeRequest, type ChangeRequestInput } from '../fleet/changes/index.js';
import type { BillingRecordFields } from '../fleet/changes/request.js';
import type { Fleet } from '../fleet/model.js';
import { Slug } from '../fleet/schema/index.js';
import type { PendingOrder } from './contract.js';
import { BillingEventCustomerPendingError, BillingEventError, BillingEventWaitingError, type EventRef } from './event-errors.js';
import { parseStripeEvent, type StripeEvent } from './stripe-event-schema.js';
import { billedPeriod, checkoutSubscription, failedInvoice, invoiceMetadata, paidPeriod, refundOf, subscriptionReport } from './stripe-facts.js';

/**
 * Stripe events → fleet change requests. Pure: the same event and fleet give the same changes.
 * Every change is idempotent and order-proof — a billing.record of facts merged as sets
 * (fleet/changes/billing-merge.ts) — so a repeated or out-of-order delivery changes nothing more.
 *
 * | event | change |
 * |---|---|
 * | checkout.session.completed, kind purchase | tenant.create from the pending order, with the Stripe ids and subscription |
 * | checkout.session.completed, renewal/module | billing.record of the Stripe ids and subscription |
 * | invoice.paid | billing.record of the paid period (id = invoice id) |
 * | invoice.payment_failed | billing.record of the failed invoice (the tenant is past due until it is paid) |
 * | customer.subscription.created/updated/deleted | billing.record of the subscription's state (auto-renewal) |
 * | charge.refunded | billing.record of the refund (the caller tells the admins) |
 *
 * A purchase's first paid period is not folded into its tenant.create: a Checkout says nothing of
 * the period, its invoice does, and that `invoice.paid` (often delivered first) waits for the
 * tenant (`BillingEventWaitingError`), then records it.
 */
export interface EventContext {
  readonly fleet: Fleet;
  /** The pending order of the tenant a purchase Checkout names; null for other events. */
  readonly order: PendingOrder | null;
  /** Not read: facts carry Stripe's own times, so the result does not depend on when an event is handled. */
  readonly now?: Date | string;
}

type Facts = z.input<typeof BillingRecordFields>;

/** The change requests a (signature-checked) Stripe event leads to; throws why when none can be made. */
export function changesForEvent(raw: unknown, ctx: EventContext): ChangeRequestInput[] {
  const event = parseStripeEvent(raw);
  const changes = changesFor(event, ctx);
  for (const change of changes) {
    const checked = ChangeRequest.safeParse(change);
    if (!checked.success) {
      const problems = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(change)'}: ${i.message}`);
      throw new BillingEventError('invalid_change', `Stripe event ${event.id} (${event.type}) leads to an invalid ${change.kind}: ${problems.join('; ')}`, refOf(event));
    }
  }
  return changes;
}

function changesFor(event: StripeEvent, ctx: EventContext): ChangeRequestInput[] {
  switch (event.type) {
    case 'checkout.session.completed':
      return checkoutChanges(event, ctx);
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const period = billedPeriod(invoice);
      if (period === null) return []; // a one-off invoice pays, or fails to pay, no period of service
      const slug = tenantFor(event, ctx, invoiceMetadata(invoice), invoice.customer);
      if (event.type === 'invoice.paid') {
        return [record(event, slug, { periods: [paidPeriod(invoice, period)] }, `Stripe: invoice ${invoice.id} paid for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)}`)];
      }
      return [record(event, slug, { failedInvoices: [failedInvoice(invoice, period, event.created)] }, `Stripe: payment of invoice ${invoice.id} failed`)];
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const sub = event.data.object;
      const report = subscriptionReport(sub, event.created, event.type === 'customer.subscription.deleted');
      const slug = tenantFor(event, ctx, sub.metadata ?? {}, sub.customer);
      const cancelling = report.cancelAtPeriodEnd || report.cancelAt !== undefined ? ', cancelling' : '';
      return [record(event, slug, { subscriptions: [report] }, `Stripe: subscription ${sub.id} is ${report.status}${cancelling}`)];
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      if (charge.amount_refunded === 0) return [];
      const slug = tenantFor(event, ctx, charge.metadata ?? {}, charge.customer);
      const refund = refundOf(charge, event.created);
      return [record(event, slug, { refunds: [refund] }, `Stripe: charge ${charge.id} refunded, ${refund.amount.amount} ${refund.amount.currency} in total`)];
    }
  }
}

type CheckoutEvent = Extract<StripeEvent, { type: 'checkout.session.completed' }>;

function checkoutChanges(event: CheckoutEvent, ctx: EventContext): ChangeRequestInput[] {
  const session = event.data.object;
  const metadata = session.metadata ?? {};
  const ref = refOf(event);
  if (metadata.tenant && session.client_reference_id && metadata.tenant !== session.client_reference_id) {
    throw new BillingEventError('malformed_event', `Checkout ${session.id} names two tenants (metadata "${metadata.tenant}", client_reference_id "${session.client_reference_id}")`, ref);
  }
  const kind = metadata.kind;
  if (kind !== 'purchase' && kind !== 'renewal' && kind !== 'module') {
    throw new BillingEventError('malformed_event', `Checkout ${session.id} has no metadata.kind of purchase, renewal or module: it was not started by buckfleet`, ref);
  }
  if (session.payment_status === 'unpaid') {
    throw new BillingEventError('not_paid', `Checkout ${session.id} completed but is not paid yet (an asynchronous payment method): nothing is bought until it is`, ref);
  }
  if (session.customer === null) throw new BillingEventError('malformed_event', `Checkout ${session.id} has no customer`, ref);
  const customerId = session.customer;
  const subscriptionId = session.subscription ?? undefined;
  const facts: Facts = {
    stripe: { customerId, ...(subscriptionId ? { subscriptionId } : {}) },
    ...(subscriptionId ? { subscriptions: [checkoutSubscription(subscriptionId, customerId, session.created)] } : {}),
  };
  const named = metadata.tenant ?? session.client_reference_id ?? undefined;
  if (kind !== 'purchase') {
    const slug = tenantFor(event, ctx, { ...metadata, ...(named ? { tenant: named } : {}) }, customerId);
    return [record(event, slug, facts, `Stripe: ${kind} Checkout ${session.id} completed`)];
  }
  if (!named) throw new BillingEventError('unknown_tenant', `purchase Checkout ${session.id} names no tenant (client_reference_id or metadata.tenant)`, ref);
  const slug = checkedSlug(named, event);
  const existing = ctx.fleet.tenants.get(slug);
  if (existing) {
    const { stripe, subscriptions } = existing.billing;
    // An earlier delivery created it: nothing left to do.
    if (stripe?.customerId === customerId || subscriptions.some((s) => s.customerId === customerId)) return [];
    throw new BillingEventError('tenant_taken', `tenant "${slug}" already exists for another Stripe customer; Checkout ${session.id} (customer ${customerId}) paid for it: refund it in Stripe, or create the tenant under another name`, ref);
  }
  const order = ctx.order;
  if (order === null || order.tenant !== slug) {
    throw new BillingEventError('missing_order', `purchase Checkout ${session.id} for tenant "${slug}" is paid, but there is no pending order for it: the bot stores one before Checkout; create the tenant by hand or refund`, ref);
  }
  const mismatch = [
    metadata.plan !== undefined && metadata.plan !== order.plan ? `plan ${metadata.plan} was paid, the order is for ${order.plan}` : null,
    metadata.telegram_user_id !== undefined && metadata.telegram_user_id !== String(order.telegramUserId) ? `Telegram user ${metadata.telegram_user_id} paid, the order is user ${order.telegramUserId}'s` : null,
  ].filter((m) => m !== null);
  if (mismatch.length > 0) throw new BillingEventError('order_mismatch', `purchase Checkout ${session.id} does not match the pending order of "${slug}": ${mismatch.join('; ')}`, ref);
  return [
    {
      id: changeId(event),
      kind: 'tenant.create',
      requestedBy: { type: 'stripe', eventId: event.id },
      reason: `Stripe: ${slug} bought on plan ${order.plan} (Checkout ${session.id})`,
      slug,
      owner: { telegramUserId: order.telegramUserId, ...(order.telegramUsername ? { username: order.telegramUsername } : {}) },
      plan: order.plan,
      modules: order.modules.map((m) => ({ name: m.name, ...(m.version ? { version: m.version } : {}) })),
      chats: [...order.chats],
      secrets: { ...order.secrets },
      billing: facts,
    },
  ];
}

/**
 * The tenant an event is for: the one its metadata names, else the one whose billing.yaml has its
 * Stripe customer. A tenant named by a purchase's metadata but not on main yet is waited for.
 */
function tenantFor(event: StripeEvent, ctx: EventContext, metadata: Readonly<Record<string, string>>, customer: string | null): string {
  const ref = refOf(event);
  const named = metadata.tenant;
  if (named !== undefined && named !== '') {
    const slug = checkedSlug(named, event);
    if (ctx.fleet.tenants.has(slug)) return slug;
    if (metadata.kind === 'purchase') throw new BillingEventWaitingError(slug, ref);
    throw new BillingEventError('unknown_tenant', `Stripe event ${event.id} (${event.type}) is for tenant "${slug}", which is not in the fleet: nothing was recorded; check the customer in Stripe`, ref);
  }
  if (customer !== null) {
    const owners = [...ctx.fleet.tenants.values()].filter((t) => t.billing.stripe?.customerId === customer || t.billing.subscriptions.some((s) => s.customerId === customer));
    if (owners.length > 1) {
      throw new BillingEventError('ambiguous_tenant', `Stripe customer ${customer} is on file for ${owners.map((t) => t.slug).join(', ')}: Stripe event ${event.id} (${event.type}) cannot be recorded until one billing.yaml keeps it`, ref);
    }
    if (owners[0]) return owners[0].slug;
  }
  const unknown = new BillingEventError('unknown_tenant', `Stripe event ${event.id} (${event.type}) names no tenant in its metadata and its customer ${customer ?? '(none)'} is in no billing.yaml: nothing was recorded`, ref);
  // A customer not on file yet may be a purchase whose Checkout comes later: wait for it a while.
  if (customer !== null) throw new BillingEventCustomerPendingError(customer, ref, unknown);
  throw unknown;
}

function checkedSlug(name: string, event: StripeEvent): string {
  if (!Slug.safeParse(name).success) throw new BillingEventError('malformed_event', `Stripe event ${event.id} (${event.type}) names tenant "${name.slice(0, 40)}", which is not a tenant name`, refOf(event));
  return name;
}

function record(event: StripeEvent, slug: string, fields: Facts, reason: string): ChangeRequestInput {
  return { id: changeId(event), kind: 'billing.record', requestedBy: { type: 'stripe', eventId: event.id }, reason, slug, record: fields };
}

/** One change per event, named by it: a redelivery is the same change (same branch, same PR). */
const changeId = (event: StripeEvent) => `stripe:${event.id}`;
const refOf = (event: StripeEvent): EventRef => ({ id: event.id, type: event.type });

export { BillingEventCustomerPendingError, BillingEventError, BillingEventWaitingError, type BillingEventReason } from './event-errors.js';
export { parseStripeEvent, type StripeEvent } from './stripe-event-schema.js';
