import { ChangeRequest, type ChangeRequestInput } from '../fleet/changes/index.js';
import type { Fleet } from '../fleet/model.js';
import type { PaidPeriod } from '../fleet/schema/index.js';
import type { PendingOrder } from './contract.js';

/**
 * An admin's approval of a manual payment (bank transfer, crypto) → the fleet change that records
 * it. Pure: the same payment, fleet, order and clock give the same change.
 *
 * | kind | change |
 * |---|---|
 * | renewal | `billing.record` of one paid period, from the later of now and paid-through, one calendar month long |
 * | purchase | `tenant.create` from the pending order, with that period (from now) in its billing |
 *
 * The change id and the period id are derived from the payment, so approving the same payment
 * again is the same PR and, once merged, records nothing more (billing-merge keeps a period id's
 * first recording). A payment whose period is already on main plans to `recorded`, with the
 * period main holds, rather than to a second period computed from a paid-through it moved itself.
 */

export interface ManualPaymentFacts {
  readonly id: number;
  readonly tenant: string;
  readonly telegramUserId: number;
  readonly kind: 'purchase' | 'renewal';
  /** Minor units (cents). */
  readonly amount: number;
  readonly currency: string;
}

export interface ManualApproval {
  readonly payment: ManualPaymentFacts;
  readonly admin: { readonly id: number; readonly username?: string | undefined };
  readonly fleet: Fleet;
  /** The tenant's pending order (purchases); ignored for renewals. */
  readonly order: PendingOrder | null;
  readonly now: Date;
}

export type ManualPaymentPlan =
  | { readonly status: 'change'; readonly change: ChangeRequestInput; readonly period: PaidPeriod }
  /** Main already holds this payment's period: nothing to submit. */
  | { readonly status: 'recorded'; readonly period: PaidPeriod };

export type ManualPaymentReason = 'unknown_tenant' | 'missing_order' | 'order_mismatch' | 'tenant_taken' | 'invalid_change';

/** The payment cannot be recorded as it stands; nothing should be decided or written. */
export class ManualPaymentError extends Error {
  override readonly name = 'ManualPaymentError';
  constructor(
    readonly reason: ManualPaymentReason,
    message: string,
    readonly paymentId: number,
  ) {
    super(message);
  }
}

/** One change per payment: a retried approval is the same branch and PR. */
export const manualPaymentChangeId = (paymentId: number): string => `manual-payment:${paymentId}`;
/** The period's id in billing.yaml: the payment it came from. */
export const manualPeriodId = (paymentId: number): string => `manual:${paymentId}`;

export function manualPaymentChange(a: ManualApproval): ManualPaymentPlan {
  const { payment } = a;
  const existing = a.fleet.tenants.get(payment.tenant);
  const recorded = existing?.billing.periods.find((p) => p.id === manualPeriodId(payment.id));
  if (recorded) return { status: 'recorded', period: recorded };

  const change = payment.kind === 'renewal' ? renewal(a) : purchase(a);
  const checked = ChangeRequest.safeParse(change.change);
  if (!checked.success) {
    const problems = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(change)'}: ${i.message}`);
    throw new ManualPaymentError('invalid_change', `manual payment #${payment.id} leads to an invalid ${change.change.kind}: ${problems.join('; ')}`, payment.id);
  }
  return { status: 'change', ...change };
}

type Planned = { change: ChangeRequestInput; period: PaidPeriod };

function renewal(a: ManualApproval): Planned {
  const { payment } = a;
  const tenant = a.fleet.tenants.get(payment.tenant);
  if (!tenant) {
    throw new ManualPaymentError('unknown_tenant', `manual payment #${payment.id} renews tenant "${payment.tenant}", which is not in the fleet`, payment.id);
  }
  // Paying early extends the paid time rather than overlapping it; paying late starts today, so
  // a lapsed tenant gets a whole month from now, not a month that has partly gone by.
  const paidThrough = tenant.billing.paidThrough;
  const start = paidThrough !== null && Date.parse(paidThrough) > a.now.getTime() ? instant(new Date(paidThrough)) : instant(a.now);
  const period = periodOf(a, start);
  return {
    period,
    change: {
      id: manualPaymentChangeId(payment.id),
      kind: 'billing.record',
      requestedBy: actor(a),
      reason: `${describe(a)}: ${payment.tenant} paid for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)}`,
      slug: payment.tenant,
      record: { periods: [period] },
    },
  };
}

/** Mirrors billing/stripe-events.ts: the tenant is created from the order the bot stored before payment. */
function purchase(a: ManualApproval): Planned {
  const { payment, order } = a;
  if (a.fleet.tenants.has(payment.tenant)) {
    throw new ManualPaymentError('tenant_taken', `manual payment #${payment.id} buys "${payment.tenant}", but a tenant of that name exists already without this payment`, payment.id);
  }
  if (order === null || order.tenant !== payment.tenant) {
    throw new ManualPaymentError('missing_order', `manual payment #${payment.id} buys "${payment.tenant}", but there is no pending order for it`, payment.id);
  }
  if (order.telegramUserId !== payment.telegramUserId) {
    throw new ManualPaymentError(
      'order_mismatch',
      `manual payment #${payment.id} was sent by Telegram user ${payment.telegramUserId}, but the order of "${payment.tenant}" is user ${order.telegramUserId}'s`,
      payment.id,
    );
  }
  const period = periodOf(a, instant(a.now));
  return {
    period,
    change: {
      id: manualPaymentChangeId(payment.id),
      kind: 'tenant.create',
      requestedBy: actor(a),
      reason: `${describe(a)}: ${payment.tenant} bought on plan ${order.plan}`,
      slug: payment.tenant,
      owner: { telegramUserId: order.telegramUserId, ...(order.telegramUsername ? { username: order.telegramUsername } : {}) },
      plan: order.plan,
      modules: order.modules.map((m) => ({ name: m.name, ...(m.version ? { version: m.version } : {}) })),
      chats: [...order.chats],
      secrets: { ...order.secrets },
      billing: { periods: [period] },
    },
  };
}

function periodOf(a: ManualApproval, start: string): PaidPeriod {
  return {
    id: manualPeriodId(a.payment.id),
    start,
    end: addCalendarMonth(start),
    source: 'manual',
    // Money in manifests is lowercase ISO 4217; the store keeps what the bot wrote.
    amount: { amount: a.payment.amount, currency: a.payment.currency.toLowerCase() },
    approvedBy: a.admin.id,
  };
}

const actor = (a: ManualApproval) => ({ type: 'admin' as const, userId: a.admin.id, ...(a.admin.username ? { username: a.admin.username } : {}) });

const describe = (a: ManualApproval) =>
  `Manual payment #${a.payment.id} (${a.payment.amount} ${a.payment.currency.toLowerCase()}) approved by admin ${a.admin.id}`;

/** An instant as manifests write it: whole seconds, UTC (`2026-03-15T00:00:00Z`). */
function instant(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The same time of day one calendar month later, in UTC; a day the next month does not have
 * becomes its last day (Jan 31 → Feb 28 or 29), as Stripe's monthly billing does.
 */
export function addCalendarMonth(start: string): string {
  const d = new Date(start);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = new Date(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  return instant(end);
}
