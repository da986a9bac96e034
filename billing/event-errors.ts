/**
 * Why a Stripe event makes no change. The error type decides the next step (STYLE.md rule 3):
 * a `BillingEventError` can never apply as it is — answer with it, record it, change nothing,
 * do not retry; a `BillingEventWaitingError` or `BillingEventCustomerPendingError` may apply
 * later — retry it with backoff.
 */

export type BillingEventReason =
  /** Not a Stripe event, or an event of a handled type whose object lacks what billing reads. */
  | 'malformed_event'
  /** A type billing does not handle (the webhook endpoint should not be subscribed to it). */
  | 'unsupported_event'
  /** No tenant in the fleet matches the event's metadata or Stripe customer. */
  | 'unknown_tenant'
  /** The Stripe customer is on file for more than one tenant: a person must say which. */
  | 'ambiguous_tenant'
  /** A purchase was paid but the bot's pending order for it is not there. */
  | 'missing_order'
  /** The pending order disagrees with what was paid for (another plan, another customer). */
  | 'order_mismatch'
  /** A purchase names a tenant that already exists under another Stripe customer. */
  | 'tenant_taken'
  /** A completed Checkout whose payment has not gone through (asynchronous payment methods). */
  | 'not_paid'
  /** The change the event leads to does not validate (e.g. a pending order with bad secrets). */
  | 'invalid_change';

export interface EventRef {
  readonly id?: string;
  readonly type?: string;
}

/** "invoice.paid evt_…", as much of it as is known. */
const eventName = (event: EventRef): string => [event.type ?? 'the event', event.id].filter(Boolean).join(' ');

/** The event can never apply as it is. The message says why and what a person can do. */
export class BillingEventError extends Error {
  override readonly name = 'BillingEventError';
  constructor(
    readonly reason: BillingEventReason,
    message: string,
    readonly event: EventRef = {},
  ) {
    super(message);
  }
}

/**
 * The event names a tenant that a purchase is creating but that is not on main yet: Stripe sends
 * a purchase's first `invoice.paid` (and subscription events) before `checkout.session.completed`,
 * and a purchase may wait for review. Not a `BillingEventError` on purpose: retry it later.
 */
export class BillingEventWaitingError extends Error {
  override readonly name = 'BillingEventWaitingError';
  readonly reason = 'tenant_not_created' as const;
  constructor(
    readonly tenant: string,
    readonly event: EventRef,
  ) {
    super(`tenant "${tenant}" is being bought but is not in the fleet yet; ${eventName(event)} applies once its tenant.create is merged`);
  }
}

/**
 * The event's metadata names no tenant and its Stripe customer is in no billing.yaml yet: a
 * charge or invoice of a purchase whose Checkout is not handled yet (Stripe does not deliver in
 * order, and a tenant.create may wait for review). Retried while it is young; once it has waited
 * longer than any Checkout could still take to arrive, the inbox rejects it with `giveUp`.
 */
export class BillingEventCustomerPendingError extends Error {
  override readonly name = 'BillingEventCustomerPendingError';
  readonly reason = 'customer_not_on_file' as const;
  constructor(
    readonly customer: string,
    readonly event: EventRef,
    /** What the event is once waiting is over: an unknown tenant, recorded nowhere. */
    readonly giveUp: BillingEventError,
  ) {
    super(`Stripe customer ${customer} is in no billing.yaml yet; ${eventName(event)} applies once the Checkout that made the customer is handled`);
  }
}
