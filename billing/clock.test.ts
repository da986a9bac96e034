import { describe, expect, it } from 'vitest';
import { buildChange, ChangeRequest } from '../fleet/changes/index.js';
import { applyEdits } from '../fleet/edits.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet, FleetFiles } from '../fleet/model.js';
import { mergeModeOf } from '../fleet/policy.js';
import { ADMIN_ID, DEDICATED_TENANT, fleetFiles, SHARED_TENANT, snapshot, validFleetManifests, type FleetManifests } from '../test/fleet-fixtures.js';
import { clockDecisions } from './clock.js';
import type { ClockDecisions } from './contract.js';

/** bravo-news: paid through 2026-03-30, no auto-renewal, owner 200002. alpha-shop: auto-renews, through 2026-04-04. */
const PAID = '2026-03-30T00:00:00Z';
const DAY = 86_400_000;
const at = (days: number, ms = 0) => new Date(Date.parse(PAID) + days * DAY + ms).toISOString();

function filesOf(edit?: (m: FleetManifests) => void): FleetFiles {
  const m = validFleetManifests();
  edit?.(m);
  return fleetFiles(m);
}
function load(files: FleetFiles): Fleet {
  const loaded = loadFleet(snapshot(files));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
  return loaded.fleet;
}
const only = (d: ClockDecisions, slug: string) => ({
  changes: d.changes.filter((c) => 'slug' in c && c.slug === slug),
  reminders: d.reminders.filter((r) => r.tenant === slug),
});
const bravo = (fleet: Fleet, now: string) => only(clockDecisions(fleet, now), DEDICATED_TENANT);

/** Applies the clock's changes as an auto-merging submit would (deletions stay open: not applied). */
function applyClock(files: FleetFiles, now: string): FleetFiles {
  const fleet = load(files);
  let next = files;
  for (const input of clockDecisions(fleet, now).changes) {
    const cr = ChangeRequest.parse(input);
    if (mergeModeOf(fleet.config, cr.kind) === 'review') continue;
    next = applyEdits(snapshot(next), buildChange({ fleet: load(next), files: next, now }, cr).edits).files;
  }
  load(next);
  return next;
}

describe('clockDecisions: reminders', () => {
  it('reminds 7, 3 and 1 days before paid-through, each once however often the clock runs', () => {
    const fleet = load(filesOf());
    const firstSeen = new Map<string, { at: string; daysLeft: number | undefined }>();
    // Every 5 minutes from 10 days before until paid-through.
    for (let t = Date.parse(at(-10)); t <= Date.parse(PAID); t += 5 * 60_000) {
      for (const r of bravo(fleet, new Date(t).toISOString()).reminders) {
        if (!firstSeen.has(r.dedupeKey)) firstSeen.set(r.dedupeKey, { at: new Date(t).toISOString(), daysLeft: r.daysLeft });
      }
    }
    expect([...firstSeen]).toEqual([
      [`billing.reminder:bravo-news:${PAID}:7`, { at: at(-7), daysLeft: 7 }],
      [`billing.reminder:bravo-news:${PAID}:3`, { at: at(-3), daysLeft: 3 }],
      [`billing.reminder:bravo-news:${PAID}:1`, { at: at(-1), daysLeft: 1 }],
    ]);
    expect(bravo(fleet, at(-1)).reminders).toEqual([
      { dedupeKey: `billing.reminder:bravo-news:${PAID}:1`, telegramUserId: 200_002, tenant: DEDICATED_TENANT, kind: 'billing.reminder', paidThrough: PAID, daysLeft: 1 },
    ]);
  });

  it('sends none while a subscription renews by itself, nor to a tenant never billed', () => {
    const fleet = load(filesOf((m) => (m.tenants[DEDICATED_TENANT]!.billing = { status: 'active', paidThrough: null })));
    // alpha-shop, paid through 2026-04-04: its 7, 3 and 1 days before, and its days of grace.
    for (const days of [-2, 2, 4, 5, 6]) expect(only(clockDecisions(fleet, at(days)), SHARED_TENANT).reminders).toEqual([]);
    for (const days of [-7, 1, 4, 60]) expect(bravo(fleet, at(days))).toEqual({ changes: [], reminders: [] });
  });

  it('follows fleet.yaml: other reminder days', () => {
    const fleet = load(filesOf((m) => (m.fleet.billing = { reminderDays: [5], graceDays: 3 })));
    expect(bravo(fleet, at(-6)).reminders).toEqual([]);
    expect(bravo(fleet, at(-5)).reminders.map((r) => r.dedupeKey)).toEqual([`billing.reminder:bravo-news:${PAID}:5`]);
  });
});

describe('clockDecisions: past due, suspended, deleted', () => {
  const clock = { type: 'system', component: 'billing-clock' };

  it('moves an active tenant to past_due once paid-through has passed, not before', () => {
    const fleet = load(filesOf());
    expect(bravo(fleet, PAID).changes).toEqual([]);
    const day = bravo(fleet, at(1));
    expect(day.changes).toEqual([
      {
        id: `clock:bravo-news:${PAID}:past_due`,
        kind: 'billing.record',
        requestedBy: clock,
        reason: `paid through ${PAID} has passed`,
        slug: DEDICATED_TENANT,
        record: { status: { value: 'past_due', reason: `paid through ${PAID} has passed` } },
      },
    ]);
    expect(day.reminders.map((r) => r.dedupeKey)).toEqual([`billing.past_due:bravo-news:${PAID}`]);
    // Another tick asks for the same change, by the same id.
    expect(bravo(fleet, at(0, 1)).changes).toEqual(day.changes);
    expect(bravo(fleet, at(2)).changes).toEqual(day.changes);
  });

  it('a tenant that auto-renews goes past due too, but is not told before Stripe has tried', () => {
    const alpha = only(clockDecisions(load(filesOf()), '2026-04-04T00:00:01Z'), SHARED_TENANT);
    expect(alpha.changes.map((c) => c.id)).toEqual(['clock:alpha-shop:2026-04-04T00:00:00Z:past_due']);
    expect(alpha.reminders).toEqual([]);
  });

  it('suspends after the grace days, with a reminder to renew', () => {
    const fleet = load(filesOf());
    expect(bravo(fleet, at(3)).changes.map((c) => c.id)).toEqual([`clock:bravo-news:${PAID}:past_due`]);
    const after = bravo(fleet, at(3, 1));
    expect(after.changes).toEqual([
      {
        id: `clock:bravo-news:${PAID}:suspended`,
        kind: 'billing.record',
        requestedBy: clock,
        reason: `paid through ${PAID} plus 3 grace days has passed`,
        slug: DEDICATED_TENANT,
        record: { status: { value: 'suspended', reason: `paid through ${PAID} plus 3 grace days has passed` } },
      },
    ]);
    expect(after.reminders).toEqual([{ dedupeKey: `billing.suspended:bravo-news:${PAID}`, telegramUserId: 200_002, tenant: DEDICATED_TENANT, kind: 'billing.suspended', paidThrough: PAID }]);
  });

  it('walks a tenant through past_due, suspended and a deletion left for review; each move once', () => {
    let files = filesOf();
    files = applyClock(files, at(1));
    expect(load(files).tenants.get(DEDICATED_TENANT)?.billing).toMatchObject({ status: 'past_due', statusReason: `paid through ${PAID} has passed`, statusSince: at(1) });
    expect(bravo(load(files), at(2)).changes).toEqual([]);
    files = applyClock(files, at(4));
    expect(load(files).tenants.get(DEDICATED_TENANT)?.billing).toMatchObject({ status: 'suspended', statusSince: at(4) });
    expect(bravo(load(files), at(20)).changes).toEqual([]);
    expect(bravo(load(files), at(20)).reminders.map((r) => r.kind)).toEqual(['billing.suspended']);
    // Retention counts from the suspension: 30 days after day 4.
    expect(bravo(load(files), at(34)).changes).toEqual([]);
    const due = bravo(load(files), at(34, 1)).changes;
    expect(due).toEqual([{ id: `clock:bravo-news:${PAID}:delete`, kind: 'tenant.delete', requestedBy: clock, slug: DEDICATED_TENANT, reason: `suspended and unpaid since ${at(4)}, more than 30 days, paid through ${PAID}` }]);
    expect(mergeModeOf(load(files).config, 'tenant.delete')).toBe('review');
    expect(bravo(load(files), at(90)).changes).toEqual(due);
  });

  it('a payment after suspension resumes the tenant, and the clock starts over from the new paid-through', () => {
    let files = applyClock(applyClock(filesOf(), at(1)), at(4));
    const fleet = load(files);
    const period = { id: 'manual:bravo-3', start: PAID, end: at(30), source: 'manual', amount: { amount: 2000, currency: 'usd' }, approvedBy: ADMIN_ID };
    const pay = ChangeRequest.parse({ id: 'pay-1', kind: 'billing.record', requestedBy: { type: 'admin', userId: ADMIN_ID }, slug: DEDICATED_TENANT, record: { periods: [period] } });
    files = applyEdits(snapshot(files), buildChange({ fleet, files, now: at(5) }, pay).edits).files;
    expect(load(files).tenants.get(DEDICATED_TENANT)?.billing).toMatchObject({ status: 'active', paidThrough: at(30) });
    expect(load(files).tenants.get(DEDICATED_TENANT)?.billing.statusSince).toBeUndefined();
    expect(bravo(load(files), at(6))).toEqual({ changes: [], reminders: [] });
    expect(bravo(load(files), at(31)).changes.map((c) => c.id)).toEqual([`clock:bravo-news:${at(30)}:past_due`]);
  });

  it('leaves cancelled tenants alone, takes Date or ISO time, and refuses a time that is none', () => {
    const fleet = load(filesOf((m) => (m.tenants[DEDICATED_TENANT]!.billing.status = 'cancelled')));
    expect(bravo(fleet, at(100))).toEqual({ changes: [], reminders: [] });
    const files = filesOf();
    expect(clockDecisions(load(files), new Date(at(1)))).toEqual(clockDecisions(load(files), at(1)));
    expect(() => clockDecisions(load(files), 'tomorrow')).toThrow(RangeError);
  });

  it('with no grace days, suspends as soon as paid-through passes', () => {
    const fleet = load(filesOf((m) => (m.fleet.billing = { graceDays: 0, retentionDays: 10 })));
    expect(bravo(fleet, at(0, 1)).changes.map((c) => c.id)).toEqual([`clock:bravo-news:${PAID}:suspended`]);
  });
});
