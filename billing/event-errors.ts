/**
 * Why a Stripe event makes no change. The error type decides the next step (STYLE.md rule 3):
 * a `BillingEventError` can never apply as it is — answer with it, record it, change nothing,
 * do not retry; a `BillingEventWaitingError` may apply later — retry it with backoff.
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
    const what = [event.type ?? 'the event', event.id].filter(Boolean).join(' ');
    super(`tenant "${tenant}" is being bought but is not in the fleet yet; ${what} applies once its tenant.create is merged`);
  }
}
