import type { z } from 'zod';
import type { FailedInvoice, PaidPeriod, Refund, StripeSubscription } from '../fleet/schema/index.js';
import type { Charge, Invoice, InvoiceLine, Subscription } from './stripe-event-schema.js';

/**
 * Stripe objects → billing facts (billing.yaml's sets). Pure reading, no decisions about tenants:
 * those are in stripe-events.ts. Every time comes from Stripe's own fields, never from when an
 * event happens to be handled, so a late or repeated delivery records the same fact.
 */

/** Stripe's unix seconds as manifests write instants: ISO 8601 UTC, whole seconds, no milliseconds. */
export const isoOf = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The subscription an invoice bills, in either API shape; null for a one-off invoice. */
export function invoiceSubscription(invoice: Invoice): string | null {
  return invoice.parent?.subscription_details?.subscription ?? invoice.subscription ?? null;
}

/**
 * The metadata that names the tenant: the subscription's (a snapshot Stripe copies onto each of its
 * invoices; the Checkout put `tenant`, `plan`, `kind` there), else the invoice's own.
 */
export function invoiceMetadata(invoice: Invoice): Readonly<Record<string, string>> {
  const candidates = [invoice.parent?.subscription_details?.metadata, invoice.subscription_details?.metadata, invoice.metadata];
  return candidates.find((m) => m !== null && m !== undefined && Object.keys(m).length > 0) ?? {};
}

const isSubscriptionLine = (l: InvoiceLine) =>
  l.type === 'subscription' || Boolean(l.subscription) || l.parent?.type === 'subscription_item_details' || Boolean(l.parent?.subscription_item_details?.subscription);
const isProration = (l: InvoiceLine) => Boolean(l.proration ?? l.parent?.subscription_item_details?.proration);

/**
 * The period an invoice pays for: its subscription line's. After a plan change mid-period an
 * invoice also has proration lines for the rest of the old period; the regular line covers the new
 * period, so it is preferred, and of several the one that ends last. Lines Stripe does not mark
 * count when the invoice itself bills a subscription. Null when no line covers any time (a one-off
 * invoice): it pays no period.
 */
export function billedPeriod(invoice: Invoice): { start: string; end: string } | null {
  const marked = invoice.lines.data.filter(isSubscriptionLine);
  const lines = marked.length > 0 ? marked : invoiceSubscription(invoice) !== null ? invoice.lines.data : [];
  const regular = lines.filter((l) => !isProration(l));
  const candidates = (regular.length > 0 ? regular : lines).filter((l) => l.period.end > l.period.start);
  let best: InvoiceLine | undefined;
  for (const l of candidates) {
    if (best === undefined || l.period.end > best.period.end || (l.period.end === best.period.end && l.period.start < best.period.start)) best = l;
  }
  return best ? { start: isoOf(best.period.start), end: isoOf(best.period.end) } : null;
}

/** The paid period an `invoice.paid` records; its id is the invoice's, so a repeat is a no-op. */
export function paidPeriod(invoice: Invoice, period: { start: string; end: string }): z.input<typeof PaidPeriod> {
  return { id: invoice.id, start: period.start, end: period.end, source: 'stripe', amount: { amount: invoice.amount_paid, currency: invoice.currency } };
}

/** A failed attempt at an invoice, dated by the event (Stripe reports each retry; the earliest is kept). */
export function failedInvoice(invoice: Invoice, period: { end: string }, eventCreated: number): FailedInvoice {
  return { id: invoice.id, at: isoOf(eventCreated), periodEnd: period.end, amount: { amount: invoice.amount_due, currency: invoice.currency } };
}

/**
 * What a subscription event says about its subscription, as of the event. A deleted subscription
 * is `canceled` whatever the object says: deletion is final.
 */
export function subscriptionReport(sub: Subscription, eventCreated: number, deleted: boolean): StripeSubscription {
  return {
    id: sub.id,
    customerId: sub.customer,
    status: deleted ? 'canceled' : sub.status,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    ...(sub.cancel_at !== null && sub.cancel_at !== undefined ? { cancelAt: isoOf(sub.cancel_at) } : {}),
    asOf: isoOf(eventCreated),
  };
}

/**
 * What a completed subscription Checkout implies: the subscription is active and renews. Dated
 * when the Checkout began — before the subscription existed — so that any report of the
 * subscription itself, whenever it arrives, supersedes this inference.
 */
export function checkoutSubscription(subscriptionId: string, customerId: string, sessionCreated: number): StripeSubscription {
  return { id: subscriptionId, customerId, status: 'active', cancelAtPeriodEnd: false, asOf: isoOf(sessionCreated) };
}

/**
 * A charge's refunds: Stripe reports the running total (`amount_refunded`), so the charge id is
 * the refund's id and a larger total replaces a smaller one (billing-merge.ts).
 */
export function refundOf(charge: Charge, eventCreated: number): Refund {
  return {
    id: charge.id,
    at: isoOf(eventCreated),
    amount: { amount: charge.amount_refunded, currency: charge.currency },
    ...(charge.invoice ? { periodId: charge.invoice } : {}),
  };
}
