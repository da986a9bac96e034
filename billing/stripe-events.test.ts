import { describe, expect, it } from 'vitest';
import { buildChange, ChangeRequest, type ChangeRequestInput } from '../fleet/changes/index.js';
import { applyEdits } from '../fleet/edits.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { fleetFiles, sealValue, SHARED_TENANT, snapshot, TEST_RECIPIENT, validFleetManifests, type FleetManifests } from '../test/fleet-fixtures.js';
import type { PendingOrder } from './contract.js';
import { BillingEventCustomerPendingError, BillingEventError, BillingEventWaitingError } from './event-errors.js';
import { chargeRefunded, checkoutCompleted, invoiceEvent, metadataOf, type Purchase, stripeEvent, subscriptionEvent } from '../test/stripe-fixtures.js';
import { changesForEvent } from './stripe-events.js';
import { isoOf } from './stripe-facts.js';

const NOW = '2026-03-20T10:00:00Z';
const BOT_TOKEN = '7000000009:AAH_echo-shop_test_token_0123456789';
const echo: Purchase = { tenant: 'echo-shop', customer: 'cus_Echo001', subscription: 'sub_Echo001', telegramUserId: 300_008, plan: 'basic' };
/** The fixture's alpha-shop, as its Stripe objects name it. */
const alpha: Purchase = { tenant: SHARED_TENANT, customer: 'cus_Alpha001', subscription: 'sub_Alpha001', telegramUserId: 200_001, plan: 'basic', kind: 'renewal' };
const order: PendingOrder = {
  tenant: echo.tenant,
  telegramUserId: echo.telegramUserId,
  plan: 'basic',
  modules: [{ name: 'core', version: '1.0.0' }],
  chats: [],
  secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, BOT_TOKEN) },
  createdAt: '2026-03-20T09:50:00Z',
};

function fleetOf(edit?: (m: FleetManifests) => void): Fleet {
  const m = validFleetManifests();
  edit?.(m);
  const loaded = loadFleet(snapshot(fleetFiles(m)));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return loaded.fleet;
}
const fleet = fleetOf();
const changes = (event: unknown, ctx: { fleet?: Fleet; order?: PendingOrder | null } = {}) =>
  changesForEvent(event, { fleet: ctx.fleet ?? fleet, order: ctx.order ?? null, now: new Date(NOW) });

function refusal(fn: () => unknown): BillingEventError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BillingEventError) return error;
    throw error;
  }
  throw new Error('expected a BillingEventError');
}

/** The billing.yaml a change leads to on the fixture fleet (validated by loading it). */
function billingAfter(change: ChangeRequestInput, on: Fleet = fleet, slug = SHARED_TENANT) {
  const files = fleetFiles(validFleetManifests());
  const plan = buildChange({ fleet: on, files, now: NOW }, ChangeRequest.parse(change));
  const after = loadFleet(applyEdits(snapshot(files), plan.edits));
  if (!after.ok) throw new Error(after.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
  return after.fleet.tenants.get(slug)?.billing;
}

const stripeActor = (eventId: string) => ({ type: 'stripe', eventId });
const usd = (amount: number) => ({ amount, currency: 'usd' });

describe('changesForEvent: each event type', () => {
  it('a purchase Checkout creates the tenant from the pending order, with the Stripe ids and subscription', () => {
    const [change, ...rest] = changes(checkoutCompleted('evt_1Buy', NOW, echo), { order });
    expect(rest).toEqual([]);
    expect(change).toEqual({
      id: 'stripe:evt_1Buy',
      kind: 'tenant.create',
      requestedBy: stripeActor('evt_1Buy'),
      reason: 'Stripe: echo-shop bought on plan basic (Checkout cs_test_echoshop)',
      slug: 'echo-shop',
      owner: { telegramUserId: 300_008 },
      plan: 'basic',
      modules: [{ name: 'core', version: '1.0.0' }],
      chats: [],
      secrets: order.secrets,
      billing: {
        stripe: { customerId: 'cus_Echo001', subscriptionId: 'sub_Echo001' },
        subscriptions: [{ id: 'sub_Echo001', customerId: 'cus_Echo001', status: 'active', cancelAtPeriodEnd: false, asOf: '2026-03-20T09:55:00Z' }],
      },
    });
    const files = fleetFiles(validFleetManifests());
    const plan = buildChange({ fleet, files, now: NOW }, ChangeRequest.parse(change));
    const after = loadFleet(applyEdits(snapshot(files), plan.edits));
    expect(after.ok && after.fleet.tenants.get('echo-shop')?.billing).toMatchObject({ status: 'active', paidThrough: null, autoRenew: true, stripe: { customerId: 'cus_Echo001' } });
    expect(JSON.stringify(plan)).not.toContain(BOT_TOKEN);
  });

  it('a purchase delivered again after its tenant exists asks for nothing', () => {
    const created = fleetOf((m) => {
      m.tenants['echo-shop'] = { tenant: { ...structuredClone(m.tenants[SHARED_TENANT]!.tenant), slug: 'echo-shop' }, billing: { status: 'active', paidThrough: null, stripe: { customerId: 'cus_Echo001' } } };
    });
    expect(changes(checkoutCompleted('evt_1Buy', NOW, echo), { fleet: created, order })).toEqual([]);
  });

  it('a renewal Checkout records the Stripe ids and the new subscription of an existing tenant', () => {
    const renewal = { ...alpha, subscription: 'sub_Alpha002' };
    const [change] = changes(checkoutCompleted('evt_1Renew', NOW, renewal));
    expect(change).toMatchObject({ kind: 'billing.record', slug: SHARED_TENANT, id: 'stripe:evt_1Renew', record: { stripe: { customerId: 'cus_Alpha001', subscriptionId: 'sub_Alpha002' } } });
    expect(billingAfter(change!)).toMatchObject({ autoRenew: true, stripe: { customerId: 'cus_Alpha001', subscriptionId: 'sub_Alpha002' } });
  });

  it('invoice.paid records the subscription line\u2019s period under the invoice id; minor units, ISO times without milliseconds', () => {
    const [change] = changes(invoiceEvent('invoice.paid', 'evt_1Paid', NOW, alpha, { invoice: 'in_alpha_0002', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z', amount: 1999, metadata: metadataOf(alpha) }));
    expect(change).toEqual({
      id: 'stripe:evt_1Paid',
      kind: 'billing.record',
      requestedBy: stripeActor('evt_1Paid'),
      reason: 'Stripe: invoice in_alpha_0002 paid for 2026-04-04 → 2026-05-04',
      slug: SHARED_TENANT,
      record: { periods: [{ id: 'in_alpha_0002', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z', source: 'stripe', amount: usd(1999) }] },
    });
    expect(billingAfter(change!)?.paidThrough).toBe('2026-05-04T00:00:00Z');
    expect(isoOf(1_775_000_000)).toBe('2026-03-31T23:33:20Z');
  });

  it('reads an invoice of the API before 2025-03-31, and finds the tenant by customer when no metadata names it', () => {
    const legacy = invoiceEvent('invoice.paid', 'evt_1Legacy', NOW, alpha, { invoice: 'in_alpha_0002', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z' }) as { data: { object: Record<string, unknown> } };
    const object = legacy.data.object;
    delete object.parent;
    object.subscription = 'sub_Alpha001';
    object.subscription_details = { metadata: {} };
    object.lines = { data: [{ id: 'il_1', type: 'subscription', subscription: 'sub_Alpha001', proration: false, period: { start: 1_775_260_800, end: 1_777_852_800 } }] };
    expect(changes(legacy)[0]).toMatchObject({ slug: SHARED_TENANT, record: { periods: [{ start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z' }] } });
  });

  it('after a plan change, the paid period is the regular line\u2019s, not a proration\u2019s', () => {
    const event = invoiceEvent('invoice.paid', 'evt_1Prorated', NOW, alpha, { invoice: 'in_alpha_0003', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z' }) as { data: { object: { lines: { data: Record<string, unknown>[] } } } };
    const [regular] = event.data.object.lines.data;
    const proration = { ...regular, id: 'il_pr', period: { start: 1_774_000_000, end: 1_777_900_000 }, parent: { type: 'subscription_item_details', subscription_item_details: { subscription: 'sub_Alpha001', proration: true } } };
    event.data.object.lines.data = [proration, regular!];
    expect(changes(event)[0]).toMatchObject({ record: { periods: [{ start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z' }] } });
  });

  it('a one-off invoice pays no period: nothing to record', () => {
    const event = invoiceEvent('invoice.paid', 'evt_1OneOff', NOW, alpha, { invoice: 'in_alpha_0009', start: NOW, end: NOW }) as { data: { object: Record<string, unknown> } };
    delete event.data.object.parent;
    event.data.object.lines = { data: [{ id: 'il_1', period: { start: 1_774_000_000, end: 1_774_000_000 } }] };
    expect(changes(event)).toEqual([]);
  });

  it('invoice.payment_failed records the failed invoice, and the tenant is past due', () => {
    const [change] = changes(invoiceEvent('invoice.payment_failed', 'evt_1Failed', '2026-04-04T01:00:00Z', alpha, { invoice: 'in_alpha_0002', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z' }));
    expect(change).toMatchObject({
      reason: 'Stripe: payment of invoice in_alpha_0002 failed',
      record: { failedInvoices: [{ id: 'in_alpha_0002', at: '2026-04-04T01:00:00Z', periodEnd: '2026-05-04T00:00:00Z', amount: usd(500) }] },
    });
    expect(billingAfter(change!)).toMatchObject({ status: 'past_due', statusReason: 'payment of invoice in_alpha_0002 failed', statusSince: '2026-04-04T01:00:00Z' });
  });

  it('customer.subscription.updated records its state: a cancellation at period end stops auto-renewal', () => {
    const [change] = changes(subscriptionEvent('customer.subscription.updated', 'evt_1Cancel', NOW, alpha, { cancelAtPeriodEnd: true, periodEnd: '2026-04-04T00:00:00Z' }));
    expect(change).toMatchObject({ reason: 'Stripe: subscription sub_Alpha001 is active, cancelling', record: { subscriptions: [{ id: 'sub_Alpha001', customerId: 'cus_Alpha001', status: 'active', cancelAtPeriodEnd: true, asOf: NOW }] } });
    expect(billingAfter(change!)).toMatchObject({ autoRenew: false, status: 'active' });
    const [scheduled] = changes(subscriptionEvent('customer.subscription.updated', 'evt_1CancelAt', NOW, alpha, { cancelAt: '2026-04-04T00:00:00Z', periodEnd: '2026-04-04T00:00:00Z' }));
    expect(scheduled).toMatchObject({ record: { subscriptions: [{ cancelAt: '2026-04-04T00:00:00Z' }] } });
  });

  it('customer.subscription.deleted records the subscription as ended, whatever its object says', () => {
    const [change] = changes(subscriptionEvent('customer.subscription.deleted', 'evt_1Gone', NOW, alpha, { status: 'active', periodEnd: '2026-04-04T00:00:00Z' }));
    expect(change).toMatchObject({ reason: 'Stripe: subscription sub_Alpha001 is canceled', record: { subscriptions: [{ status: 'canceled' }] } });
    expect(billingAfter(change!)).toMatchObject({ autoRenew: false, status: 'active', paidThrough: '2026-04-04T00:00:00Z' });
  });

  it('charge.refunded records the running total of the charge\u2019s refunds', () => {
    const [change] = changes(chargeRefunded('evt_1Refund', NOW, alpha, { charge: 'ch_Alpha0001', refunded: 250 }));
    expect(change).toMatchObject({ reason: 'Stripe: charge ch_Alpha0001 refunded, 250 usd in total', record: { refunds: [{ id: 'ch_Alpha0001', at: NOW, amount: usd(250) }] } });
    expect(billingAfter(change!)?.refunds).toEqual([{ id: 'ch_Alpha0001', at: NOW, amount: usd(250) }]);
    expect(changes(chargeRefunded('evt_1Zero', NOW, alpha, { charge: 'ch_Alpha0001', refunded: 0 }))).toEqual([]);
  });
});

describe('changesForEvent: refusals say why and change nothing', () => {
  const paid = (p: Purchase, metadata?: Record<string, string>) =>
    invoiceEvent('invoice.paid', 'evt_1Who', NOW, p, { invoice: 'in_who_0001', start: NOW, end: '2026-04-20T10:00:00Z', ...(metadata ? { metadata } : {}) });

  it.each([
    ['an event type billing does not handle', stripeEvent('evt_1Other', 'invoice.created', NOW, { id: 'in_1', object: 'invoice' }), 'unsupported_event', /^Stripe event type invoice\.created is not handled \(handled: checkout\.session\.completed, /],
    ['not an event at all', { hello: 'world' }, 'malformed_event', /^not a Stripe event: id: /],
    ['an invoice without lines', stripeEvent('evt_1Bad', 'invoice.paid', NOW, { id: 'in_1', object: 'invoice', customer: null, amount_paid: 1, amount_due: 1, currency: 'usd' }), 'malformed_event', /lines: /],
    ['an amount that is not minor units', stripeEvent('evt_1Bad', 'charge.refunded', NOW, { id: 'ch_1', object: 'charge', amount_refunded: 2.5, currency: 'usd', customer: 'cus_Alpha001' }), 'malformed_event', /amount_refunded: /],
    ['a tenant name that is no slug', paid(alpha, { tenant: '../etc' }), 'malformed_event', /names tenant "\.\.\/etc", which is not a tenant name/],
    ['metadata naming a tenant not in the fleet', paid(alpha, { tenant: 'zulu-nobody', kind: 'renewal' }), 'unknown_tenant', /is for tenant "zulu-nobody", which is not in the fleet/],
    ['a Checkout buckfleet did not start', checkoutCompleted('evt_1Foreign', NOW, { ...echo, kind: 'gift' as 'purchase' }), 'malformed_event', /has no metadata\.kind of purchase, renewal or module/],
  ])('%s', (_, event, reason, message) => {
    const e = refusal(() => changes(event, { order }));
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(message);
  });

  it('never puts the payload\u2019s values in a malformed-event message', () => {
    const event = stripeEvent('evt_1Bad', 'charge.refunded', NOW, { id: 'ch_1', object: 'charge', amount_refunded: 'card 4242424242424242', currency: 'usd', customer: 'cus_A1' });
    expect(refusal(() => changes(event)).message).not.toContain('4242');
  });

  it('a purchase without its pending order, or with another\u2019s', () => {
    expect(refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, echo))).reason).toBe('missing_order');
    expect(refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, echo), { order: { ...order, tenant: 'other-shop' } })).reason).toBe('missing_order');
  });

  it('a purchase that disagrees with its order, is unpaid, or takes a name another customer holds', () => {
    const e = refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, { ...echo, plan: 'pro' }), { order }));
    expect(e).toMatchObject({ reason: 'order_mismatch', message: expect.stringContaining('plan pro was paid, the order is for basic') as string });
    expect(refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, echo, { paymentStatus: 'unpaid' }), { order })).reason).toBe('not_paid');
    expect(refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, { ...alpha, customer: 'cus_Thief01', kind: 'purchase' }), { order: { ...order, tenant: SHARED_TENANT, telegramUserId: 200_001 } })).reason).toBe('tenant_taken');
  });

  it('an order whose sealed secret is not age armor leads to an invalid change, without showing it', () => {
    const e = refusal(() => changes(checkoutCompleted('evt_1Buy', NOW, echo), { order: { ...order, secrets: { BOT_TOKEN } } }));
    expect(e.reason).toBe('invalid_change');
    expect(e.message).toMatch(/^Stripe event evt_1Buy \(checkout\.session\.completed\) leads to an invalid tenant\.create: secrets\.BOT_TOKEN: /);
    expect(e.message).not.toContain(BOT_TOKEN);
  });

  it('a customer on file for two tenants is ambiguous', () => {
    const twice = fleetOf((m) => {
      m.tenants['bravo-news']!.billing.stripe = { customerId: 'cus_Alpha001' };
    });
    expect(refusal(() => changes(paid(alpha), { fleet: twice })).reason).toBe('ambiguous_tenant');
  });

  it('an event of a purchase whose tenant is not on main yet waits (retry), it is not refused', () => {
    let waited: unknown;
    try {
      changes(paid(echo, metadataOf(echo)));
    } catch (error) {
      waited = error;
    }
    expect(waited).toBeInstanceOf(BillingEventWaitingError);
    expect(waited).not.toBeInstanceOf(BillingEventError);
    expect(waited).toMatchObject({ reason: 'tenant_not_created', tenant: 'echo-shop', event: { id: 'evt_1Who', type: 'invoice.paid' } });
  });

  it('an event of a customer in no billing.yaml, naming no tenant, waits for its Checkout, with the refusal for later', () => {
    let waited: unknown;
    try {
      changes(paid({ ...alpha, customer: 'cus_Nobody01' }));
    } catch (error) {
      waited = error;
    }
    expect(waited).toBeInstanceOf(BillingEventCustomerPendingError);
    expect(waited).not.toBeInstanceOf(BillingEventError);
    expect(waited).toMatchObject({ reason: 'customer_not_on_file', customer: 'cus_Nobody01' });
    const giveUp = (waited as BillingEventCustomerPendingError).giveUp;
    expect(giveUp.reason).toBe('unknown_tenant');
    expect(giveUp.message).toMatch(/its customer cus_Nobody01 is in no billing\.yaml: nothing was recorded/);
  });
});
