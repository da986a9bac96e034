import { describe, expect, it } from 'vitest';
import { loadFleet } from '../../../fleet/load/index.js';
import { ADMIN_ID, DEDICATED_TENANT, FIXTURE_NOW, SHARED_TENANT, snapshot, validFleetFiles } from '../../../test/fleet-fixtures.js';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import { adminFeature } from './index.js';
import { searchTenants } from './tenants.js';

const loaded = loadFleet(snapshot(validFleetFiles()));
if (!loaded.ok) throw new Error('fixture fleet does not load');
const fleet = loaded.fleet;
const found = (query: string) => searchTenants(fleet, query).map((r) => r.slug);

/** Presses "Find a tenant" on the newest message that has it and sends the query. */
async function search(admin: TestUser, query: string): Promise<void> {
  await admin.press('Find a tenant');
  await admin.next('Send a part of a tenant');
  await admin.send(query);
}

describe('searchTenants', () => {
  it('finds by a part of the slug, the whole owner id, or a part of the owner username', () => {
    expect(found('bravo')).toEqual([DEDICATED_TENANT]);
    expect(found('SHOP')).toEqual([SHARED_TENANT]);
    expect(found('a')).toEqual([SHARED_TENANT, DEDICATED_TENANT]);
    expect(found('200002')).toEqual([DEDICATED_TENANT]);
    expect(found('20000')).toEqual([]);
    expect(found('@alice')).toEqual([SHARED_TENANT]);
    expect(found('@bravo')).toEqual([]);
    expect(found('  ')).toEqual([]);
  });
});

describe('tenant search and detail (emulator)', () => {
  it('finds tenants by name, owner id and username, lists several, says when none, and /cancel stops a search', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    const admin = world.user(ADMIN_ID);
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');

    await search(admin, 'bravo');
    const bravo = await admin.waitFor(`🏷 ${DEDICATED_TENANT}`);
    expect(bravo.text).toBe(
      [
        `🏷 ${DEDICATED_TENANT}`,
        'Owner: Telegram user 200002',
        'Plan: pro',
        'Placement: own droplet (s-1vcpu-2gb in ams3)',
        'Modules: core 1.0.0 (notify)',
        'Billing: active, paid through 2026-03-30',
        'Deploy: not reported yet',
      ].join('\n'),
    );
    expect(bravo.buttons.flat().map((b) => b.data)).toEqual([`adm:t:suspend:${DEDICATED_TENANT}`, 'adm:home']);

    await search(admin, '@ALICE');
    await admin.waitFor(`🏷 ${SHARED_TENANT} (Alpha Shop)`);
    await search(admin, '200002');
    await admin.next(`🏷 ${DEDICATED_TENANT}`);

    await search(admin, 'a');
    const several = await admin.waitFor('2 tenants match');
    expect(several.buttons.flat().map((b) => b.data)).toEqual([`adm:t:show:${SHARED_TENANT}`, `adm:t:show:${DEDICATED_TENANT}`, 'adm:find', 'adm:home']);
    await admin.pressData(several, `adm:t:show:${SHARED_TENANT}`);
    await admin.next(`🏷 ${SHARED_TENANT}`);

    await search(admin, 'zulu');
    await admin.waitFor('No tenant matches "zulu".');

    await admin.press('Search again');
    await admin.next('Send a part of a tenant');
    await admin.send('/cancel');
    await admin.waitFor('Cancelled.');
    // No search is waiting any more: the text is just text.
    await admin.send('bravo');
    await admin.waitFor("I don't know that command");
  });

  it('retries a failed deploy, and suspends and resumes through PRs that wait for review', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    await world.db.pool.query(`INSERT INTO tenant_status (tenant, conditions, failures, next_attempt_at) VALUES ($1, $2::jsonb, 3, '2030-01-01T00:00:00Z')`, [
      SHARED_TENANT,
      JSON.stringify({ Ready: { status: false, reason: 'StepFailed', message: 'stack.deploy failed' } }),
    ]);
    const admin = world.user(ADMIN_ID, { username: 'ada' });
    await admin.send('/admin');
    await admin.waitFor('Failed deploys: 1');
    await admin.press(`${SHARED_TENANT}: deploy failed`);
    const detail = await admin.waitFor(`🏷 ${SHARED_TENANT}`);
    expect(detail.text).toContain('Modules: core 1.1.0 (auto), welcome 1.0.0 (notify)');
    expect(detail.text).toContain('Billing: active, paid through 2026-04-04');
    expect(detail.text).toContain('Deploy: failed 3 times (stack.deploy failed)');
    expect(detail.buttons.flat().map((b) => b.data)).toEqual([`adm:t:suspend:${SHARED_TENANT}`, `adm:t:retry:${SHARED_TENANT}`, 'adm:home']);

    await admin.pressData(detail, `adm:t:retry:${SHARED_TENANT}`);
    await admin.waitFor(`The reconciler tries ${SHARED_TENANT} again now.`);
    const row = (await world.db.pool.query<{ failures: number; next_attempt_at: Date }>(`SELECT failures, next_attempt_at FROM tenant_status WHERE tenant = $1`, [SHARED_TENANT])).rows[0];
    expect(row?.failures).toBe(0);
    expect(row!.next_attempt_at.getTime()).toBeLessThan(Date.parse('2030-01-01T00:00:00Z'));
    await admin.pressData(detail, `adm:t:retry:${SHARED_TENANT}`);
    await admin.waitFor(`The last deploy of ${SHARED_TENANT} did not fail: nothing to retry.`);

    // The fixture's merge policy leaves tenant.suspend for review.
    await admin.pressData(detail, `adm:t:suspend:${SHARED_TENANT}`);
    const opened = await admin.waitFor(`The change for ${SHARED_TENANT} waits for review in PR #`);
    const [pr] = await world.deps.changes.listOpen();
    expect(pr?.labels).toEqual(['tenant.suspend']);
    expect(pr?.body).toContain('requested by admin 100001 (@ada) in Telegram');
    // The same button pressed again is the same request: still one PR.
    await admin.pressData(detail, `adm:t:suspend:${SHARED_TENANT}`);
    await admin.next(`waits for review in PR #${pr!.number}`);
    expect(await world.deps.changes.listOpen()).toHaveLength(1);

    await admin.pressData(opened, `adm:pr:ok:${pr!.number}`);
    await admin.waitFor(`PR #${pr!.number} is merged`);
    expect((await world.deps.fleet.current()).tenants.get(SHARED_TENANT)?.billing).toMatchObject({ status: 'suspended', statusReason: 'Suspended by admin 100001 in Telegram' });

    await admin.press(`Open ${SHARED_TENANT}`);
    const suspended = await admin.next(`🏷 ${SHARED_TENANT}`);
    expect(suspended.text).toContain('Billing: suspended, paid through 2026-04-04');
    expect(suspended.buttons.flat().map((b) => b.data)).toEqual([`adm:t:resume:${SHARED_TENANT}`, 'adm:home']);
    await admin.pressData(suspended, `adm:t:resume:${SHARED_TENANT}`);
    const resume = await admin.next(/waits for review in PR #/);
    const [resumePr] = await world.deps.changes.listOpen();
    expect(resumePr?.labels).toEqual(['tenant.resume']);
    await admin.pressData(resume, `adm:pr:ok:${resumePr!.number}`);
    await admin.waitFor(`PR #${resumePr!.number} is merged`);
    expect((await world.deps.fleet.current()).tenants.get(SHARED_TENANT)?.billing.status).toBe('active');

    // A tenant that does not exist: said plainly, nothing submitted.
    await admin.pressData(suspended, 'adm:t:suspend:zulu-bot');
    await admin.waitFor('There is no tenant zulu-bot in the fleet.');
    expect(await world.deps.changes.listOpen()).toEqual([]);
  });
});
