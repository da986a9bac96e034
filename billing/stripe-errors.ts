import Stripe from 'stripe';

/**
 * Stripe's failures, classified next to the client (STYLE "Errors, logs, secrets", grammY's
 * `GrammyError` / `HttpError`): either Stripe answered no (`StripeSaidNo`: status, type, code,
 * request id) or it could not be reached (`StripeUnreachable`: cause). Each says whether a
 * retry can help (`transient`), so the bot either says "try again in a minute" or shows the
 * refusal (a declined card, a wrong price in fleet.yaml) and stops.
 *
 * Neither keeps stripe-node's own error: text taken over from it passes `scrub`, which takes
 * out the secret key, and the cause of an unreachable is rebuilt from the network error alone.
 */

export type StripeOp = 'checkout' | 'portal';

/** Which call failed, for whom: every error carries it. */
export interface StripeOpContext {
  readonly op: StripeOp;
  readonly tenant?: string;
  readonly customer?: string;
}

export interface StripeRefusal {
  readonly status: number;
  /** Stripe's error type: `card_error`, `invalid_request_error`, `idempotency_error`, `api_error`… */
  readonly type: string;
  /** Stripe's error code, when it gave one: `card_declined`, `resource_missing`, `parameter_missing`… */
  readonly code: string | undefined;
  /** Stripe's own words; for a card error they are meant for the customer. */
  readonly stripeMessage: string;
  /** What Stripe support asks for (`req_…`). */
  readonly requestId: string | undefined;
  readonly declineCode: string | undefined;
  /** The parameter Stripe objected to, e.g. `line_items[0][price]`. */
  readonly param: string | undefined;
}

/** Stripe answered, and the answer was no. */
export class StripeSaidNo extends Error implements StripeRefusal {
  override readonly name = 'StripeSaidNo';
  readonly status: number;
  readonly type: string;
  readonly code: string | undefined;
  readonly stripeMessage: string;
  readonly requestId: string | undefined;
  readonly declineCode: string | undefined;
  readonly param: string | undefined;

  constructor(
    readonly context: StripeOpContext,
    refusal: StripeRefusal,
  ) {
    const request = refusal.requestId === undefined ? '' : ` (request ${refusal.requestId})`;
    const what = [refusal.type, refusal.code].filter((s) => s !== undefined).join('/');
    super(`Stripe said no while ${describeOp(context)}: ${refusal.status} ${what}: ${refusal.stripeMessage}${request}; ${hint(refusal)}`);
    this.status = refusal.status;
    this.type = refusal.type;
    this.code = refusal.code;
    this.stripeMessage = refusal.stripeMessage;
    this.requestId = refusal.requestId;
    this.declineCode = refusal.declineCode;
    this.param = refusal.param;
  }

  /**
   * 5xx, 429 (rate limit) and 409 (the same idempotency key still in flight) may work later,
   * and so may a `lock_timeout`; a declined card or a refused parameter will not without a change.
   */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 409 || this.code === 'lock_timeout';
  }
}

/** No answer, or none that could be read: refused or reset connection, DNS, TLS, timeout. */
export class StripeUnreachable extends Error {
  override readonly name = 'StripeUnreachable';
  readonly transient = true;

  constructor(
    readonly context: StripeOpContext,
    detail: string,
    options: { cause: Error },
  ) {
    super(`Stripe unreachable while ${describeOp(context)}: ${detail}; check the network (and https://status.stripe.com), then try again`, options);
  }
}

export function describeOp(ctx: StripeOpContext): string {
  const forWhom = ctx.tenant !== undefined ? ` for tenant ${ctx.tenant}` : ctx.customer !== undefined ? ` for customer ${ctx.customer}` : '';
  return `${ctx.op === 'checkout' ? 'creating a Checkout Session' : 'creating a Customer Portal session'}${forWhom}`;
}

/** The next step, for a person: "messages give the cause and the fix". */
function hint(r: StripeRefusal): string {
  if (r.status === 401) return 'the secret key is invalid, expired or revoked; set STRIPE_SECRET_KEY to a valid sk_/rk_ key';
  if (r.status === 403) return 'the restricted key lacks a permission; it needs write access to Checkout Sessions and Customer portal';
  if (r.type === 'card_error') return 'the card was refused; the customer should try another card or payment method';
  if (r.type === 'idempotency_error' && r.status === 400) {
    return 'this checkout (tenant, kind, plan, price) was already opened today with other parameters (customer or URLs); open it with the same ones, or tomorrow';
  }
  if (r.code === 'resource_missing' && r.param?.includes('price')) return 'the price does not exist in this Stripe account (test or live?); fix plans.<plan>.stripePriceId in fleet.yaml';
  if (r.code === 'resource_missing' && r.param === 'customer') return 'the customer does not exist in this Stripe account; check stripe.customerId in the tenant\'s billing.yaml';
  if (r.status === 429) return 'Stripe is rate limiting this account; try again in a minute';
  if (r.status >= 500 || r.status === 409) return 'Stripe is failing or busy; try again in a minute';
  return 'Stripe refused the request as sent';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Sorts a stripe-node failure into "said no" or "unreachable". Anything else (a bug, not a
 * failure of Stripe) comes back as null, for the caller to rethrow untouched.
 */
export function classifyStripeFailure(err: unknown, context: StripeOpContext, scrub: (text: string) => string): StripeSaidNo | StripeUnreachable | null {
  if (!(err instanceof Stripe.errors.StripeError)) return null;
  const detail: unknown = err.detail;
  if (err instanceof Stripe.errors.StripeConnectionError || typeof err.statusCode !== 'number') {
    // A connection error carries the network error as `detail`; an unreadable (non-JSON) answer has none.
    const network = detail instanceof Error ? detail : undefined;
    const code = text((network as { code?: unknown } | undefined)?.code);
    const what = scrub(text(network?.message) ?? err.message);
    const client = scrub(err.message.replace(/\.$/, ''));
    const cause = Object.assign(new Error(what), code === undefined ? {} : { code });
    return new StripeUnreachable(context, what === client ? what : `${what} (${client})`, { cause });
  }
  const optional = (v: unknown) => {
    const t = text(v);
    return t === undefined ? undefined : scrub(t);
  };
  return new StripeSaidNo(context, {
    status: err.statusCode,
    type: scrub(err.rawType ?? 'api_error'),
    code: optional(err.code),
    stripeMessage: scrub(err.message),
    requestId: optional(err.requestId),
    declineCode: optional(err.decline_code),
    param: optional(err.param),
  });
}

/** Replaces every occurrence of `secret` in a text; an empty secret changes nothing. */
export const scrubber =
  (secret: string) =>
  (s: string): string =>
    secret === '' ? s : s.split(secret).join('[REDACTED]');
