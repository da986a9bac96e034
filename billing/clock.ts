import type { ChangeRequestInput } from '../fleet/changes/index.js';
import type { Fleet, TenantRecord } from '../fleet/model.js';
import type { FleetConfig } from '../fleet/schema/index.js';
import type { ClockDecisions, Reminder } from './contract.js';

const DAY_MS = 86_400_000;
const CLOCK = { type: 'system', component: 'billing-clock' } as const;
const NOTHING: ClockDecisions = { changes: [], reminders: [] };

/**
 * What time has made due, for every tenant, from its paid-through date and fleet.yaml's
 * `billing` settings:
 *
 * | when | status | change | reminder |
 * |---|---|---|---|
 * | `reminderDays` (7, 3, 1) before paid-through, no auto-renewal | not suspended | — | `billing.reminder`, daysLeft |
 * | paid-through passed | active → past_due | billing.record | `billing.past_due` (no auto-renewal) |
 * | and `graceDays` (3) more | → suspended | billing.record | `billing.suspended` (renew to resume) |
 * | suspended and past grace for `retentionDays` (30) | suspended | tenant.delete (policy leaves it for review) | — |
 *
 * Pure, and safe to run every few minutes: change ids and reminder keys name the tenant and the
 * paid-through date they are about, so a repeated decision is the same change (one branch, one
 * PR) and the same message (sent once). A payment moves paid-through, which lifts the status
 * (billing-merge.ts) and starts new keys. One move per status per paid-through: an admin who
 * resumes a tenant without recording a payment is not overruled for that period.
 * Tenants never billed (paid-through null) and cancelled ones are left alone.
 */
export function clockDecisions(fleet: Fleet, now: Date | string): ClockDecisions {
  const at = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(at)) throw new RangeError(`the billing clock needs a valid time, not ${String(now)}`);
  const changes: ChangeRequestInput[] = [];
  const reminders: Reminder[] = [];
  for (const record of fleet.tenants.values()) {
    const due = decide(record, fleet.config.billing, at);
    changes.push(...due.changes);
    reminders.push(...due.reminders);
  }
  return { changes, reminders };
}

function decide(record: TenantRecord, settings: FleetConfig['billing'], at: number): ClockDecisions {
  const { slug, billing } = record;
  const paidThrough = billing.paidThrough;
  if (paidThrough === null || billing.status === 'cancelled') return NOTHING;
  const paidUntil = Date.parse(paidThrough);
  const remind = (kind: Reminder['kind'], daysLeft?: number): Reminder => ({
    dedupeKey: [kind, slug, paidThrough, ...(daysLeft === undefined ? [] : [daysLeft])].join(':'),
    telegramUserId: record.tenant.owner.telegramUserId,
    tenant: slug,
    kind,
    paidThrough,
    ...(daysLeft === undefined ? {} : { daysLeft }),
  });

  if (at <= paidUntil) {
    if (billing.autoRenew || billing.status === 'suspended') return NOTHING;
    // The most urgent reminder whose day has come: a clock that was down sends one, not three.
    const day = [...settings.reminderDays].sort((a, b) => a - b).find((d) => at >= paidUntil - d * DAY_MS);
    return day === undefined ? NOTHING : { changes: [], reminders: [remind('billing.reminder', day)] };
  }

  const graceEnd = paidUntil + settings.graceDays * DAY_MS;
  if (at <= graceEnd) {
    return {
      changes: billing.status === 'active' ? [move(slug, paidThrough, 'past_due', `paid through ${paidThrough} has passed`)] : [],
      reminders: billing.status !== 'suspended' && !billing.autoRenew ? [remind('billing.past_due')] : [],
    };
  }

  const changes: ChangeRequestInput[] = [];
  if (billing.status !== 'suspended') {
    changes.push(move(slug, paidThrough, 'suspended', `paid through ${paidThrough} plus ${settings.graceDays} grace days has passed`));
  } else {
    // Retention counts once the tenant is both suspended and out of paid time (an admin's earlier
    // suspension does not shorten it); a status written by hand may have no date at all.
    const since = Math.max(graceEnd, billing.statusSince === undefined ? graceEnd : Date.parse(billing.statusSince));
    if (at > since + settings.retentionDays * DAY_MS) {
      changes.push({
        id: `clock:${slug}:${paidThrough}:delete`,
        kind: 'tenant.delete',
        requestedBy: CLOCK,
        slug,
        reason: `suspended and unpaid since ${new Date(since).toISOString()}, more than ${settings.retentionDays} days, paid through ${paidThrough}`,
      });
    }
  }
  return { changes, reminders: [remind('billing.suspended')] };
}

/** A status move: its id names tenant, paid-through and target, so every tick asks for the same change. */
function move(slug: string, paidThrough: string, value: 'past_due' | 'suspended', reason: string): ChangeRequestInput {
  return {
    id: `clock:${slug}:${paidThrough}:${value}`,
    kind: 'billing.record',
    requestedBy: CLOCK,
    reason,
    slug,
    record: { status: { value, reason } },
  };
}
