import type { BillingManifest } from '../schema/index.js';
import { paidThroughOf } from '../schema/index.js';
import type { BillingRecordFields } from './request.js';

const byStartThenId = (a: { start: string; id: string }, b: { start: string; id: string }) =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const byAtThenId = (a: { at: string; id: string }, b: { at: string; id: string }) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Folds a billing record into a billing manifest. Periods and refunds are sets keyed by id, kept
 * sorted, and paid-through is derived from them: the same records in any order, any number of
 * times, give the same manifest. An id seen before keeps its first recording.
 */
export function mergeBilling(current: BillingManifest, record: BillingRecordFields, now: string): BillingManifest {
  const periods = new Map(current.periods.map((p) => [p.id, p]));
  for (const p of record.periods ?? []) if (!periods.has(p.id)) periods.set(p.id, p);
  const refunds = new Map(current.refunds.map((r) => [r.id, r]));
  for (const r of record.refunds ?? []) if (!refunds.has(r.id)) refunds.set(r.id, r);
  const statusChanges = record.status !== undefined && record.status.value !== current.status;
  const sortedPeriods = [...periods.values()].sort(byStartThenId);
  return {
    status: statusChanges && record.status ? record.status.value : current.status,
    ...(statusChanges && record.status
      ? { statusReason: record.status.reason, statusSince: now }
      : optional({ statusReason: current.statusReason, statusSince: current.statusSince })),
    paidThrough: paidThroughOf(sortedPeriods),
    autoRenew: record.autoRenew ?? current.autoRenew,
    ...optional({ stripe: record.stripe ? { ...current.stripe, ...record.stripe } : current.stripe }),
    periods: sortedPeriods,
    refunds: [...refunds.values()].sort(byAtThenId),
  };
}

/** The billing manifest of a tenant that has none yet. */
export function newBilling(record: BillingRecordFields, now: string): BillingManifest {
  const empty: BillingManifest = { status: 'active', paidThrough: null, autoRenew: false, periods: [], refunds: [] };
  const merged = mergeBilling(empty, record, now);
  return record.status ? merged : { ...merged, statusSince: now };
}

/** Drops undefined fields, so optional keys are absent rather than `undefined` in the YAML. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
