import Stripe from 'stripe';
import { type Log, silentLog } from '../fleet/log.js';
import { PlanName, Slug } from '../fleet/schema/common.js';
import type { Secret } from '../fleet/secret.js';
import type { CheckoutRequest, PaymentsApi } from './contract.js';
import { classifyStripeFailure, scrubber, type StripeOpContext, StripeSaidNo } from './stripe-errors.js';

export { StripeSaidNo, StripeUnreachable, type StripeOp, type StripeOpContext } from './stripe-errors.js';

export interface StripePaymentsOptions {
  /** STRIPE_SECRET_KEY (sk_… or a restricted rk_…). Revealed only to the stripe client. */
  readonly secretKey: Secret;
  /** Where the API is; Stripe's own when absent. Tests point these at test/fake-stripe. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /**
   * stripe-node's own retries of connection errors, 409 and 5xx, with backoff from 0.5 s (2).
   * Safe for Checkout: every retry carries the same idempotency key.
   */
  readonly maxNetworkRetries?: number;
  /** Each attempt's time limit, in ms (10 s): a customer is waiting in the bot, not 80 s as stripe-node's default. */
  readonly timeoutMs?: number;
  readonly log?: Log;
  /** The clock that picks the idempotency key's day. */
  readonly now?: () => number;
}

/** The key of a Stripe secret or restricted key, as app/config.ts accepts it. */
const SECRET_KEY = /^[sr]k_(test|live)_\S+$/;

/** What `createCheckout` sends: the parameters and the idempotency key, built without I/O. */
export interface CheckoutCall {
  readonly params: Stripe.Checkout.SessionCreateParams;
  readonly idempotencyKey: string;
}

/**
 * The Checkout Session for a request, at a time. Pure, so tests check it by equality.
 *
 * - Subscription mode for the plan's price, quantity 1: Stripe then bills monthly by itself.
 * - `client_reference_id` and `metadata` name the tenant, so `checkout.session.completed` finds
 *   the pending order; the same metadata on `subscription_data` lands on the Subscription, so its
 *   invoices (`invoice.paid`, `invoice.payment_failed`) name the tenant too.
 * - `customer` for a renewal, so the new subscription stays on the customer's existing card.
 * - The idempotency key is tenant + kind + plan + price + UTC day: a double click (or a retry)
 *   gets the first session back instead of a second one the customer could also pay. The
 *   price is in it because module purchases share a kind and a plan. Stripe keeps keys for 24 h
 *   and a session lives 24 h, so the next day opens a fresh one. The same key with other
 *   parameters (another customer or URL) is refused by Stripe (`idempotency_error`): better a
 *   loud refusal than two open sessions for one purchase.
 */
export function checkoutCall(request: CheckoutRequest, now: number): CheckoutCall {
  const { tenant, telegramUserId, plan, kind, priceId, customerId, successUrl, cancelUrl } = request;
  if (!Slug.safeParse(tenant).success) throw new RangeError(`createCheckout: "${tenant}" is not a tenant slug`);
  if (!PlanName.safeParse(plan).success) throw new RangeError(`createCheckout: "${plan}" is not a plan name`);
  if (!Number.isSafeInteger(telegramUserId) || telegramUserId <= 0) throw new RangeError(`createCheckout: telegramUserId ${telegramUserId} is not a Telegram user id`);
  if (!/^price_[A-Za-z0-9]+$/.test(priceId)) throw new RangeError(`createCheckout: "${priceId}" is not a Stripe price id; set plans.${plan}.stripePriceId in fleet.yaml to a price_… id`);
  if (customerId !== undefined) customerIdOf(customerId, 'createCheckout');
  const metadata = { tenant, telegram_user_id: String(telegramUserId), plan, kind };
  const day = new Date(now).toISOString().slice(0, 10);
  return {
    params: {
      mode: 'subscription',
      line_items: [{ price: priceId, quantity: 1 }],
      client_reference_id: tenant,
      metadata,
      subscription_data: { metadata },
      ...(customerId === undefined ? {} : { customer: customerId }),
      success_url: httpUrl(successUrl, 'successUrl'),
      cancel_url: httpUrl(cancelUrl, 'cancelUrl'),
    },
    idempotencyKey: `buckfleet-checkout:${tenant}:${kind}:${plan}:${priceId}:${day}`,
  };
}

function customerIdOf(id: string, caller: string): string {
  if (!/^cus_[A-Za-z0-9]+$/.test(id)) throw new RangeError(`${caller}: "${id}" is not a Stripe customer id (cus_…)`);
  return id;
}

function httpUrl(value: string, name: string): string {
  const ok = URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
  if (!ok) throw new RangeError(`${name} must be an absolute http(s) URL, got "${value}"`);
  return value;
}

/**
 * The stripe client's host, port and protocol for an API root URL (STRIPE_API_URL: a local Stripe
 * mock, or the tests' fake); Stripe's own when null.
 */
export function stripeApiRoot(apiUrl: string | null): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (apiUrl === null) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
}

/**
 * `PaymentsApi` over Stripe's official client, `stripe`.
 *
 * ```ts
 * const payments = new StripePayments({ secretKey: config.stripe.secretKey, log });
 * const { id, url } = await payments.createCheckout({ tenant: 'acme', kind: 'purchase', … });
 * const { url: portal } = await payments.createPortal('cus_…', 'https://t.me/acme_bot');
 * ```
 *
 * Failures leave as `StripeSaidNo` (status, type, code, request id; `transient` for 5xx/429/409)
 * or `StripeUnreachable` (cause; always transient), both carrying {op, tenant or customer} and
 * never the secret key: the key is revealed once, to the client, which sits in a private field
 * (`util.inspect` of this object shows no part of it), and every text taken from an error is
 * scrubbed of it. Requests carry stripe-node's pinned API version, so what the account's default
 * version is does not change what buckfleet gets back.
 */
export class StripePayments implements PaymentsApi {
  readonly #stripe: Stripe;
  readonly #scrub: (text: string) => string;
  readonly #log: Log;
  readonly #now: () => number;
  /**
   * Checkout keys Stripe answered with a 5xx, and how often. Stripe stores an endpoint's 500
   * under its idempotency key and replays it for the key's 24 h, so the next attempt (the
   * customer's "try again") takes a fresh key. Only such failures are kept: a handful of entries.
   */
  readonly #failedKeys = new Map<string, number>();

  constructor(opts: StripePaymentsOptions) {
    const key = opts.secretKey.reveal();
    // The key itself is never in the message, not even when malformed.
    if (!SECRET_KEY.test(key)) throw new RangeError('StripePayments: the secret key is not a Stripe secret or restricted key (sk_… or rk_…); check STRIPE_SECRET_KEY');
    this.#scrub = scrubber(key);
    this.#log = opts.log ?? silentLog;
    this.#now = opts.now ?? Date.now;
    this.#stripe = new Stripe(key, {
      maxNetworkRetries: opts.maxNetworkRetries ?? 2,
      timeout: opts.timeoutMs ?? 10_000,
      appInfo: { name: 'buckfleet' },
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.port === undefined ? {} : { port: opts.port }),
      ...(opts.protocol === undefined ? {} : { protocol: opts.protocol }),
    });
  }

  async createCheckout(request: CheckoutRequest): Promise<{ readonly id: string; readonly url: string }> {
    const call = checkoutCall(request, this.#now());
    const failed = this.#failedKeys.get(call.idempotencyKey) ?? 0;
    const idempotencyKey = failed === 0 ? call.idempotencyKey : `${call.idempotencyKey}:retry${failed}`;
    const ctx: StripeOpContext = { op: 'checkout', tenant: request.tenant };
    const session = await this.#call(ctx, () => this.#stripe.checkout.sessions.create(call.params, { idempotencyKey })).catch((err: unknown) => {
      if (err instanceof StripeSaidNo && err.status >= 500) this.#failedKeys.set(call.idempotencyKey, failed + 1);
      throw err;
    });
    // Only a hosted session has a URL to send; a null one means the account or API changed under us.
    if (session.url === null) throw new Error(`Stripe created Checkout Session ${session.id} for tenant ${request.tenant} without a url (ui_mode ${String(session.ui_mode)}); buckfleet needs a hosted session`);
    this.#log.info({ tenant: request.tenant, kind: request.kind, plan: request.plan, session: session.id }, 'checkout session created');
    return { id: session.id, url: session.url };
  }

  /**
   * A Customer Portal link (change card, cancel). Its URL logs the customer in, so it is
   * returned to the caller only and never logged. No idempotency key of ours: two portal
   * links are harmless, and stripe-node gives each call its own for its retries.
   */
  async createPortal(customerId: string, returnUrl: string): Promise<{ readonly url: string }> {
    const params = { customer: customerIdOf(customerId, 'createPortal'), return_url: httpUrl(returnUrl, 'returnUrl') };
    const ctx: StripeOpContext = { op: 'portal', customer: customerId };
    const session = await this.#call(ctx, () => this.#stripe.billingPortal.sessions.create(params));
    this.#log.info({ customer: customerId, session: session.id }, 'customer portal session created');
    return { url: session.url };
  }

  /** The one place that calls Stripe: its failures leave classified and scrubbed. */
  async #call<T>(ctx: StripeOpContext, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const failure = classifyStripeFailure(err, ctx, this.#scrub);
      if (failure === null) throw err;
      this.#log.warn({ ...ctx, error: failure.name, status: 'status' in failure ? failure.status : undefined, transient: failure.transient }, failure.message);
      throw failure;
    }
  }
}
