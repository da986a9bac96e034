import type { BillingManifest, BillingStatus, FailedInvoice, Refund, StripeSubscription } from '../schema/index.js';
import { compareText, currentSubscription, ENDED_SUBSCRIPTION, outstandingFailures, paidThroughOf, renewsByItself } from '../schema/index.js';
import type { BillingRecordFields } from './request.js';

/**
 * Folds a billing record into a billing manifest. Every fact list is a set keyed by id whose
 * merge rule is commutative and idempotent (which of two records of one id stays does not depend
 * on which came first), kept sorted; paid-through, auto-renewal, the Stripe ids and the status are
 * derived from the sets. So Stripe's events, delivered twice and in any order, give the same file.
 *
 * The one exception is a paid period: an id seen before keeps its first recording, so a payment
 * reference reused by mistake cannot rewrite history. Stripe sends an invoice identically each time.
 */
export function mergeBilling(current: BillingManifest, record: BillingRecordFields, now: string): BillingManifest {
  const periods = union(current.periods, record.periods, (had) => had, (a, b) => byTime(a.start, b.start) || compareText(a.id, b.id));
  const failedInvoices = union(current.failedInvoices, record.failedInvoices, earliestFailure, (a, b) => byTime(a.at, b.at) || compareText(a.id, b.id));
  const subscriptions = union(current.subscriptions, record.subscriptions, latestReport, (a, b) => compareText(a.id, b.id));
  const refunds = union(current.refunds, record.refunds, largestRefund, (a, b) => byTime(a.at, b.at) || compareText(a.id, b.id));
  const paidThrough = paidThroughOf(periods);
  const status = deriveStatus(current, { periods, failedInvoices, paidThrough }, record.status, now);
  const subscription = currentSubscription(subscriptions);
  return {
    status: status.status,
    ...optional({ statusReason: status.statusReason, statusSince: status.statusSince }),
    paidThrough,
    autoRenew: subscription ? renewsByItself(subscription) : (record.autoRenew ?? current.autoRenew),
    ...optional({ stripe: subscription ? { customerId: subscription.customerId, subscriptionId: subscription.id } : record.stripe ? { ...current.stripe, ...record.stripe } : current.stripe }),
    periods,
    failedInvoices,
    subscriptions,
    refunds,
  };
}

/** The billing manifest of a tenant that has none yet. */
export function newBilling(record: BillingRecordFields, now: string): BillingManifest {
  const empty: BillingManifest = { status: 'active', paidThrough: null, autoRenew: false, periods: [], failedInvoices: [], subscriptions: [], refunds: [] };
  return mergeBilling(empty, record, now);
}

export type StatusFields = Pick<BillingManifest, 'status' | 'statusReason' | 'statusSince'>;

/** Set by an admin or the clock, not by a payment fact: kept until a payment moves paid-through on. */
const HELD: ReadonlySet<BillingStatus> = new Set(['past_due', 'suspended', 'cancelled']);

/**
 * The status rule, in one place:
 * 1. An explicit request (admin, clock) wins: `active` lifts a held status — what the facts say
 *    applies again — and any other value is held, with its reason, from `now`.
 * 2. A held status (`suspended`, `cancelled`, the clock's `past_due`) stays until a payment moves
 *    paid-through later than it stood ("resumption when paid"). Paid-through only grows and any
 *    growth lifts the hold, so while one holds, paid-through is still the value it was set at.
 * 3. Otherwise the facts decide: `past_due` while a failed invoice is outstanding (reason and
 *    since from the earliest), else `active`, with no reason or since — nothing about "active"
 *    depends on when or in which order the payments were learned.
 *
 * Stripe facts alone never produce a held status, so for them the result is a function of the
 * fact sets: settling an outstanding failure always extends paid-through (to its period end).
 */
export function deriveStatus(
  previous: StatusFields & { readonly paidThrough: string | null },
  facts: { readonly periods: readonly { id: string; end: string }[]; readonly failedInvoices: readonly FailedInvoice[]; readonly paidThrough: string | null },
  request: BillingRecordFields['status'],
  now: string,
): StatusFields {
  const fromFacts = statusFromFacts(facts);
  if (request !== undefined) {
    if (request.value === 'active') return fromFacts;
    if (request.value === previous.status) return pick(previous);
    return { status: request.value, statusReason: request.reason, statusSince: now };
  }
  const extended = facts.paidThrough !== null && (previous.paidThrough === null || Date.parse(facts.paidThrough) > Date.parse(previous.paidThrough));
  if (!HELD.has(previous.status) || extended) return fromFacts;
  // A past_due that outstanding failures explain is theirs: its reason and since come from them.
  if (previous.status === 'past_due' && fromFacts.status === 'past_due') return fromFacts;
  return pick(previous);
}

function statusFromFacts(facts: Parameters<typeof deriveStatus>[1]): StatusFields {
  const unpaid = outstandingFailures(facts, facts.paidThrough)[0];
  return unpaid ? { status: 'past_due', statusReason: `payment of invoice ${unpaid.id} failed`, statusSince: unpaid.at } : { status: 'active' };
}

const pick = (s: StatusFields): StatusFields => ({ status: s.status, ...optional({ statusReason: s.statusReason, statusSince: s.statusSince }) });

/** Folds `more` into a set keyed by id; `keep` chooses between two records of one id. */
function union<T extends { id: string }>(current: readonly T[], more: readonly T[] | undefined, keep: (had: T, next: T) => T, order: (a: T, b: T) => number): T[] {
  const byId = new Map(current.map((x) => [x.id, x]));
  for (const x of more ?? []) {
    const had = byId.get(x.id);
    byId.set(x.id, had === undefined ? x : keep(had, x));
  }
  return [...byId.values()].sort(order);
}

const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);

/** Stripe reports each failed attempt at an invoice: the first failure says since when it is unpaid. */
const earliestFailure = (a: FailedInvoice, b: FailedInvoice) => choose(a, b, byTime(a.at, b.at));

/** An ended subscription stays ended; otherwise the later report is the current state. */
const latestReport = (a: StripeSubscription, b: StripeSubscription) =>
  choose(a, b, Number(ENDED_SUBSCRIPTION.has(b.status)) - Number(ENDED_SUBSCRIPTION.has(a.status)) || byTime(b.asOf, a.asOf));

/** A charge's refunds are reported as a running total: the larger total is the later report. */
const largestRefund = (a: Refund, b: Refund) => choose(a, b, b.amount.amount - a.amount.amount || byTime(a.at, b.at));

/**
 * `a` when `preference` < 0, `b` when > 0; on a tie the smaller canonical text, so two different
 * records of one id resolve the same way whichever is on file and whichever arrives.
 */
function choose<T>(a: T, b: T, preference: number): T {
  if (preference !== 0) return preference < 0 ? a : b;
  return compareText(canonical(a), canonical(b)) <= 0 ? a : b;
}

/** JSON with object keys sorted, so equal records have equal text whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => compareText(x, y))) : v,
  );
}

/** Drops undefined fields, so optional keys are absent rather than `undefined` in the YAML. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
