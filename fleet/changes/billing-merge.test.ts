import { describe, expect, it } from 'vitest';
import { toYaml } from '../serialize.js';
import { BillingManifest, type FailedInvoice, type StripeSubscription } from '../schema/index.js';
import { deriveStatus, mergeBilling, newBilling } from './billing-merge.js';
import type { BillingRecordFields } from './request.js';

const NOW = '2026-06-01T00:00:00Z';
const usd = (amount: number) => ({ amount, currency: 'usd' });
const period = (id: string, start: string, end: string) => ({ id, start, end, source: 'stripe' as const, amount: usd(500) });
const failed = (id: string, at: string, periodEnd: string): FailedInvoice => ({ id, at, periodEnd, amount: usd(500) });
const sub = (over: Partial<StripeSubscription> = {}): StripeSubscription => ({
  id: 'sub_A1',
  customerId: 'cus_A1',
  status: 'active',
  cancelAtPeriodEnd: false,
  asOf: '2026-03-01T00:00:00Z',
  ...over,
});

const P1 = period('in_1', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z');
const P2 = period('in_2', '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z');
const P3 = period('in_3', '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
const paidOnce = newBilling({ periods: [P1] }, NOW);

const fold = (records: readonly BillingRecordFields[], from = paidOnce) => records.reduce((b, r) => mergeBilling(b, r, NOW), from);

/** Every order of a list (small lists only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('mergeBilling: facts are sets, in any order', () => {
  const records: BillingRecordFields[] = [
    { periods: [P2] },
    { failedInvoices: [failed('in_3', '2026-05-01T01:00:00Z', '2026-06-01T00:00:00Z')] },
    { failedInvoices: [failed('in_3', '2026-05-04T01:00:00Z', '2026-06-01T00:00:00Z')] },
    { periods: [P3] },
    { subscriptions: [sub({ status: 'past_due', asOf: '2026-05-01T01:00:00Z' })] },
    { subscriptions: [sub({ cancelAtPeriodEnd: true, asOf: '2026-05-10T00:00:00Z' })] },
    { refunds: [{ id: 'ch_2', at: '2026-05-11T00:00:00Z', amount: usd(100) }] },
    { refunds: [{ id: 'ch_2', at: '2026-05-12T00:00:00Z', amount: usd(300) }] },
  ];
  const expected = toYaml(fold(records));

  it('every order of the records, each given twice, gives the same YAML', () => {
    // 8! orders is 40k folds: every 97th order is enough to mix them well.
    permutations(records)
      .filter((_, i) => i % 97 === 0)
      .forEach((order) => expect(toYaml(fold([...order, ...order.slice().reverse()]))).toBe(expected));
  });

  it('keeps the first failure of an invoice, the latest report of a subscription, the largest refund total', () => {
    expect(fold(records)).toEqual({
      status: 'active',
      paidThrough: '2026-06-01T00:00:00Z',
      autoRenew: false,
      stripe: { customerId: 'cus_A1', subscriptionId: 'sub_A1' },
      periods: [P1, P2, P3],
      failedInvoices: [failed('in_3', '2026-05-01T01:00:00Z', '2026-06-01T00:00:00Z')],
      subscriptions: [sub({ cancelAtPeriodEnd: true, asOf: '2026-05-10T00:00:00Z' })],
      refunds: [{ id: 'ch_2', at: '2026-05-12T00:00:00Z', amount: usd(300) }],
    });
    expect(BillingManifest.safeParse(fold(records)).success).toBe(true);
  });

  it('an ended subscription stays ended, even when an older report arrives after', () => {
    const ended = fold([{ subscriptions: [sub({ status: 'canceled', asOf: '2026-05-01T00:00:00Z' })] }, { subscriptions: [sub({ asOf: '2026-05-20T00:00:00Z' })] }]);
    expect(ended.subscriptions.map((s) => s.status)).toEqual(['canceled']);
    expect(ended.autoRenew).toBe(false);
  });

  it('within the same second, a subscription past "incomplete" wins', () => {
    const same = '2026-05-01T00:00:00Z';
    for (const order of permutations([sub({ status: 'incomplete', asOf: same }), sub({ asOf: same })])) {
      expect(fold(order.map((s) => ({ subscriptions: [s] }))).subscriptions[0]?.status).toBe('active');
    }
  });

  it('the Stripe ids and auto-renewal follow the current subscription: a renewing one over an ended one', () => {
    const b = fold([{ subscriptions: [sub({ status: 'canceled', asOf: '2026-05-01T00:00:00Z' })] }, { subscriptions: [sub({ id: 'sub_B2', customerId: 'cus_B2', asOf: '2026-04-01T00:00:00Z' })] }]);
    expect(b).toMatchObject({ autoRenew: true, stripe: { customerId: 'cus_B2', subscriptionId: 'sub_B2' } });
    expect(b.subscriptions.map((s) => s.id)).toEqual(['sub_A1', 'sub_B2']);
  });

  it('without subscriptions, explicit Stripe ids and auto-renewal are taken as given', () => {
    expect(fold([{ stripe: { customerId: 'cus_X1' }, autoRenew: true }])).toMatchObject({ stripe: { customerId: 'cus_X1' }, autoRenew: true });
  });

  it('a payment recorded again keeps its first recording', () => {
    expect(fold([{ periods: [{ ...P1, amount: usd(1) }] }]).periods).toEqual([P1]);
  });
});

describe('deriveStatus: the status rule', () => {
  const facts = (over: Partial<Parameters<typeof deriveStatus>[1]> = {}) => ({ periods: [P1], failedInvoices: [], paidThrough: P1.end, ...over });
  const unpaid = failed('in_2', '2026-04-01T01:00:00Z', P2.end);
  const held = (status: 'past_due' | 'suspended' | 'cancelled') => ({ status, statusReason: 'by hand', statusSince: '2026-04-05T00:00:00Z', paidThrough: P1.end });
  const active = { status: 'active' as const, paidThrough: P1.end };

  it.each([
    ['facts alone, nothing unpaid → active, no reason or since', active, facts(), undefined, { status: 'active' }],
    ['a failed invoice not paid → past_due since its first failure', active, facts({ failedInvoices: [unpaid] }), undefined, { status: 'past_due', statusReason: 'payment of invoice in_2 failed', statusSince: unpaid.at }],
    ['the failed invoice paid → active again', { ...active, status: 'past_due' as const }, facts({ periods: [P1, P2], failedInvoices: [unpaid], paidThrough: P2.end }), undefined, { status: 'active' }],
    ['a failed invoice covered by a later payment → active', active, facts({ periods: [P1, period('man_1', P1.end, P3.end)], failedInvoices: [unpaid], paidThrough: P3.end }), undefined, { status: 'active' }],
    ['suspended is kept while paid-through stands', held('suspended'), facts({ failedInvoices: [unpaid] }), undefined, { status: 'suspended', statusReason: 'by hand', statusSince: '2026-04-05T00:00:00Z' }],
    ['suspended is lifted by a payment that moves paid-through', held('suspended'), facts({ periods: [P1, P2], paidThrough: P2.end }), undefined, { status: 'active' }],
    ['cancelled is lifted by a payment too', held('cancelled'), facts({ periods: [P1, P2], paidThrough: P2.end }), undefined, { status: 'active' }],
    ['a payment that does not reach past paid-through lifts nothing', held('suspended'), facts({ periods: [period('in_0', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'), P1] }), undefined, { status: 'suspended', statusReason: 'by hand', statusSince: '2026-04-05T00:00:00Z' }],
    ['the clock\u2019s past_due is kept until paid', held('past_due'), facts(), undefined, { status: 'past_due', statusReason: 'by hand', statusSince: '2026-04-05T00:00:00Z' }],
    ['the clock\u2019s past_due takes a failure\u2019s reason once one explains it', held('past_due'), facts({ failedInvoices: [unpaid] }), undefined, { status: 'past_due', statusReason: 'payment of invoice in_2 failed', statusSince: unpaid.at }],
    ['a request to suspend holds from now', active, facts(), { value: 'suspended' as const, reason: 'abuse' }, { status: 'suspended', statusReason: 'abuse', statusSince: NOW }],
    ['a request for the status already held keeps its date', held('suspended'), facts(), { value: 'suspended' as const, reason: 'again' }, { status: 'suspended', statusReason: 'by hand', statusSince: '2026-04-05T00:00:00Z' }],
    ['a resume lifts the hold; the facts apply again', held('suspended'), facts({ failedInvoices: [unpaid] }), { value: 'active' as const, reason: 'resumed' }, { status: 'past_due', statusReason: 'payment of invoice in_2 failed', statusSince: unpaid.at }],
  ])('%s', (_, previous, f, request, want) => {
    expect(deriveStatus(previous, f, request, NOW)).toEqual(want);
  });

  it('a new tenant is active with no date: "active" never depends on when payments were learned', () => {
    expect(newBilling({}, NOW)).toEqual({ status: 'active', paidThrough: null, autoRenew: false, periods: [], failedInvoices: [], subscriptions: [], refunds: [] });
    expect(newBilling({ status: { value: 'suspended', reason: 'imported' } }, NOW)).toMatchObject({ status: 'suspended', statusSince: NOW });
  });
});
