import type { FormBody, FormValue } from './form.js';
import { type FakeReply, randomId, type Route, StripeApiError } from './http.js';

/** A Checkout Session as answered, with what is not in the answer (line items are expandable). */
export interface FakeCheckoutSession {
  readonly session: Readonly<Record<string, unknown>>;
  readonly lineItems: readonly { readonly price: string; readonly quantity: number }[];
  readonly subscriptionMetadata: Readonly<Record<string, string>>;
}

/** What the fake created, as it answered them (for assertions beyond the request log). */
export interface FakeState {
  readonly checkoutSessions: FakeCheckoutSession[];
  readonly portalSessions: Record<string, unknown>[];
  /** Prices that exist; undefined accepts any `price_…`. */
  readonly prices: ReadonlySet<string> | undefined;
}

const invalid = (message: string, param?: string, code?: string): StripeApiError =>
  new StripeApiError({ status: 400, type: 'invalid_request_error', message, ...(param === undefined ? {} : { param }), ...(code === undefined ? {} : { code }) });
const missing = (param: string) => invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
const noSuch = (what: string, id: string, param: string) => invalid(`No such ${what}: '${id}'`, param, 'resource_missing');

function text(body: FormBody, name: string, required: true): string;
function text(body: FormBody, name: string, required?: false): string | undefined;
function text(body: FormBody, name: string, required = false): string | undefined {
  const v = body[name];
  if (v === undefined) {
    if (required) throw missing(name);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`Invalid string: ${name} must be a string`, name);
  return v;
}

function url(body: FormBody, name: string, required: boolean): string | undefined {
  const v = required ? text(body, name, true) : text(body, name);
  if (v !== undefined && !/^https?:\/\/[^\s/]+/.test(v)) throw invalid(`Not a valid URL`, name, 'url_invalid');
  return v;
}

/** Stripe's metadata limits: 50 keys, keys up to 40 characters, string values up to 500. */
function metadata(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value === 'string' || Array.isArray(value)) throw invalid(`Invalid object`, param);
  const entries = Object.entries(value as FormBody);
  if (entries.length > 50) throw invalid(`Invalid ${param}: must have at most 50 keys`, param);
  return Object.fromEntries(
    entries.map(([k, v]) => {
      if (typeof v !== 'string') throw invalid(`Invalid ${param}[${k}]: metadata values must be strings`, `${param}[${k}]`);
      if (k.length > 40) throw invalid(`Invalid ${param}: keys can be at most 40 characters`, `${param}[${k}]`);
      if (v.length > 500) throw invalid(`Invalid ${param}[${k}]: values can be at most 500 characters`, `${param}[${k}]`);
      return [k, v];
    }),
  );
}

function lineItems(state: FakeState, value: FormValue | undefined): { price: string; quantity: number }[] {
  if (value === undefined) throw missing('line_items');
  if (!Array.isArray(value) || value.length === 0) throw invalid('Invalid array', 'line_items');
  return (value as readonly FormValue[]).map((raw, i) => {
    const item = typeof raw === 'object' && !Array.isArray(raw) ? (raw as FormBody) : {};
    const price = text(item, 'price');
    if (price === undefined) throw missing(`line_items[${i}][price]`);
    if (!price.startsWith('price_') || (state.prices && !state.prices.has(price))) throw noSuch('price', price, `line_items[${i}][price]`);
    const quantity = Number(text(item, 'quantity') ?? '1');
    if (!Number.isInteger(quantity) || quantity < 1) throw invalid('Invalid integer', `line_items[${i}][quantity]`);
    return { price, quantity };
  });
}

function customer(body: FormBody): string | undefined {
  const id = text(body, 'customer');
  if (id !== undefined && !/^cus_[A-Za-z0-9]+$/.test(id)) throw noSuch('customer', id, 'customer');
  return id;
}

const now = () => Math.floor(Date.now() / 1000);

/** `POST /v1/checkout/sessions`: the parameters buckfleet sends, checked as Stripe checks them. */
function createCheckout(state: FakeState, body: FormBody): FakeReply {
  const mode = text(body, 'mode', true);
  if (!['payment', 'setup', 'subscription'].includes(mode)) throw invalid(`Invalid mode: must be one of payment, setup, or subscription`, 'mode');
  const items = lineItems(state, body.line_items);
  const reference = text(body, 'client_reference_id');
  if (reference !== undefined && reference.length > 200) throw invalid('Invalid client_reference_id: must be at most 200 characters', 'client_reference_id');
  const subscriptionData = body.subscription_data;
  if (subscriptionData !== undefined && mode !== 'subscription') throw invalid('You can only specify `subscription_data` in `subscription` mode.', 'subscription_data');
  const sub = typeof subscriptionData === 'object' && !Array.isArray(subscriptionData) ? (subscriptionData as FormBody) : {};
  const id = randomId('cs_test_', 58);
  const created = now();
  const session = {
    id,
    object: 'checkout.session',
    mode,
    status: 'open',
    payment_status: 'unpaid',
    url: `https://checkout.stripe.com/c/pay/${id}`,
    ui_mode: 'hosted_page',
    client_reference_id: reference ?? null,
    customer: customer(body) ?? null,
    metadata: metadata(body.metadata, 'metadata'),
    success_url: url(body, 'success_url', true),
    cancel_url: url(body, 'cancel_url', false) ?? null,
    created,
    expires_at: created + 24 * 3600,
    livemode: false,
    subscription: null,
    payment_intent: null,
  };
  state.checkoutSessions.push({ session, lineItems: items, subscriptionMetadata: metadata(sub.metadata, 'subscription_data[metadata]') });
  return { status: 200, body: session };
}

/** `POST /v1/billing_portal/sessions`: a short-lived link to the Customer Portal. */
function createPortal(state: FakeState, body: FormBody): FakeReply {
  const id = customer(body);
  if (id === undefined) throw missing('customer');
  const session = {
    id: randomId('bps_'),
    object: 'billing_portal.session',
    configuration: 'bpc_fakeDefaultConfiguration',
    created: now(),
    customer: id,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: url(body, 'return_url', false) ?? null,
    url: `https://billing.stripe.com/p/session/${randomId('test_', 40)}`,
  };
  state.portalSessions.push(session);
  return { status: 200, body: session };
}

/** An empty test-mode balance, shaped like Stripe's `GET /v1/balance`. */
const FAKE_BALANCE = {
  object: 'balance',
  available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
  livemode: false,
  pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
};

export function routes(state: FakeState): Route[] {
  return [
    { path: '/v1/checkout/sessions', handle: (body) => createCheckout(state, body) },
    { path: '/v1/billing_portal/sessions', handle: (body) => createPortal(state, body) },
    // `buckfleet doctor` checks the key with the cheapest read there is.
    { method: 'GET', path: '/v1/balance', handle: () => ({ status: 200, body: FAKE_BALANCE }) },
  ];
}
