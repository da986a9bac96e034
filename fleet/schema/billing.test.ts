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
  });

  it('refuses an unknown status and unknown Stripe ids', () => {
    expect(issues({ ...billing(), status: 'paused' })).toEqual(['status: Invalid option: expected one of "active"|"past_due"|"suspended"|"cancelled"']);
    expect(issues({ ...billing(), stripe: { customerId: 'cust_1' } })).toEqual(['stripe.customerId: must be a Stripe customer id (cus_...)']);
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
