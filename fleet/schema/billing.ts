import { z } from 'zod';
import { Instant, Money, TelegramUserId } from './common.js';

/**
 * billing.yaml holds *facts* — payments, failed payments, refunds, what Stripe last said about each
 * subscription — as sets keyed by id, plus the status, paid-through date, auto-renewal and Stripe
 * ids derived from them. Stripe delivers events twice and out of order; because every fact is
 * merged by a commutative rule and everything else is derived, any order gives the same file.
 */

export const BillingStatus = z.enum(['active', 'past_due', 'suspended', 'cancelled']);
export type BillingStatus = z.infer<typeof BillingStatus>;

const PaymentRef = z.string().regex(/^[A-Za-z0-9_:.-]{3,100}$/, { error: 'must be a payment reference of letters, digits and _:.-' });
const CustomerId = z.string().regex(/^cus_[A-Za-z0-9]+$/, { error: 'must be a Stripe customer id (cus_...)' });
const SubscriptionId = z.string().regex(/^sub_[A-Za-z0-9]+$/, { error: 'must be a Stripe subscription id (sub_...)' });

/**
 * One paid period. `id` is what paid it (a Stripe invoice, a manual payment reference, an import
 * key) and is unique, so recording the same payment twice is a no-op.
 */
export const PaidPeriod = z
  .strictObject({
    id: PaymentRef,
    start: Instant,
    end: Instant,
    source: z.enum(['stripe', 'manual', 'import']),
    amount: Money,
    /** The admin who approved a manual payment. */
    approvedBy: TelegramUserId.optional(),
  })
  .refine((p) => Date.parse(p.end) > Date.parse(p.start), { error: 'end must be after start', path: ['end'] })
  .refine((p) => p.source !== 'manual' || p.approvedBy !== undefined, {
    error: 'a manual payment names the admin who approved it',
    path: ['approvedBy'],
  });
export type PaidPeriod = z.infer<typeof PaidPeriod>;

/**
 * Money given back. `id` is the refunded charge: Stripe reports a charge's refunds as a running
 * total, so a later report of the same charge carries the larger amount and replaces the earlier.
 */
export const Refund = z.strictObject({
  id: PaymentRef,
  at: Instant,
  amount: Money,
  periodId: z.string().max(100).optional(),
});
export type Refund = z.infer<typeof Refund>;

/**
 * An invoice whose payment failed. It keeps the tenant past due until it is paid, or until
 * paid-through reaches the end of the period it was for (another payment covered that time).
 * Stripe retries a failed invoice and reports each failure: `at` is the first.
 */
export const FailedInvoice = z.strictObject({
  id: PaymentRef,
  at: Instant,
  periodEnd: Instant,
  amount: Money,
});
export type FailedInvoice = z.infer<typeof FailedInvoice>;

export const SubscriptionStatus = z.enum(['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused']);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

/**
 * What Stripe last said about one subscription, as of `asOf` (the event's time): a later report
 * replaces an earlier one, and an ended subscription (canceled, incomplete_expired) never comes
 * back, whatever order the reports arrive in.
 */
export const StripeSubscription = z.strictObject({
  id: SubscriptionId,
  customerId: CustomerId,
  status: SubscriptionStatus,
  cancelAtPeriodEnd: z.boolean().default(false),
  /** A cancellation scheduled for this time. */
  cancelAt: Instant.optional(),
  asOf: Instant,
});
export type StripeSubscription = z.infer<typeof StripeSubscription>;

/**
 * The latest end of the paid periods: paid-through is derived, never incremented. Instants are
 * compared as times, not as text: `...00Z` and `...00.500Z` do not sort by their characters.
 */
export function paidThroughOf(periods: readonly { end: string }[]): string | null {
  let latest: string | null = null;
  for (const p of periods) if (latest === null || Date.parse(p.end) > Date.parse(latest)) latest = p.end;
  return latest;
}

/**
 * Failed invoices not yet settled, earliest first: not paid by id, and not covered by
 * paid-through (which reaches a failed invoice's period end once it, or a later payment, is paid).
 */
export function outstandingFailures(
  facts: { readonly periods: readonly { id: string; end: string }[]; readonly failedInvoices: readonly FailedInvoice[] },
  paidThrough: string | null = paidThroughOf(facts.periods),
): FailedInvoice[] {
  const paid = new Set(facts.periods.map((p) => p.id));
  const through = paidThrough === null ? null : Date.parse(paidThrough);
  return facts.failedInvoices
    .filter((f) => !paid.has(f.id) && (through === null || through < Date.parse(f.periodEnd)))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compareText(a.id, b.id));
}

/** Statuses in which Stripe will charge again by itself. */
const CHARGING: ReadonlySet<SubscriptionStatus> = new Set(['trialing', 'active', 'past_due']);
/** Statuses a subscription never leaves. */
export const ENDED_SUBSCRIPTION: ReadonlySet<SubscriptionStatus> = new Set(['canceled', 'incomplete_expired']);

/** True when the subscription will renew by itself: charging, with no cancellation scheduled. */
export function renewsByItself(s: StripeSubscription): boolean {
  return CHARGING.has(s.status) && !s.cancelAtPeriodEnd && s.cancelAt === undefined;
}

/**
 * The tenant's current subscription: one that renews by itself, else one still charging, else the
 * one reported last (ties by id). A function of the set only, so arrival order cannot change it.
 */
export function currentSubscription(subs: readonly StripeSubscription[]): StripeSubscription | null {
  const rank = (s: StripeSubscription) => (renewsByItself(s) ? 2 : CHARGING.has(s.status) ? 1 : 0);
  const sorted = [...subs].sort((a, b) => rank(b) - rank(a) || Date.parse(b.asOf) - Date.parse(a.asOf) || compareText(a.id, b.id));
  return sorted[0] ?? null;
}

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const BillingManifest = z
  .strictObject({
    /** Derived (see mergeBilling), except `suspended`, `cancelled` and a clock's `past_due`, set explicitly. */
    status: BillingStatus,
    /** Why the status is not `active`; absent while active. */
    statusReason: z.string().max(300).optional(),
    statusSince: Instant.optional(),
    /** The latest end of `periods`; kept in the file for people, checked against the periods. */
    paidThrough: Instant.nullable(),
    /** True while a subscription will renew by itself (no reminders then); derived from `subscriptions` when there are any. */
    autoRenew: z.boolean().default(false),
    /** The current subscription's ids when `subscriptions` are recorded. */
    stripe: z.strictObject({ customerId: CustomerId, subscriptionId: SubscriptionId.optional() }).optional(),
    periods: z.array(PaidPeriod).max(1000).default([]),
    failedInvoices: z.array(FailedInvoice).max(1000).default([]),
    subscriptions: z.array(StripeSubscription).max(100).default([]),
    refunds: z.array(Refund).max(1000).default([]),
  })
  .superRefine((b, ctx) => {
    const what = { periods: 'payment', failedInvoices: 'failed invoice', subscriptions: 'subscription', refunds: 'refund' } as const;
    for (const list of ['periods', 'failedInvoices', 'subscriptions', 'refunds'] as const) {
      const seen = new Set<string>();
      b[list].forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `${what[list]} ${item.id} is recorded twice` });
        seen.add(item.id);
      });
    }
    const derived = paidThroughOf(b.periods);
    const same = b.paidThrough === null || derived === null ? b.paidThrough === derived : Date.parse(b.paidThrough) === Date.parse(derived);
    if (!same) {
      ctx.addIssue({
        code: 'custom',
        path: ['paidThrough'],
        message: `must be the latest end of the paid periods (${derived ?? 'null: no periods'})`,
      });
    }
    const unpaid = outstandingFailures(b, derived)[0];
    if (b.status === 'active' && unpaid) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: `cannot be active while invoice ${unpaid.id} is unpaid (past_due, or record its payment)` });
    }
    const current = currentSubscription(b.subscriptions);
    if (current) checkSubscriptionFields(b, current, ctx);
  });
export type BillingManifest = z.infer<typeof BillingManifest>;

/** With subscriptions on file, the ids and auto-renewal people read must agree with them. */
function checkSubscriptionFields(
  b: { autoRenew: boolean; stripe?: { customerId: string; subscriptionId?: string | undefined } | undefined },
  current: StripeSubscription,
  ctx: z.RefinementCtx,
): void {
  const want = { customerId: current.customerId, subscriptionId: current.id };
  if (b.stripe?.customerId !== want.customerId || b.stripe.subscriptionId !== want.subscriptionId) {
    ctx.addIssue({ code: 'custom', path: ['stripe'], message: `must name the current subscription (customerId ${want.customerId}, subscriptionId ${want.subscriptionId})` });
  }
  if (b.autoRenew !== renewsByItself(current)) {
    ctx.addIssue({ code: 'custom', path: ['autoRenew'], message: `must be ${String(renewsByItself(current))}: subscription ${current.id} is ${current.status}${current.cancelAtPeriodEnd || current.cancelAt ? ', cancelling' : ''}` });
  }
}
