import { describe, expect, it } from 'vitest';
import type { ChangeRequestInput } from '../../fleet/changes/index.js';
import { loadFleet } from '../../fleet/load/index.js';
import type { Fleet } from '../../fleet/model.js';
import { ADMIN_ID, SHARED_TENANT, snapshot, validFleetFiles } from '../../test/fleet-fixtures.js';
import { messagesForEvent } from './stripe-messages.js';

const loaded = loadFleet(snapshot(validFleetFiles()));
if (!loaded.ok) throw new Error('the fixture fleet does not load');
const fleet: Fleet = loaded.fleet;

const record: ChangeRequestInput = {
  kind: 'billing.record',
  id: 'stripe:evt_1',
  slug: SHARED_TENANT,
  requestedBy: { type: 'stripe', eventId: 'evt_1' },
  record: { status: { value: 'past_due', reason: 'payment failed' } },
};
const event = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', type, payload: { id: 'evt_1', type, data: { object } } });

describe('messagesForEvent', () => {
  it('tells the owner of a failed payment, keyed by the event', () => {
    expect(messagesForEvent(event('invoice.payment_failed', { amount_due: 500, currency: 'usd', customer: 'cus_Alpha001' }), fleet, [record], [])).toEqual([
      {
        dedupeKey: 'stripe:evt_1:payment_failed',
        telegramUserId: 200_001,
        kind: 'billing.payment_failed',
        payload: { tenant: SHARED_TENANT, eventId: 'evt_1', amountDue: { amount: 500, currency: 'usd' } },
      },
    ]);
  });

  it("tells every admin of a refund, fleet.yaml's and ADMIN_TELEGRAM_IDS', once each, and nothing of the card", () => {
    const refund = event('charge.refunded', { amount_refunded: 500, currency: 'usd', payment_method_details: { card: { last4: '4242' } } });
    const messages = messagesForEvent(refund, fleet, [record], [300_003, ADMIN_ID]);
    expect(messages).toEqual([ADMIN_ID, 300_003].map((admin) => ({
      dedupeKey: `stripe:evt_1:refund:${admin}`,
      telegramUserId: admin,
      kind: 'admin.refund',
      payload: { tenant: SHARED_TENANT, eventId: 'evt_1', refunded: { amount: 500, currency: 'usd' } },
    })));
    expect(JSON.stringify(messages)).not.toContain('4242');
  });

  const checkout = (metadata: Record<string, string>, reference: string | null = 'charlie-cafe') =>
    event('checkout.session.completed', { id: 'cs_test_1', client_reference_id: reference, metadata, customer: 'cus_Charlie01', payment_status: 'paid' });
  const create: ChangeRequestInput = {
    kind: 'tenant.create',
    id: 'stripe:evt_1',
    slug: 'charlie-cafe',
    requestedBy: { type: 'stripe', eventId: 'evt_1' },
    owner: { telegramUserId: 200_003 },
    plan: 'basic',
  };

  it('tells the buyer of a paid purchase that setup has begun, once per event', () => {
    const paid = checkout({ tenant: 'charlie-cafe', telegram_user_id: '200003', plan: 'basic', kind: 'purchase' });
    expect(messagesForEvent(paid, fleet, [create], [ADMIN_ID])).toEqual([
      { dedupeKey: 'stripe:evt_1:paid', telegramUserId: 200_003, kind: 'purchase.paid', payload: { tenant: 'charlie-cafe' } },
    ]);
    // The tenant named only in metadata is found as well.
    expect(messagesForEvent(checkout({ tenant: 'charlie-cafe', kind: 'purchase' }, null), fleet, [create], [])[0]?.telegramUserId).toBe(200_003);
  });

  it("tells the owner on main when a retry makes no tenant.create (the tenant reached main on the first try)", () => {
    const paid = checkout({ tenant: SHARED_TENANT, kind: 'purchase' }, SHARED_TENANT);
    expect(messagesForEvent(paid, fleet, [], [])).toEqual([
      { dedupeKey: 'stripe:evt_1:paid', telegramUserId: 200_001, kind: 'purchase.paid', payload: { tenant: SHARED_TENANT } },
    ]);
  });

  it.each([
    ['a renewal Checkout', checkout({ tenant: SHARED_TENANT, kind: 'renewal' }, SHARED_TENANT), [record]],
    ['a module Checkout', checkout({ tenant: SHARED_TENANT, kind: 'module' }, SHARED_TENANT), [record]],
    ['a purchase of a tenant neither created nor on main', checkout({ tenant: 'zulu-nobody', kind: 'purchase' }, 'zulu-nobody'), []],
  ] as const)('queues no purchase message for %s', (_name, e, changes) => {
    expect(messagesForEvent(e, fleet, changes, [ADMIN_ID])).toEqual([]);
  });

  it.each([
    ['another event type', event('invoice.paid', { amount_paid: 500, currency: 'usd' }), [record]],
    ['no change naming a tenant', event('charge.refunded', { amount_refunded: 500, currency: 'usd' }), []],
    ['a tenant not in the fleet', event('invoice.payment_failed', {}), [{ ...record, slug: 'zulu-nobody' }]],
  ] as const)('queues nothing for %s', (_name, e, changes) => {
    expect(messagesForEvent(e, fleet, changes, [])).toEqual([]);
  });
});
