import { describe, expect, it } from 'vitest';
import { loadFleet } from '../../../fleet/load/index.js';
import { ADMIN_ID, DEDICATED_TENANT, FIXTURE_NOW, fleetFiles, type FleetManifests, snapshot, validFleetManifests } from '../../../test/fleet-fixtures.js';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import type { DeployStatus } from '../../ports.js';
import { adminFeature } from './index.js';
import { overviewOf } from './overview.js';

/**
 * The fixture (2026-03-15) plus: bravo-news suspended, with a manual EUR payment starting on
 * 2026-03-30. Periods starting in March: alpha-shop's 5.00 USD (03-05) and that 20.00 EUR;
 * bravo-news' earlier ones start in January and February.
 */
function edit(m: FleetManifests): void {
  const bravo = m.tenants[DEDICATED_TENANT]!.billing;
  bravo.status = 'suspended';
  bravo.statusReason = 'chargeback';
  bravo.periods = [...(bravo.periods ?? []), { id: 'manual:bravo-3', start: '2026-03-30T00:00:00Z', end: '2026-04-29T00:00:00Z', source: 'manual', amount: { amount: 2000, currency: 'eur' }, approvedBy: ADMIN_ID }];
  bravo.paidThrough = '2026-04-29T00:00:00Z';
}

const failure: DeployStatus = { tenant: DEDICATED_TENANT, ready: false, reason: 'StepFailed', message: 'stack.deploy failed', failures: 3, lastAppliedRevision: null, updatedAt: FIXTURE_NOW };

describe('fleet overview', () => {
  it('counts tenants by billing status and sums the periods starting this month, per currency', () => {
    const m = validFleetManifests();
    edit(m);
    const loaded = loadFleet(snapshot(fleetFiles(m)));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    const march = overviewOf(loaded.fleet, [failure], new Date(FIXTURE_NOW));
    expect(march).toEqual({
      tenants: 2,
      byStatus: { active: 1, past_due: 0, suspended: 1, cancelled: 0 },
      failed: [failure],
      month: '2026-03',
      revenue: [
        { amount: 2000, currency: 'eur' },
        { amount: 500, currency: 'usd' },
      ],
    });
    // February: bravo-news' Stripe period (02-28) only; the month is the clock's, in UTC.
    expect(overviewOf(loaded.fleet, [], new Date('2026-02-28T23:59:59Z')).revenue).toEqual([{ amount: 2000, currency: 'usd' }]);
    expect(overviewOf(loaded.fleet, [], new Date('2026-05-01T00:00:00Z')).revenue).toEqual([]);
  });

  it('is what /admin and the menu button show (emulator)', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW), manifests: edit });
    await world.db.pool.query(`INSERT INTO tenant_status (tenant, conditions, failures) VALUES ($1, $2::jsonb, 3)`, [
      DEDICATED_TENANT,
      JSON.stringify({ Ready: { status: false, reason: 'StepFailed', message: 'stack.deploy failed' } }),
    ]);
    await world.deps.manualPayments.submit({ tenant: 'alpha-shop', telegramUserId: 200_001, kind: 'renewal', photoFileId: null, reference: 'TX', amount: 500, currency: 'usd' });

    const admin = world.user(ADMIN_ID);
    await admin.send('/start');
    await admin.waitFor('Hello');
    await admin.press('Admin');
    const home = await admin.waitFor('Fleet overview');
    expect(home.text).toBe(
      [
        '🛠 Fleet overview',
        '',
        'Tenants: 2 (active 1, past due 0, suspended 1, cancelled 0)',
        'Failed deploys: 1 (bravo-news)',
        'Revenue in 2026-03: 20.00 EUR, 5.00 USD',
        'Waiting for you: 0 PRs, 1 manual payments',
      ].join('\n'),
    );
    expect(home.buttons.flat().map((b) => b.data)).toEqual(['adm:prs', 'adm:mps', 'adm:find', 'adm:bc', `adm:t:show:${DEDICATED_TENANT}`, 'adm:home']);

    // Refresh redraws the same message in place, with what changed since.
    await world.db.pool.query(`UPDATE tenant_status SET failures = 0`);
    await admin.pressData(home, 'adm:home');
    const refreshed = await admin.waitFor((m) => m.messageId === home.messageId && m.text.includes('Failed deploys: none'));
    expect(refreshed.buttons.flat().map((b) => b.data)).toEqual(['adm:prs', 'adm:mps', 'adm:find', 'adm:bc', 'adm:home']);
    // /admin, unlike Refresh, is a new message.
    const count = (await admin.messages()).length;
    await admin.send('/admin');
    await admin.waitFor((m) => m.messageId !== home.messageId && m.text.includes('Failed deploys: none'));
    expect((await admin.messages()).length).toBe(count + 1);
  });
});
