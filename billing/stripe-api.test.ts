import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../fleet/secret.js';
import { type FakeStripe, startFakeStripe } from '../test/fake-stripe/index.js';
import type { CheckoutRequest } from './contract.js';
import { checkoutCall, StripePayments, type StripePaymentsOptions, StripeSaidNo, StripeUnreachable, stripeApiRoot } from './stripe-api.js';

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const NOW = Date.parse('2026-03-14T15:09:26Z');
const DAY = 24 * 3600 * 1000;

const purchase: CheckoutRequest = {
  tenant: 'acme',
  telegramUserId: 4242,
  plan: 'basic',
  kind: 'purchase',
  priceId: 'price_basic123',
  successUrl: 'https://t.me/buckfleet_bot?start=paid',
  cancelUrl: 'https://t.me/buckfleet_bot?start=cancel',
};
const renewal: CheckoutRequest = { ...purchase, kind: 'renewal', customerId: 'cus_Alpha001' };

/** No stripe-node retries unless a test asks: its backoff starts at 0.5 s. */
const client = (f: FakeStripe, opts: Partial<StripePaymentsOptions> = {}) =>
  new StripePayments({ secretKey: new Secret(f.secretKey), ...f.clientOptions, maxNetworkRetries: 0, now: () => NOW, ...opts });

async function setup(opts: Partial<StripePaymentsOptions> = {}) {
  fake = await startFakeStripe({ prices: ['price_basic123', 'price_pro456'] });
  const logs: { level: string; fields: object; message: string }[] = [];
  const record = (level: string) => (fields: object, message: string) => void logs.push({ level, fields, message });
  return { fake, payments: client(fake, { log: { info: record('info'), warn: record('warn') }, ...opts }), logs };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (err: unknown) => err,
  );
}

const metadata = { tenant: 'acme', telegram_user_id: '4242', plan: 'basic', kind: 'purchase' };

describe('checkoutCall', () => {
  it('builds a subscription session for the plan price, naming the tenant in metadata and on the subscription, keyed by the UTC day', () => {
    expect(checkoutCall(purchase, NOW)).toEqual({
      params: {
        mode: 'subscription',
        line_items: [{ price: 'price_basic123', quantity: 1 }],
        client_reference_id: 'acme',
        metadata,
        subscription_data: { metadata },
        success_url: purchase.successUrl,
        cancel_url: purchase.cancelUrl,
      },
      idempotencyKey: 'buckfleet-checkout:acme:purchase:basic:price_basic123:2026-03-14',
    });
    expect(checkoutCall(renewal, NOW).params.customer).toBe('cus_Alpha001');
  });

  it('refuses requests Stripe would refuse less clearly, naming the fix', () => {
    expect(() => checkoutCall({ ...purchase, priceId: 'basic' }, NOW)).toThrow(/plans\.basic\.stripePriceId in fleet\.yaml/);
    expect(() => checkoutCall({ ...purchase, customerId: 'acme' }, NOW)).toThrow(/not a Stripe customer id/);
    expect(() => checkoutCall({ ...purchase, successUrl: '/paid' }, NOW)).toThrow(/successUrl must be an absolute http\(s\) URL/);
    expect(() => checkoutCall({ ...purchase, tenant: 'Acme Inc' }, NOW)).toThrow(/not a tenant slug/);
    expect(() => checkoutCall({ ...purchase, telegramUserId: 0 }, NOW)).toThrow(/not a Telegram user id/);
  });
});

describe('StripePayments against the fake Stripe', () => {
  it('creates a Checkout Session with exactly the parameters, and returns its id and url', async () => {
    const { fake, payments } = await setup();
    const session = await payments.createCheckout(purchase);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions',
      idempotencyKey: 'buckfleet-checkout:acme:purchase:basic:price_basic123:2026-03-14',
      status: 200,
    });
    // Form encoding has no types: the quantity arrives as the string "1".
    expect(fake.requests[0]?.body).toEqual({
      mode: 'subscription',
      line_items: [{ price: 'price_basic123', quantity: '1' }],
      client_reference_id: 'acme',
      metadata,
      subscription_data: { metadata },
      success_url: purchase.successUrl,
      cancel_url: purchase.cancelUrl,
    });
    const created = fake.checkoutSessions()[0]?.session;
    expect(session).toEqual({ id: created?.id, url: created?.url });
    expect(session.id).toMatch(/^cs_test_/);
  });

  it('passes the existing customer on a renewal, under its own idempotency key', async () => {
    const { fake, payments } = await setup();
    await payments.createCheckout(renewal);
    expect(fake.requests[0]?.body).toMatchObject({ customer: 'cus_Alpha001', metadata: { kind: 'renewal' }, subscription_data: { metadata: { kind: 'renewal' } } });
    expect(fake.requests[0]?.idempotencyKey).toBe('buckfleet-checkout:acme:renewal:basic:price_basic123:2026-03-14');
  });

  it('gives a double click the same session, and the next day a new one', async () => {
    const { fake, payments } = await setup();
    const first = await payments.createCheckout(purchase);
    const again = await payments.createCheckout(purchase);
    expect(again).toEqual(first);
    expect(fake.requests.map((r) => r.replayed)).toEqual([false, true]);
    expect(fake.checkoutSessions()).toHaveLength(1);

    const tomorrow = client(fake, { now: () => NOW + DAY });
    expect((await tomorrow.createCheckout(purchase)).id).not.toBe(first.id);
    expect(fake.checkoutSessions()).toHaveLength(2);
  });

  it('opening the same checkout on the same day with other parameters is a permanent refusal, not a second session', async () => {
    const { fake, payments } = await setup();
    await payments.createCheckout(purchase);
    const err = await failure(payments.createCheckout({ ...purchase, successUrl: 'https://example.com/other' }));
    expect(err).toBeInstanceOf(StripeSaidNo);
    expect(err).toMatchObject({ status: 400, type: 'idempotency_error', transient: false, context: { op: 'checkout', tenant: 'acme' } });
    expect((err as Error).message).toMatch(/already opened today with other parameters/);
    expect(fake.checkoutSessions()).toHaveLength(1);
  });

  it('creates a Customer Portal session for the customer, and never logs its url', async () => {
    const { fake, payments, logs } = await setup();
    const portal = await payments.createPortal('cus_Alpha001', 'https://t.me/buckfleet_bot');
    expect(fake.requests[0]).toMatchObject({ path: '/v1/billing_portal/sessions', status: 200 });
    expect(fake.requests[0]?.body).toEqual({ customer: 'cus_Alpha001', return_url: 'https://t.me/buckfleet_bot' });
    expect(portal).toEqual({ url: fake.portalSessions()[0]?.url });
    expect(JSON.stringify(logs)).not.toContain(portal.url);
  });

  it('a declined card is a permanent StripeSaidNo with its code, decline code and request id', async () => {
    const { fake, payments } = await setup();
    fake.failNext(1, { status: 402, type: 'card_error', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' });
    const err = await failure(payments.createCheckout(purchase));
    expect(err).toBeInstanceOf(StripeSaidNo);
    expect(err).toMatchObject({ status: 402, type: 'card_error', code: 'card_declined', declineCode: 'generic_decline', stripeMessage: 'Your card was declined.', transient: false });
    expect((err as StripeSaidNo).requestId).toMatch(/^req_/);
    expect((err as Error).message).toMatch(/^Stripe said no while creating a Checkout Session for tenant acme: 402 card_error\/card_declined: Your card was declined\. \(request req_\w+\); the card was refused/);
  });

  it('a price missing from the account is a permanent refusal that points at fleet.yaml', async () => {
    const { payments } = await setup();
    const err = await failure(payments.createCheckout({ ...purchase, priceId: 'price_gone999' }));
    expect(err).toMatchObject({ status: 400, code: 'resource_missing', param: 'line_items[0][price]', transient: false });
    expect((err as Error).message).toMatch(/fix plans\.<plan>\.stripePriceId in fleet\.yaml/);
  });

  it('a 500 is a transient StripeSaidNo; with retries on, stripe-node retries it under the same idempotency key', async () => {
    const { fake, payments } = await setup();
    fake.failNext(1, { status: 500, type: 'api_error', message: 'Something went wrong on our end.' });
    const err = await failure(payments.createCheckout(purchase));
    expect(err).toBeInstanceOf(StripeSaidNo);
    expect(err).toMatchObject({ status: 500, type: 'api_error', transient: true });
    expect(fake.requests).toHaveLength(1);

    const retrying = client(fake, { maxNetworkRetries: 1 });
    fake.failNext(1, { status: 503, type: 'api_error', message: 'Service unavailable.' });
    const session = await retrying.createCheckout(purchase);
    expect(session.id).toMatch(/^cs_test_/);
    expect(fake.requests.slice(1).map((r) => [r.status, r.idempotencyKey])).toEqual([
      [503, 'buckfleet-checkout:acme:purchase:basic:price_basic123:2026-03-14'],
      [200, 'buckfleet-checkout:acme:purchase:basic:price_basic123:2026-03-14'],
    ]);
  });

  it('after a 500 Stripe stored under the key, the next attempt takes a fresh key instead of getting the 500 replayed', async () => {
    const { fake, payments } = await setup();
    fake.failNext(1, { status: 500, type: 'api_error', message: 'Something went wrong on our end.', stored: true });
    expect(await failure(payments.createCheckout(purchase))).toMatchObject({ status: 500, transient: true });
    const key = 'buckfleet-checkout:acme:purchase:basic:price_basic123:2026-03-14';
    const session = await payments.createCheckout(purchase);
    expect(await payments.createCheckout(purchase)).toEqual(session); // and keeps that key
    // A process that did not see the 500 (a restart) gets it replayed once, then moves on too.
    const restarted = client(fake);
    expect(await failure(restarted.createCheckout(purchase))).toMatchObject({ status: 500 });
    expect(fake.requests.map((r) => [r.idempotencyKey, r.status, r.replayed])).toEqual([
      [key, 500, false],
      [`${key}:retry1`, 200, false],
      [`${key}:retry1`, 200, true],
      [key, 500, true],
    ]);
    expect(await restarted.createCheckout(purchase)).toEqual(session);
  });

  it('no answer is a transient StripeUnreachable carrying the network cause', async () => {
    const { fake, payments } = await setup();
    await fake.close();
    const err = await failure(payments.createCheckout(purchase));
    expect(err).toBeInstanceOf(StripeUnreachable);
    expect(err).toMatchObject({ transient: true, context: { op: 'checkout', tenant: 'acme' }, cause: { code: 'ECONNREFUSED' } });
    expect((err as Error).message).toMatch(/^Stripe unreachable while creating a Checkout Session for tenant acme: .*ECONNREFUSED.*; check the network/);
  });

  it('an answer slower than the timeout is a StripeUnreachable too', async () => {
    const { fake, payments } = await setup({ timeoutMs: 50 });
    fake.setLatency(300);
    const err = await failure(payments.createPortal('cus_Alpha001', 'https://t.me/buckfleet_bot'));
    expect(err).toBeInstanceOf(StripeUnreachable);
    expect((err as Error).message).toMatch(/timeout/);
  });
});

describe('the secret key', () => {
  const leaks = (value: unknown, key: string) =>
    [String(value), inspect(value, { depth: Infinity, showHidden: true }), JSON.stringify(value) ?? '', (value as Error).stack ?? ''].filter((s) => s.includes(key));

  it('never appears in an error, even when Stripe echoes it, nor in logs or the inspected client', async () => {
    const { fake, payments, logs } = await setup();
    const key = fake.secretKey;
    fake.failNext(1, { status: 400, type: 'invalid_request_error', code: 'parameter_invalid_string', param: `metadata[${key}]`, message: `Invalid value ${key} for metadata` });
    const said = await failure(payments.createCheckout(purchase));
    expect(said).toBeInstanceOf(StripeSaidNo);
    expect((said as Error).message).toContain('Invalid value [REDACTED] for metadata');
    expect(leaks(said, key)).toEqual([]);

    await fake.close();
    const unreachable = await failure(payments.createPortal('cus_Alpha001', 'https://t.me/buckfleet_bot'));
    expect(unreachable).toBeInstanceOf(StripeUnreachable);
    expect(leaks(unreachable, key)).toEqual([]);

    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(leaks(logs, key)).toEqual([]);
    expect(leaks(payments, key)).toEqual([]);
  });

  it('a wrong key is a 401 refusal that says which setting to fix, without the key', async () => {
    const { fake } = await setup();
    const wrong = 'sk_test_wrongKeyThatMustNotLeakEither987';
    const payments = client(fake, { secretKey: new Secret(wrong) });
    const err = await failure(payments.createCheckout(purchase));
    expect(err).toMatchObject({ status: 401, transient: false });
    expect((err as Error).message).toMatch(/set STRIPE_SECRET_KEY/);
    expect(leaks(err, wrong)).toEqual([]);
  });

  it('a malformed key is refused at construction without being printed', () => {
    const make = () => new StripePayments({ secretKey: new Secret('pk_live_publishableNotSecret') });
    expect(make).toThrow(/^StripePayments: the secret key is not a Stripe secret or restricted key .*; check STRIPE_SECRET_KEY$/);
    expect(make).not.toThrow(/pk_live/);
  });
});

describe('stripeApiRoot', () => {
  it("is Stripe's own root when unset, else the URL's host, protocol and port (the protocol's default when none is given)", () => {
    expect(stripeApiRoot(null)).toEqual({});
    expect(stripeApiRoot('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeApiRoot('http://stripe-mock')).toEqual({ host: 'stripe-mock', port: 80, protocol: 'http' });
    expect(stripeApiRoot('https://stripe.internal/')).toEqual({ host: 'stripe.internal', port: 443, protocol: 'https' });
  });
});
