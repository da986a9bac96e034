import { describe, expect, it } from 'vitest';
import { ADMIN_ID, DEDICATED_TENANT, SHARED_TENANT, validFleetManifests } from '../../test/fleet-fixtures.js';
import { BillingManifest, PaidPeriod, paidThroughOf } from './billing.js';
import { refusalIssues } from '../../test/schema-issues.js';

const billing = (slug = DEDICATED_TENANT) => {
  const b = validFleetManifests().tenants[slug]?.billing;
  if (!b) throw new Error(`fixture has no tenant ${slug}`);
  return b;
};
const period = { id: 'in_0001', start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z', source: 'stripe', amount: { amount: 500, currency: 'usd' } };

const issues = (value: unknown): string[] => refusalIssues(BillingManifest, value, 'billing.yaml');

describe('BillingManifest', () => {
  it('accepts both fixture tenants and fills defaults', () => {
    const b = BillingManifest.parse(billing());
    expect(b.autoRenew).toBe(false);
    expect(b.refunds).toEqual([]);
    expect(b.periods.map((p) => p.source)).toEqual(['manual', 'stripe']);
    expect(BillingManifest.parse(billing(SHARED_TENANT)).stripe).toEqual({ customerId: 'cus_Alpha001', subscriptionId: 'sub_Alpha001' });
  });

  it('a tenant that never paid is paid through null', () => {
    expect(BillingManifest.parse({ status: 'cancelled', paidThrough: null })).toMatchObject({ paidThrough: null, periods: [] });
    expect(issues({ status: 'active', paidThrough: '2026-04-01T00:00:00Z' })).toEqual([
      'paidThrough: must be the latest end of the paid periods (null: no periods)',
    ]);
  });

  it('paidThrough is the latest end of the periods, whatever their order', () => {
    const b = billing();
    expect(issues({ ...b, paidThrough: b.periods?.[0]?.end })).toEqual(['paidThrough: must be the latest end of the paid periods (2026-03-30T00:00:00Z)']);
    expect(BillingManifest.parse({ ...b, periods: [...(b.periods ?? [])].reverse() }).paidThrough).toBe('2026-03-30T00:00:00Z');
  });

  it('paidThrough is compared as a time, not as text', () => {
    const b = billing();
    // Same instant, written with milliseconds: consistent.
    expect(BillingManifest.parse({ ...b, paidThrough: '2026-03-30T00:00:00.000Z' }).paidThrough).toBe('2026-03-30T00:00:00.000Z');
    // Half a second later sorts *before* "...00Z" as text; as a time it is the latest end.
    const later = { ...period, id: 'in_0002', start: '2026-03-30T00:00:00Z', end: '2026-03-30T00:00:00.500Z' };
    expect(paidThroughOf([...(b.periods ?? []), later])).toBe('2026-03-30T00:00:00.500Z');
    expect(issues({ ...b, periods: [...(b.periods ?? []), later] })).toEqual([
      'paidThrough: must be the latest end of the paid periods (2026-03-30T00:00:00.500Z)',
    ]);
  });

  it('refuses the same payment recorded twice, at the second one', () => {
    expect(issues({ status: 'active', paidThrough: '2026-05-01T00:00:00Z', periods: [period, { ...period, start: '2026-04-01T00:00:00Z', end: '2026-05-01T00:00:00Z' }] })).toEqual([
      'periods.1.id: payment in_0001 is recorded twice',
    ]);
    const failure = { id: 'in_0002', at: '2026-04-01T01:00:00Z', periodEnd: '2026-05-01T00:00:00Z', amount: { amount: 500, currency: 'usd' } };
    expect(issues({ status: 'past_due', paidThrough: null, failedInvoices: [failure, { ...failure, at: '2026-04-02T00:00:00Z' }] })).toEqual([
      'failedInvoices.1.id: failed invoice in_0002 is recorded twice',
    ]);
  });

  it('refuses an unknown status and unknown Stripe ids', () => {
    expect(issues({ ...billing(), status: 'paused' })).toEqual(['status: Invalid option: expected one of "active"|"past_due"|"suspended"|"cancelled"']);
    expect(issues({ ...billing(), stripe: { customerId: 'cust_1' } })).toEqual(['stripe.customerId: must be a Stripe customer id (cus_...)']);
  });
});

describe('BillingManifest: status and subscriptions agree with the facts', () => {
  const failure = { id: 'in_0002', at: '2026-04-01T01:00:00Z', periodEnd: '2026-05-01T00:00:00Z', amount: { amount: 500, currency: 'usd' } };
  const paidMarch = { status: 'active', paidThrough: period.end, periods: [period] };
  const sub = { id: 'sub_A1', customerId: 'cus_A1', status: 'active', asOf: '2026-03-01T00:00:00Z' };

  it('refuses "active" while a failed invoice is unpaid, and accepts past_due then', () => {
    expect(issues({ ...paidMarch, failedInvoices: [failure] })).toEqual(['status: cannot be active while invoice in_0002 is unpaid (past_due, or record its payment)']);
    expect(BillingManifest.parse({ ...paidMarch, status: 'past_due', failedInvoices: [failure] }).failedInvoices).toEqual([failure]);
    // Suspended or cancelled by a person: the failure does not contradict it.
    expect(BillingManifest.safeParse({ ...paidMarch, status: 'suspended', failedInvoices: [failure] }).success).toBe(true);
  });

  it('a failed invoice is settled by its payment, or by paid-through reaching its period end', () => {
    const paid = { ...period, id: 'in_0002', start: period.end, end: failure.periodEnd };
    expect(BillingManifest.safeParse({ status: 'active', paidThrough: paid.end, periods: [period, paid], failedInvoices: [failure] }).success).toBe(true);
    const covering = { ...period, id: 'man_0003', source: 'manual', approvedBy: ADMIN_ID, start: period.end, end: '2026-06-01T00:00:00Z' };
    expect(BillingManifest.safeParse({ status: 'active', paidThrough: covering.end, periods: [period, covering], failedInvoices: [failure] }).success).toBe(true);
  });

  it('with subscriptions on file, the Stripe ids and auto-renewal are the current subscription\u2019s', () => {
    expect(BillingManifest.parse({ ...paidMarch, autoRenew: true, stripe: { customerId: 'cus_A1', subscriptionId: 'sub_A1' }, subscriptions: [sub] }).subscriptions).toEqual([{ ...sub, cancelAtPeriodEnd: false }]);
    expect(issues({ ...paidMarch, autoRenew: false, stripe: { customerId: 'cus_A1', subscriptionId: 'sub_B2' }, subscriptions: [sub] })).toEqual([
      'stripe: must name the current subscription (customerId cus_A1, subscriptionId sub_A1)',
      'autoRenew: must be true: subscription sub_A1 is active',
    ]);
    expect(issues({ ...paidMarch, autoRenew: true, stripe: { customerId: 'cus_A1', subscriptionId: 'sub_A1' }, subscriptions: [{ ...sub, cancelAtPeriodEnd: true }] })).toEqual([
      'autoRenew: must be false: subscription sub_A1 is active, cancelling',
    ]);
  });

  it('refuses a subscription status Stripe does not have', () => {
    expect(issues({ ...paidMarch, stripe: { customerId: 'cus_A1', subscriptionId: 'sub_A1' }, subscriptions: [{ ...sub, status: 'frozen' }] })[0]).toMatch(/^subscriptions\.0\.status: Invalid option/);
  });
});

describe('PaidPeriod', () => {
  const periodIssues = (value: unknown) => PaidPeriod.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('accepts a Stripe period, and a manual one with its approver', () => {
    expect(PaidPeriod.parse(period)).toEqual(period);
    expect(PaidPeriod.parse({ ...period, source: 'manual', approvedBy: ADMIN_ID }).approvedBy).toBe(ADMIN_ID);
  });

  it.each([
    ['ends when it starts', { end: period.start }],
    ['ends before it starts', { start: period.end, end: period.start }],
    ['ends half a second before it starts (text order says after)', { start: '2026-03-01T00:00:00.500Z', end: '2026-03-01T00:00:00Z' }],
  ])('refuses a period that %s', (_, patch) => {
    expect(periodIssues({ ...period, ...patch })).toEqual(['end: end must be after start']);
  });

  it('refuses a manual payment that names no approving admin', () => {
    expect(periodIssues({ ...period, source: 'manual' })).toEqual(['approvedBy: a manual payment names the admin who approved it']);
  });

  it('refuses a payment reference with spaces or slashes', () => {
    expect(periodIssues({ ...period, id: 'in 0001' })).toEqual(['id: must be a payment reference of letters, digits and _:.-']);
    expect(periodIssues({ ...period, id: '../x' })).toEqual(['id: must be a payment reference of letters, digits and _:.-']);
  });
});
