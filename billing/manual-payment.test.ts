import { describe, expect, it } from 'vitest';
import { buildChange, ChangeRequest, type ChangeRequestInput } from '../fleet/changes/index.js';
import { applyEdits } from '../fleet/edits.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { ADMIN_ID, DEDICATED_TENANT, fleetFiles, sealValue, SHARED_TENANT, snapshot, TEST_RECIPIENT, validFleetManifests, type FleetManifests } from '../test/fleet-fixtures.js';
import type { PendingOrder } from './contract.js';
import { addCalendarMonth, type ManualApproval, ManualPaymentError, manualPaymentChange, type ManualPaymentFacts, type ManualPaymentReason } from './manual-payment.js';

// The fixture is built around 2026-03-15: alpha-shop is paid through 2026-04-04.
const NOW = new Date('2026-03-15T09:30:12.345Z');
const admin = { id: ADMIN_ID, username: 'ada' };

function fleetOf(edit?: (m: FleetManifests) => void): { fleet: Fleet; files: Map<string, string> } {
  const m = validFleetManifests();
  edit?.(m);
  const files = fleetFiles(m);
  const loaded = loadFleet(snapshot(files));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { fleet: loaded.fleet, files };
}
const fixture = fleetOf();

const renewal: ManualPaymentFacts = { id: 7, tenant: SHARED_TENANT, telegramUserId: 200_001, kind: 'renewal', amount: 500, currency: 'USD' };
const purchase: ManualPaymentFacts = { id: 8, tenant: 'echo-shop', telegramUserId: 300_008, kind: 'purchase', amount: 500, currency: 'usd' };
const order: PendingOrder = {
  tenant: 'echo-shop',
  telegramUserId: 300_008,
  telegramUsername: 'echo_owner',
  plan: 'basic',
  modules: [{ name: 'core', version: '1.1.0' }, { name: 'welcome' }],
  chats: [{ id: -1_009_000_000_001, type: 'channel', title: 'Echo news' }],
  secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, '7000000009:AAH_echo-shop_test_token_0123456789') },
  createdAt: '2026-03-15T09:00:00Z',
};

const approve = (over: Partial<ManualApproval> = {}) => manualPaymentChange({ payment: renewal, admin, fleet: fixture.fleet, order: null, now: NOW, ...over });

/** The fleet after a change, validated by loading it as submit would. */
function applied(change: ChangeRequestInput, on = fixture): Fleet {
  const plan = buildChange({ fleet: on.fleet, files: on.files, now: NOW.toISOString() }, ChangeRequest.parse(change));
  const after = loadFleet(applyEdits(snapshot(on.files), plan.edits));
  if (!after.ok) throw new Error(after.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
  return after.fleet;
}

function refusal(fn: () => unknown): ManualPaymentReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof ManualPaymentError) return error.reason;
    throw error;
  }
  throw new Error('expected a ManualPaymentError');
}

describe('manual payment approval → fleet change', () => {
  it('renews from paid-through when paid early: one calendar month, naming the admin, with a deterministic id', () => {
    const plan = approve();
    expect(plan.status).toBe('change');
    if (plan.status !== 'change') return;
    const period = { id: 'manual:7', start: '2026-04-04T00:00:00Z', end: '2026-05-04T00:00:00Z', source: 'manual', amount: { amount: 500, currency: 'usd' }, approvedBy: ADMIN_ID };
    expect(plan.period).toEqual(period);
    expect(plan.change).toMatchObject({ id: 'manual-payment:7', kind: 'billing.record', slug: SHARED_TENANT, requestedBy: { type: 'admin', userId: ADMIN_ID, username: 'ada' }, record: { periods: [period] } });
    const billing = applied(plan.change).tenants.get(SHARED_TENANT)!.billing;
    expect(billing.paidThrough).toBe('2026-05-04T00:00:00Z');
    expect(billing.periods.map((p) => p.id)).toEqual(['in_alpha_0001', 'manual:7']);
    // The same inputs give the same change: a retry is the same PR.
    expect(approve()).toEqual(plan);
  });

  it('renews from now, at whole seconds, when paid-through has passed', () => {
    const later = new Date('2026-06-01T12:00:00.900Z');
    const plan = approve({ now: later });
    expect(plan.period).toMatchObject({ start: '2026-06-01T12:00:00Z', end: '2026-07-01T12:00:00Z' });
  });

  it('answers `recorded` with the period main holds once the payment is on main, whatever paid-through says now', () => {
    const first = approve();
    if (first.status !== 'change') throw new Error('expected a change');
    const after = applied(first.change);
    const again = approve({ fleet: after, now: new Date('2026-03-16T00:00:00Z') });
    expect(again).toEqual({ status: 'recorded', period: first.period });
  });

  it('refuses a renewal of a tenant that is not in the fleet', () => {
    expect(refusal(() => approve({ payment: { ...renewal, tenant: 'nobody-here' } }))).toBe('unknown_tenant');
  });

  it('creates a bought tenant from its pending order, with the paid period from now', () => {
    const plan = manualPaymentChange({ payment: purchase, admin, fleet: fixture.fleet, order, now: NOW });
    if (plan.status !== 'change') throw new Error('expected a change');
    expect(plan.change).toMatchObject({
      id: 'manual-payment:8',
      kind: 'tenant.create',
      slug: 'echo-shop',
      owner: { telegramUserId: 300_008, username: 'echo_owner' },
      plan: 'basic',
      modules: [{ name: 'core', version: '1.1.0' }, { name: 'welcome' }],
      chats: order.chats,
      secrets: order.secrets,
    });
    expect(plan.period).toMatchObject({ id: 'manual:8', start: '2026-03-15T09:30:12Z', end: '2026-04-15T09:30:12Z', approvedBy: ADMIN_ID });
    const created = applied(plan.change).tenants.get('echo-shop')!;
    expect(created.tenant.owner.telegramUserId).toBe(300_008);
    expect(created.billing).toMatchObject({ status: 'active', paidThrough: '2026-04-15T09:30:12Z', periods: [plan.period] });
    expect(Object.keys(created.tenant.modules).sort()).toEqual(['core', 'welcome']);
  });

  it('refuses a purchase without a matching order, or whose name is taken by another tenant', () => {
    const buy = (over: Partial<ManualApproval>) => () => manualPaymentChange({ payment: purchase, admin, fleet: fixture.fleet, order, now: NOW, ...over });
    expect(refusal(buy({ order: null }))).toBe('missing_order');
    expect(refusal(buy({ order: { ...order, tenant: 'other-shop' } }))).toBe('missing_order');
    expect(refusal(buy({ order: { ...order, telegramUserId: 300_009 } }))).toBe('order_mismatch');
    expect(refusal(buy({ payment: { ...purchase, tenant: DEDICATED_TENANT }, order: { ...order, tenant: DEDICATED_TENANT } }))).toBe('tenant_taken');
  });

  it('answers `recorded` for a purchase whose tenant main already created from it', () => {
    const plan = manualPaymentChange({ payment: purchase, admin, fleet: fixture.fleet, order, now: NOW });
    if (plan.status !== 'change') throw new Error('expected a change');
    const after = { fleet: applied(plan.change), files: fixture.files };
    expect(manualPaymentChange({ payment: purchase, admin, fleet: after.fleet, order, now: new Date('2026-03-20T00:00:00Z') })).toEqual({ status: 'recorded', period: plan.period });
  });

  it('refuses what would not be a valid change, with the field named', () => {
    const error = (() => {
      try {
        approve({ payment: { ...renewal, currency: 'dollars' } });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ManualPaymentError);
    expect((error as ManualPaymentError).reason).toBe('invalid_change');
    expect((error as ManualPaymentError).message).toMatch(/record\.periods\.0\.amount\.currency/);
  });
});

describe('addCalendarMonth', () => {
  it('keeps the day and time, and clamps to the last day of a shorter month', () => {
    expect(addCalendarMonth('2026-03-15T09:30:00Z')).toBe('2026-04-15T09:30:00Z');
    expect(addCalendarMonth('2026-01-31T10:00:00Z')).toBe('2026-02-28T10:00:00Z');
    expect(addCalendarMonth('2028-01-31T10:00:00Z')).toBe('2028-02-29T10:00:00Z');
    expect(addCalendarMonth('2026-12-20T00:00:00Z')).toBe('2027-01-20T00:00:00Z');
    expect(addCalendarMonth('2026-08-31T23:59:59Z')).toBe('2026-09-30T23:59:59Z');
  });
});
