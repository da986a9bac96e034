import { describe, expect, it } from 'vitest';
import { DEDICATED_TENANT, FIXTURE_NOW, SHARED_TENANT } from '../../../test/fleet-fixtures.js';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import { adminFeature } from './index.js';
import { prSummary } from './prs.js';

const ADMIN = 100_001;

describe('pending PRs (emulator)', () => {
  it('lists a PR waiting for review with its summary; Approve merges it, and a second press says it is merged', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    // The fixture's merge policy leaves tenant.suspend for review.
    const submitted = await world.deps.changes.submit({ id: 'test:suspend-alpha', kind: 'tenant.suspend', slug: SHARED_TENANT, requestedBy: { type: 'cli', user: 'ops' }, reason: 'chargeback under review' });
    if (submitted.status !== 'open') throw new Error(`expected an open PR, got ${submitted.status}`);
    const number = submitted.pr.number;

    const admin = world.user(ADMIN, { firstName: 'Ada' });
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');
    await admin.press('Pending PRs (1)');
    const pr = await admin.waitFor(`PR #${number}: Suspend tenant ${SHARED_TENANT}`);
    expect(pr.text).toContain('Labels: tenant.suspend');
    expect(pr.text).toContain('chargeback under review');
    expect(pr.text).toContain('billing status: active → suspended');
    expect(pr.text).not.toContain('<!--');
    expect(pr.buttons.flat().map((b) => b.data)).toEqual([`adm:pr:ok:${number}`, `adm:pr:no:${number}`]);

    await admin.pressData(pr, `adm:pr:ok:${number}`);
    const merged = await admin.waitFor(`PR #${number} is merged`);
    expect(merged.text).toMatch(/commit [0-9a-f]{10}/);
    expect((await world.deps.changes.getPr(number)).state).toBe('merged');
    expect((await world.deps.fleet.current()).tenants.get(SHARED_TENANT)?.billing.status).toBe('suspended');
    // The decided PR's message loses its buttons.
    expect((await admin.messages()).find((m) => m.messageId === pr.messageId)?.buttons.flat()).toEqual([]);

    await admin.pressData(pr, `adm:pr:no:${number}`);
    await admin.waitFor(`PR #${number} is already merged`);
    expect((await world.deps.changes.getPr(number)).state).toBe('merged');
  });

  it('Reject closes the PR and leaves main as it was; approving it afterwards says it is closed', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    const submitted = await world.deps.changes.submit({ id: 'test:suspend-bravo', kind: 'tenant.suspend', slug: DEDICATED_TENANT, requestedBy: { type: 'cli', user: 'ops' } });
    if (submitted.status !== 'open') throw new Error(`expected an open PR, got ${submitted.status}`);
    const number = submitted.pr.number;
    const mainBefore = await world.fleet.repo.head('main');

    const admin = world.user(ADMIN);
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');
    await admin.press('Pending PRs');
    const pr = await admin.waitFor(`PR #${number}:`);
    await admin.pressData(pr, `adm:pr:no:${number}`);
    await admin.waitFor(`PR #${number} is rejected and closed`);
    expect((await world.deps.changes.getPr(number)).state).toBe('closed');
    expect(await world.fleet.repo.head('main')).toBe(mainBefore);
    expect(await world.deps.changes.listOpen()).toEqual([]);

    await admin.pressData(pr, `adm:pr:ok:${number}`);
    await admin.waitFor(`PR #${number} is already closed`);
    expect((await world.deps.changes.getPr(number)).state).toBe('closed');
    expect(await world.fleet.repo.head('main')).toBe(mainBefore);

    // A PR number the repo never had.
    await admin.pressData(pr, 'adm:pr:ok:4242');
    await admin.waitFor('There is no PR #4242');

    await admin.press('Admin home');
    await admin.waitFor((m) => m.text.includes('Fleet overview') && m.text.includes('0 PRs'));
  });
});

describe('prSummary', () => {
  it('drops the change marker and Markdown marks, and shortens long bodies', () => {
    const body = '**tenant.suspend** requested by `ops`.\n\n> why\n\n\n\n- billing status: active → suspended\n\n<!-- buckfleet:change tenant.suspend x -->';
    expect(prSummary(body)).toBe('tenant.suspend requested by ops.\n\nwhy\n\n- billing status: active → suspended');
    const long = prSummary('word '.repeat(500), 100);
    expect(long).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });
});
