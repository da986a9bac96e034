import { z } from 'zod';
import { SubscriptionStatus } from '../fleet/schema/index.js';
import { BillingEventError } from './event-errors.js';

/**
 * The Stripe events billing handles, as zod schemas (the model is Renovate's
 * `platform/github/schema.ts`): strict on every field billing reads — ids by prefix, amounts as
 * integers of minor units, times as unix seconds — and loose on the rest, so Stripe adding fields
 * or an API version moving one we do not read changes nothing. Both invoice shapes are read:
 * before API 2025-03-31 (`invoice.subscription`, `subscription_details`, `line.type`) and after
 * (`invoice.parent.subscription_details`, `line.parent.subscription_item_details`).
 */

/**
 * Stripe ids are a prefix and letters and digits. Customer and subscription ids are held to that,
 * as billing.yaml is; invoice and charge ids may also carry `_` (as payment references may).
 */
const stripeId = (prefix: string, tail = 'A-Za-z0-9') =>
  z.string().max(100).regex(new RegExp(`^${prefix}_[${tail}]+$`), { error: `must be a Stripe id (${prefix}_...)` });
const InvoiceId = stripeId('in', 'A-Za-z0-9_');
/** An id, or the object when a client expanded it (webhooks send ids). */
const ref = (prefix: string, id = stripeId(prefix)) => z.union([id, z.looseObject({ id }).transform((o) => o.id)]);
const UnixSeconds = z.number().int().min(0).max(32_503_680_000);
const MinorUnits = z.number().int().min(0);
const Currency = z.string().regex(/^[a-z]{3}$/, { error: 'must be a lowercase ISO 4217 code' });
/** Stripe metadata: string values; the keys billing reads are checked where they are used. */
const Metadata = z.record(z.string(), z.string()).nullish();

export const CheckoutSession = z.looseObject({
  id: z.string().max(200).regex(/^cs_[A-Za-z0-9_]+$/, { error: 'must be a Checkout Session id (cs_...)' }),
  object: z.literal('checkout.session'),
  mode: z.enum(['payment', 'subscription', 'setup']),
  client_reference_id: z.string().nullish(),
  metadata: Metadata,
  customer: ref('cus').nullable(),
  subscription: ref('sub').nullish(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  amount_total: MinorUnits.nullish(),
  currency: Currency.nullish(),
  created: UnixSeconds,
});
export type CheckoutSession = z.infer<typeof CheckoutSession>;

const InvoiceLine = z.looseObject({
  period: z.looseObject({ start: UnixSeconds, end: UnixSeconds }),
  /** Before 2025-03-31: `subscription` for a subscription's line, and `proration`. */
  type: z.string().nullish(),
  subscription: ref('sub').nullish(),
  proration: z.boolean().nullish(),
  parent: z
    .looseObject({
      type: z.string(),
      subscription_item_details: z.looseObject({ subscription: ref('sub').nullish(), proration: z.boolean().nullish() }).nullish(),
    })
    .nullish(),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const Invoice = z.looseObject({
  id: InvoiceId,
  object: z.literal('invoice'),
  customer: ref('cus').nullable(),
  amount_paid: MinorUnits,
  amount_due: MinorUnits,
  currency: Currency,
  metadata: Metadata,
  subscription: ref('sub').nullish(),
  subscription_details: z.looseObject({ metadata: Metadata }).nullish(),
  parent: z
    .looseObject({ subscription_details: z.looseObject({ subscription: ref('sub').nullish(), metadata: Metadata }).nullish() })
    .nullish(),
  lines: z.looseObject({ data: z.array(InvoiceLine).max(1000) }),
});
export type Invoice = z.infer<typeof Invoice>;

export const Subscription = z.looseObject({
  id: stripeId('sub'),
  object: z.literal('subscription'),
  customer: ref('cus'),
  status: SubscriptionStatus,
  cancel_at_period_end: z.boolean(),
  cancel_at: UnixSeconds.nullish(),
  metadata: Metadata,
});
export type Subscription = z.infer<typeof Subscription>;

export const Charge = z.looseObject({
  /** Card charges are ch_, some bank debits py_. */
  id: z.string().max(100).regex(/^(ch|py)_[A-Za-z0-9_]+$/, { error: 'must be a Stripe charge id (ch_...)' }),
  object: z.literal('charge'),
  amount_refunded: MinorUnits,
  currency: Currency,
  customer: ref('cus').nullable(),
  /** Gone from charges since API 2025-03-31; read when present. */
  invoice: ref('in', InvoiceId).nullish(),
  metadata: Metadata,
});
export type Charge = z.infer<typeof Charge>;

const EventId = z.string().regex(/^evt_[A-Za-z0-9]+$/, { error: 'must be a Stripe event id (evt_...)' });

const event = <T extends string, O extends z.ZodType>(type: T, object: O) =>
  z.looseObject({ id: EventId, object: z.literal('event'), type: z.literal(type), created: UnixSeconds, data: z.looseObject({ object }) });

export const StripeEvent = z.discriminatedUnion('type', [
  event('checkout.session.completed', CheckoutSession),
  event('invoice.paid', Invoice),
  event('invoice.payment_failed', Invoice),
  event('customer.subscription.created', Subscription),
  event('customer.subscription.updated', Subscription),
  event('customer.subscription.deleted', Subscription),
  event('charge.refunded', Charge),
]);
export type StripeEvent = z.infer<typeof StripeEvent>;
export type StripeEventType = StripeEvent['type'];

export const HANDLED_EVENT_TYPES: readonly StripeEventType[] = StripeEvent.options.map((o) => o.shape.type.value);

const Envelope = z.looseObject({ id: EventId, object: z.literal('event'), type: z.string().min(1).max(100), created: UnixSeconds });

/**
 * Reads a webhook's event (already signature-checked). A type billing does not handle is
 * `unsupported_event`; anything else wrong is `malformed_event`, naming the fields — never their
 * values, which may be a customer's data.
 */
export function parseStripeEvent(raw: unknown): StripeEvent {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) throw new BillingEventError('malformed_event', `not a Stripe event: ${problems(envelope.error)}`);
  const which = { id: envelope.data.id, type: envelope.data.type };
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(which.type)) {
    throw new BillingEventError('unsupported_event', `Stripe event type ${which.type} is not handled (handled: ${HANDLED_EVENT_TYPES.join(', ')}); subscribe the webhook endpoint to those only`, which);
  }
  const parsed = StripeEvent.safeParse(raw);
  if (!parsed.success) throw new BillingEventError('malformed_event', `Stripe event ${which.id} (${which.type}) is not what Stripe sends: ${problems(parsed.error)}`, which);
  return parsed.data;
}

const problems = (error: z.ZodError) =>
  error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
    .join('; ');
