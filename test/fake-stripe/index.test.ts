import { afterEach, describe, expect, it } from 'vitest';
import { canonical, FormError, parseForm } from './form.js';
import { type FakeStripe, type FakeStripeOptions, startFakeStripe } from './index.js';

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts?: FakeStripeOptions): Promise<FakeStripe> {
  fake = await startFakeStripe(opts);
  return fake;
}

type Json = Record<string, unknown>;
async function post(f: FakeStripe, path: string, form: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${f.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
  });
  return { status: res.status, headers: res.headers, data: (await res.json()) as Json };
}

const checkout = 'mode=subscription&line_items[0][price]=price_basic123&line_items[0][quantity]=1&metadata[tenant]=acme&success_url=https%3A%2F%2Fexample.com%2Fok';

describe('parseForm', () => {
  it('nests bracketed keys back into objects and arrays, as stripe-node flattened them', () => {
    expect(parseForm('a=1&m[x]=y%20z&l[1][p]=b&l[0][p]=a&t[]=u&t[]=v&e=')).toEqual({ a: '1', m: { x: 'y z' }, l: [{ p: 'a' }, { p: 'b' }], t: ['u', 'v'], e: '' });
    expect(parseForm('')).toEqual({});
  });

  it('refuses a key that is both a value and a container, or given twice', () => {
    expect(() => parseForm('a=1&a[b]=2')).toThrow(FormError);
    expect(() => parseForm('a[b]=2&a=1')).toThrow(FormError);
    expect(() => parseForm('a=1&a=2')).toThrow(FormError);
    expect(() => parseForm('[x]=1')).toThrow(FormError);
  });

  it('compares bodies whatever their key order', () => {
    expect(canonical(parseForm('a=1&m[x]=1&m[y]=2'))).toBe(canonical(parseForm('m[y]=2&m[x]=1&a=1')));
    expect(canonical(parseForm('a=1'))).not.toBe(canonical(parseForm('a=2')));
  });
});

describe('fake Stripe', () => {
  it('refuses requests without the secret key as Stripe does, and a refusal uses up no fault', async () => {
    const f = await start();
    f.failNext(1, { status: 500, type: 'api_error', message: 'boom' });
    const missing = await post(f, '/v1/checkout/sessions', checkout, { authorization: '' });
    expect(missing).toMatchObject({ status: 401, data: { error: { type: 'invalid_request_error', message: expect.stringMatching(/did not provide an API key/) as unknown } } });
    const wrong = await post(f, '/v1/checkout/sessions', checkout, { authorization: 'Bearer sk_test_somethingElse1234' });
    expect((wrong.data.error as Json).message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    expect((await post(f, '/v1/checkout/sessions', checkout)).status).toBe(500);
    const basic = `Basic ${Buffer.from(`${f.secretKey}:`).toString('base64')}`;
    expect((await post(f, '/v1/checkout/sessions', checkout, { authorization: basic })).status).toBe(200);
  });

  it('creates a Checkout Session shaped like Stripe\'s and logs the parsed request', async () => {
    const f = await start();
    const res = await post(f, '/v1/checkout/sessions', `${checkout}&client_reference_id=acme&subscription_data[metadata][tenant]=acme`, { 'idempotency-key': 'k1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.data).toMatchObject({ object: 'checkout.session', mode: 'subscription', status: 'open', client_reference_id: 'acme', customer: null, metadata: { tenant: 'acme' }, livemode: false });
    expect(res.data.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(res.data.url).toBe(`https://checkout.stripe.com/c/pay/${String(res.data.id)}`);
    expect(f.requests).toEqual([
      {
        method: 'POST',
        path: '/v1/checkout/sessions',
        body: { mode: 'subscription', line_items: [{ price: 'price_basic123', quantity: '1' }], metadata: { tenant: 'acme' }, success_url: 'https://example.com/ok', client_reference_id: 'acme', subscription_data: { metadata: { tenant: 'acme' } } },
        idempotencyKey: 'k1',
        stripeVersion: undefined,
        status: 200,
        replayed: false,
      },
    ]);
    expect(f.checkoutSessions()).toEqual([{ session: res.data, lineItems: [{ price: 'price_basic123', quantity: 1 }], subscriptionMetadata: { tenant: 'acme' } }]);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses the key with other parameters', async () => {
    const f = await start();
    const first = await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k1' });
    const again = await post(f, '/v1/checkout/sessions', checkout.split('&').reverse().join('&'), { 'idempotency-key': 'k1' });
    expect(again.data).toEqual(first.data);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await post(f, '/v1/checkout/sessions', `${checkout}&customer=cus_Other1`, { 'idempotency-key': 'k1' });
    expect(other).toMatchObject({ status: 400, data: { error: { type: 'idempotency_error' } } });
    expect((await post(f, '/v1/billing_portal/sessions', 'customer=cus_A1', { 'idempotency-key': 'k1' })).status).toBe(400);
    expect(f.checkoutSessions()).toHaveLength(1);
    expect(f.requests.map((r) => [r.status, r.replayed])).toEqual([[200, false], [200, true], [400, false], [400, false]]);
  });

  it('stores neither refused parameters nor injected faults under a key, so a retry gets a real answer', async () => {
    const f = await start({ prices: ['price_basic123'] });
    const refused = await post(f, '/v1/checkout/sessions', checkout.replace('price_basic123', 'price_nope1'), { 'idempotency-key': 'k1' });
    expect(refused).toMatchObject({ status: 400, data: { error: { code: 'resource_missing', param: 'line_items[0][price]', message: "No such price: 'price_nope1'" } } });
    f.failNext(1, { status: 402, type: 'card_error', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    const declined = await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k1' });
    expect(declined).toMatchObject({
      status: 402,
      data: { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', doc_url: 'https://docs.stripe.com/error-codes/card-declined' } },
    });
    expect((declined.data.error as Json).request_log_url).toMatch(/\/logs\/req_/);
    expect((await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k1' })).status).toBe(200);
  });

  it('stores a fault marked stored under the key, as Stripe stores an endpoint\'s 500', async () => {
    const f = await start();
    f.failNext(1, { status: 500, type: 'api_error', message: 'Something went wrong on our end.', stored: true });
    expect((await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k1' })).status).toBe(500);
    const again = await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k1' });
    expect(again).toMatchObject({ status: 500, data: { error: { type: 'api_error' } } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await post(f, '/v1/checkout/sessions', checkout, { 'idempotency-key': 'k2' })).status).toBe(200);
  });

  it('checks the parameters Stripe requires', async () => {
    const f = await start();
    expect((await post(f, '/v1/checkout/sessions', checkout.replace('mode=subscription&', ''))).data).toMatchObject({ error: { code: 'parameter_missing', param: 'mode' } });
    expect((await post(f, '/v1/checkout/sessions', 'mode=subscription&success_url=https%3A%2F%2Fx.y')).data).toMatchObject({ error: { param: 'line_items' } });
    expect((await post(f, '/v1/checkout/sessions', `${checkout}&customer=acme`)).data).toMatchObject({ error: { code: 'resource_missing', param: 'customer' } });
    expect((await post(f, '/v1/checkout/sessions', `${checkout}&metadata[tenant][x]=1`)).status).toBe(400);
    expect((await post(f, '/v1/checkout/sessions', checkout.replace('mode=subscription', 'mode=payment') + '&subscription_data[metadata][a]=b')).status).toBe(400);
    expect((await post(f, '/v1/billing_portal/sessions', 'return_url=https%3A%2F%2Fx.y')).data).toMatchObject({ error: { code: 'parameter_missing', param: 'customer' } });
    expect((await post(f, '/v1/customers', 'email=a%40b.c')).data).toMatchObject({ error: { message: expect.stringMatching(/^Unrecognized request URL \(POST: \/v1\/customers\)/) as unknown } });
    expect(f.checkoutSessions()).toEqual([]);
  });

  it('creates a Customer Portal session', async () => {
    const f = await start();
    const res = await post(f, '/v1/billing_portal/sessions', 'customer=cus_Alpha001&return_url=https%3A%2F%2Ft.me%2Fbot');
    expect(res).toMatchObject({ status: 200, data: { object: 'billing_portal.session', customer: 'cus_Alpha001', return_url: 'https://t.me/bot', livemode: false } });
    expect(res.data.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\/test_/);
    expect(f.portalSessions()).toEqual([res.data]);
  });
});
