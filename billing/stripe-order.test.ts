import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildChange, ChangeRequest } from '../fleet/changes/index.js';
import { applyEdits } from '../fleet/edits.js';
import { loadFleet } from '../fleet/load/index.js';
import type { FleetFiles } from '../fleet/model.js';
import { billingFile } from '../fleet/paths.js';
import { snapshot, validFleetFiles } from '../test/fleet-fixtures.js';
import { BillingEventCustomerPendingError, BillingEventWaitingError } from './event-errors.js';
import { delta, EVENTS, later, M, order, shuffled } from '../test/stripe-scenario.js';
import { changesForEvent } from './stripe-events.js';

/**
 * The central property of issue 4: Stripe delivers events at least once and in any order, and the
 * fleet must end up the same. A customer's life — purchase, three renewals, a failed payment and
 * its recovery, cancellation, refunds — goes through changesForEvent → buildChange → applyEdits →
 * loadFleet once in order, then with every event delivered three times in shuffled orders, with a
 * different handling clock: billing.yaml must come out byte for byte the same.
 */

interface Outcome {
  readonly files: FleetFiles;
  /** Why deliveries were refused (and delivered again later, as Stripe does). */
  readonly refused: string[];
}

/**
 * Delivers events one by one as the control plane would: the fleet at main, the changes billing
 * asks for, each built and validated. A refused event goes to the back of the queue — Stripe
 * delivers it again — so an invoice that arrives before its tenant exists is recorded later.
 */
function deliver(events: readonly unknown[], handledAt: (step: number) => string): Outcome {
  let files: FleetFiles = validFleetFiles();
  const queue = [...events];
  const refused: string[] = [];
  for (let step = 0; queue.length > 0; step += 1) {
    if (step > 20 * events.length) throw new Error(`events never apply: ${refused.slice(-3).join('; ')}`);
    const event = queue.shift();
    const loaded = loadFleet(snapshot(files));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
    let changes;
    try {
      changes = changesForEvent(event, { fleet: loaded.fleet, order, now: handledAt(step) });
    } catch (error) {
      const retried = error instanceof BillingEventWaitingError || error instanceof BillingEventCustomerPendingError;
      if (!retried) throw error;
      refused.push(`${error.reason}: ${error.message}`);
      queue.push(event);
      continue;
    }
    for (const input of changes) {
      const plan = buildChange({ fleet: loaded.fleet, files, now: handledAt(step) }, ChangeRequest.parse(input));
      const next = applyEdits(snapshot(files), plan.edits);
      const check = loadFleet(next);
      if (!check.ok) throw new Error(`invalid fleet after ${input.id}: ${check.issues.map((i) => `${i.file}: ${i.message}`).join('\n')}`);
      files = next.files;
    }
  }
  return { files, refused };
}

const billingText = (o: Outcome) => o.files.get(billingFile(delta.tenant));
const clock = (startIso: string, minutesPerStep: number) => (step: number) => new Date(Date.parse(startIso) + step * minutesPerStep * 60_000).toISOString();

describe('Stripe events, delivered again and out of order', () => {
  const inOrder = deliver(EVENTS, clock('2026-03-20T10:00:00Z', 1));

  it('in order, once: the billing state the customer\u2019s history says', () => {
    expect(parse(billingText(inOrder) ?? '')).toEqual({
      status: 'active',
      paidThrough: M[4],
      autoRenew: false,
      stripe: { customerId: 'cus_Delta001', subscriptionId: 'sub_Delta001' },
      periods: [0, 1, 2, 3].map((i) => ({ id: `in_Delta000${i + 1}`, start: M[i], end: M[i + 1], source: 'stripe', amount: { amount: 500, currency: 'usd' } })),
      failedInvoices: [{ id: 'in_Delta0004', at: later(M[3], 1), periodEnd: M[4], amount: { amount: 500, currency: 'usd' } }],
      subscriptions: [{ id: 'sub_Delta001', customerId: 'cus_Delta001', status: 'canceled', cancelAtPeriodEnd: true, asOf: M[4] }],
      refunds: [{ id: 'ch_Delta0003', at: later(M[3], 280), amount: { amount: 500, currency: 'usd' } }],
    });
    // The first invoice.paid came before its checkout: it waited for the tenant, then applied.
    expect(inOrder.refused).toEqual([expect.stringMatching(/^tenant_not_created: tenant "delta-shop" is being bought/)]);
    const tenant = parse(inOrder.files.get('tenants/delta-shop/tenant.yaml') ?? '') as { owner: unknown; modules: Record<string, unknown> };
    expect(tenant.owner).toEqual({ telegramUserId: 300_007, username: 'delta_owner' });
    expect(Object.keys(tenant.modules)).toEqual(['core', 'welcome']);
  });

  it('is past due between the failed payment and its recovery, with the first failure as the reason', () => {
    const recovery = EVENTS.findIndex((e) => (e as { id?: string }).id === 'evt_1Paid4');
    const upToFailure = deliver(EVENTS.slice(0, recovery), clock('2026-03-20T10:00:00Z', 1));
    expect(parse(billingText(upToFailure) ?? '')).toMatchObject({
      status: 'past_due',
      statusReason: 'payment of invoice in_Delta0004 failed',
      statusSince: later(M[3], 1),
      paidThrough: M[3],
      autoRenew: true,
    });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('every event three times, shuffled (seed %i): byte-identical billing.yaml', (seed) => {
    const deliveries = shuffled([...EVENTS, ...EVENTS, ...EVENTS], seed);
    const outcome = deliver(deliveries, clock('2026-09-01T00:00:00Z', 7));
    expect(billingText(outcome)).toBe(billingText(inOrder));
  });

  it('newest first, each twice in a row: byte-identical billing.yaml', () => {
    const deliveries = [...EVENTS].reverse().flatMap((e) => [e, e]);
    expect(billingText(deliver(deliveries, clock('2027-01-01T00:00:00Z', 13)))).toBe(billingText(inOrder));
  });
});
