import { describe, expect, it } from 'vitest';
import {
  ADMIN_ID,
  BOT_TOKENS,
  DEDICATED_TENANT,
  FIXTURE_NOW,
  fleetFiles,
  sealValue,
  SHARED_HOST,
  SHARED_TENANT,
  snapshot,
  TEST_RECIPIENT,
  validFleetManifests,
  type FleetManifests,
} from '../../test/fleet-fixtures.js';
import { applyEdits } from '../edits.js';
import { loadFleet } from '../load/index.js';
import type { Fleet } from '../model.js';
import { buildChange, ChangeRejectedError, type ChangeRequestInput, ChangeRequest } from './index.js';

const NOW = '2026-03-16T12:00:00.000Z';

function setup(m: FleetManifests = validFleetManifests()) {
  const snap = snapshot(fleetFiles(m));
  const loaded = loadFleet(snap);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { snap, fleet: loaded.fleet };
}

/** Builds a change on the fixture and loads the tree it produces: it must stay valid. */
function build(input: ChangeRequestInput, m?: FleetManifests) {
  const { snap, fleet } = setup(m);
  const cr = ChangeRequest.parse(input);
  const plan = buildChange({ fleet, files: snap.files, now: NOW }, cr);
  const after = loadFleet(applyEdits(snap, plan.edits));
  if (!after.ok) throw new Error(`change produced an invalid fleet: ${after.issues.map((i) => `${i.file}: ${i.message}`).join('\n')}`);
  return { plan, before: fleet, after: after.fleet, snap };
}

const alice = { type: 'telegram', userId: 200_001, username: 'alice_shop' } as const;
const create = (over: Record<string, unknown> = {}): ChangeRequestInput =>
  ({ id: 'tg:1', kind: 'tenant.create', requestedBy: alice, slug: 'charlie-bot', owner: { telegramUserId: 300_001 }, plan: 'basic', ...over });

function rejected(fn: () => unknown): ChangeRejectedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ChangeRejectedError) return e;
    throw e;
  }
  throw new Error('expected a ChangeRejectedError');
}

const tenant = (f: Fleet, slug: string) => {
  const t = f.tenants.get(slug);
  if (!t) throw new Error(`no tenant ${slug}`);
  return t;
};

describe('tenant.create', () => {
  it('places a shared tenant on the host with room, with core at the latest version', () => {
    const { plan, after } = build(create());
    const t = tenant(after, 'charlie-bot');
    expect(t.tenant.placement).toEqual({ type: 'shared', host: SHARED_HOST });
    expect(t.tenant.modules).toEqual({ core: { version: '1.1.0', channel: 'notify', config: {} } });
    expect(t.tenant.createdAt).toBe(NOW);
    expect(t.billing).toMatchObject({ status: 'active', paidThrough: null, periods: [] });
    expect(plan.edits.map((e) => e.path)).toEqual(['tenants/charlie-bot/tenant.yaml', 'tenants/charlie-bot/billing.yaml']);
    expect(plan.labels).toEqual(['tenant.create']);
    expect(plan.branch).toMatch(/^bf\/tenant-create\/charlie-bot-[0-9a-f]{10}$/);
    expect(plan.message.split('\n')[0]).toBe('feat(charlie-bot): create tenant charlie-bot');
    expect(plan.message).toContain('Change-Id: tg:1');
    expect(plan.message).toContain('Requested-By: telegram:200001');
    expect(plan.body).toContain('requested by Telegram user 200001 (@alice_shop)');
    expect(plan.body).toContain(`placement: shared host ${SHARED_HOST}`);
  });

  it('adds a new host in the same change when every host is full or cordoned', () => {
    const m = validFleetManifests();
    m.hosts[SHARED_HOST] = { name: SHARED_HOST, region: 'fra1', size: 's-2vcpu-4gb', capacity: 1 };
    const { plan, after } = build(create(), m);
    expect(tenant(after, 'charlie-bot').tenant.placement).toEqual({ type: 'shared', host: 'shared-2' });
    expect(after.hosts.get('shared-2')).toEqual({ name: 'shared-2', region: 'fra1', size: 's-2vcpu-4gb', capacity: 20, cordoned: false });
    expect(plan.edits[0]?.path).toBe('hosts/shared-2.yaml');

    const cordoned = validFleetManifests();
    cordoned.hosts[SHARED_HOST] = { name: SHARED_HOST, region: 'fra1', size: 's-2vcpu-4gb', capacity: 20, cordoned: true };
    expect(tenant(build(create(), cordoned).after, 'charlie-bot').tenant.placement).toEqual({ type: 'shared', host: 'shared-2' });
  });

  it('picks the host with the most free room', () => {
    const m = validFleetManifests();
    m.hosts['shared-9'] = { name: 'shared-9', region: 'fra1', size: 's-2vcpu-4gb', capacity: 25 };
    m.hosts[SHARED_HOST] = { name: SHARED_HOST, region: 'fra1', size: 's-2vcpu-4gb', capacity: 25 };
    // shared-1 has one tenant already, so shared-9 has more room.
    expect(tenant(build(create(), m).after, 'charlie-bot').tenant.placement).toEqual({ type: 'shared', host: 'shared-9' });
  });

  it('gives a dedicated tenant the plan size in the default region', () => {
    const { after } = build(create({ plan: 'pro' }));
    expect(tenant(after, 'charlie-bot').tenant.placement).toEqual({ type: 'dedicated', region: 'fra1', size: 's-1vcpu-2gb' });
  });

  it('writes sealed secrets and the first paid period', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, '7000000009:AAH_charlie_token_000000000000000000');
    const period = { id: 'in_charlie_1', start: NOW, end: '2026-04-16T12:00:00.000Z', source: 'stripe', amount: { amount: 500, currency: 'usd' } };
    const { plan, after } = build(create({ secrets: { BOT_TOKEN: sealed }, billing: { periods: [period], autoRenew: true } }));
    const t = tenant(after, 'charlie-bot');
    expect(t.secrets?.values.BOT_TOKEN).toBe(sealed);
    expect(t.billing.paidThrough).toBe('2026-04-16T12:00:00.000Z');
    expect(t.billing.autoRenew).toBe(true);
    expect(plan.body).toContain('secrets (encrypted): BOT_TOKEN');
    expect(plan.body).not.toContain('AAH_charlie');
  });

  it.each([
    ['a taken name', create({ slug: SHARED_TENANT }), 'exists', `the name "${SHARED_TENANT}" is taken`],
    ['an unknown plan', create({ plan: 'gold' }), 'invalid', 'there is no plan "gold" (plans: basic, pro)'],
    ['an unknown module', create({ modules: [{ name: 'casino' }] }), 'not_found', 'there is no module "casino" in the catalog'],
    ['an unreleased version', create({ modules: [{ name: 'core', version: '9.9.9' }] }), 'not_found', 'core@9.9.9 is not released'],
    [
      'a broken requires range',
      create({ modules: [{ name: 'core', version: '1.0.0' }, { name: 'welcome' }] }),
      'invalid',
      'welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0',
    ],
  ])('refuses %s', (_, input, reason, message) => {
    const { snap, fleet } = setup();
    const e = rejected(() => buildChange({ fleet, files: snap.files, now: NOW }, ChangeRequest.parse(input)));
    expect(e.reason).toBe(reason);
    expect(e.message).toBe(message);
  });
});

describe('module changes', () => {
  const base = { id: 'tg:2', requestedBy: alice } as const;

  it('installs a module at its latest version and keeps the others', () => {
    const { after, plan } = build({ ...base, kind: 'module.install', slug: DEDICATED_TENANT, module: 'core', version: '1.0.0' });
    // Installing what is installed is no change at all.
    expect(plan.edits).toEqual([]);
    expect(tenant(after, DEDICATED_TENANT).tenant.modules.core?.version).toBe('1.0.0');
  });

  it('refuses an install that breaks a requires range, and one that changes an installed version', () => {
    const { snap, fleet } = setup();
    const ctx = { fleet, files: snap.files, now: NOW };
    const e = rejected(() => buildChange(ctx, ChangeRequest.parse({ ...base, kind: 'module.install', slug: DEDICATED_TENANT, module: 'welcome' })));
    expect(e.message).toBe('welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0');
    const e2 = rejected(() => buildChange(ctx, ChangeRequest.parse({ ...base, kind: 'module.install', slug: DEDICATED_TENANT, module: 'core', version: '1.1.0' })));
    expect(e2.reason).toBe('exists');
  });

  it('removes a module but never core', () => {
    const { after } = build({ ...base, kind: 'module.remove', slug: SHARED_TENANT, module: 'welcome' });
    expect(Object.keys(tenant(after, SHARED_TENANT).tenant.modules)).toEqual(['core']);
    const { snap, fleet } = setup();
    const e = rejected(() => buildChange({ fleet, files: snap.files, now: NOW }, ChangeRequest.parse({ ...base, kind: 'module.remove', slug: SHARED_TENANT, module: 'core' })));
    expect(e.reason).toBe('forbidden');
  });

  it('updates many tenants in one change and lists the ones it skips', () => {
    const m = validFleetManifests();
    m.catalog.core!.versions['2.0.0'] = { image: 'ghcr.io/acme/core:2.0.0', releasedAt: FIXTURE_NOW, notes: 'Big release.' };
    const { plan, after } = build(
      { id: 'release:core@2.0.0', requestedBy: { type: 'release', tag: 'core@2.0.0' }, kind: 'module.update', module: 'core', version: '2.0.0', tenants: [DEDICATED_TENANT, SHARED_TENANT, 'gone-tenant'] },
      m,
    );
    expect(tenant(after, DEDICATED_TENANT).tenant.modules.core?.version).toBe('2.0.0');
    // alpha-shop runs welcome, which requires core <2: it keeps 1.1.0.
    expect(tenant(after, SHARED_TENANT).tenant.modules.core?.version).toBe('1.1.0');
    expect(plan.edits.map((e) => e.path)).toEqual([`tenants/${DEDICATED_TENANT}/tenant.yaml`]);
    expect(plan.body).toContain(`skipped: ${SHARED_TENANT}: welcome@1.0.0 requires core >=1.1 <2, but core is 2.0.0; gone-tenant: no longer exists`);
    expect(plan.body).toContain('### Release notes\n\nBig release.');
    expect(plan.branch).toMatch(/^bf\/module-update\/core-v2\.0\.0-/);
    expect(plan.message.split('\n')[0]).toBe('chore(core-v2.0.0): update core to 2.0.0');
  });
});

describe('billing and lifecycle', () => {
  const stripe = (n: number) => ({ type: 'stripe', eventId: `evt_${n}` }) as const;
  const period = (id: string, start: string, end: string) => ({ id, start, end, source: 'stripe', amount: { amount: 500, currency: 'usd' } }) as const;

  it('records periods as a set: duplicates and order do not matter', () => {
    const p1 = period('in_2', '2026-04-04T00:00:00Z', '2026-05-04T00:00:00Z');
    const p2 = period('in_3', '2026-05-04T00:00:00Z', '2026-06-04T00:00:00Z');
    const rec = (id: string, periods: unknown[]) => ({ id, requestedBy: stripe(1), kind: 'billing.record', slug: SHARED_TENANT, record: { periods } }) as ChangeRequestInput;
    const forward = build(rec('a', [p1, p2]));
    const backward = build(rec('b', [p2, p1, p2]));
    expect(backward.plan.edits).toEqual(forward.plan.edits);
    expect(tenant(forward.after, SHARED_TENANT).billing.paidThrough).toBe('2026-06-04T00:00:00Z');
    expect(forward.plan.body).toContain('paid through: 2026-04-04T00:00:00Z → 2026-06-04T00:00:00Z');
    // Recording a period already on file changes nothing.
    expect(build(rec('c', [period('in_alpha_0001', '2026-03-05T00:00:00Z', '2026-04-04T00:00:00Z')])).plan.edits).toEqual([]);
  });

  it('suspends and resumes through billing status, and a repeat is a no-op', () => {
    const admin = { type: 'admin', userId: ADMIN_ID } as const;
    const s = build({ id: 'x1', requestedBy: admin, kind: 'tenant.suspend', slug: SHARED_TENANT, reason: 'abuse report' });
    expect(tenant(s.after, SHARED_TENANT).billing).toMatchObject({ status: 'suspended', statusReason: 'abuse report', statusSince: NOW });
    expect(s.plan.body).toContain('billing status: active → suspended');
    expect(build({ id: 'x2', requestedBy: admin, kind: 'tenant.resume', slug: SHARED_TENANT }).plan.edits).toEqual([]);
  });

  it('deletes a tenant by removing its folder', () => {
    const { plan, after } = build({ id: 'x3', requestedBy: { type: 'admin', userId: ADMIN_ID }, kind: 'tenant.delete', slug: DEDICATED_TENANT });
    expect(after.tenants.has(DEDICATED_TENANT)).toBe(false);
    expect(plan.edits.every((e) => e.content === null)).toBe(true);
    expect(plan.message.split('\n')[0]).toBe(`feat(${DEDICATED_TENANT})!: delete tenant ${DEDICATED_TENANT}`);
    expect(plan.body).toContain('and droplet');
  });

  it('updates chats, module config and secrets without touching other secrets', async () => {
    const other = await sealValue(TEST_RECIPIENT, 'api-key-value');
    const { after, plan } = build({
      id: 'x4',
      requestedBy: alice,
      kind: 'tenant.update',
      slug: SHARED_TENANT,
      chats: [{ id: -100_777, type: 'channel', title: 'News' }],
      moduleConfig: { module: 'welcome', config: { GREETING: 'Hi' } },
      secrets: { set: { WEATHER_API_KEY: other } },
    });
    const t = tenant(after, SHARED_TENANT);
    expect(t.tenant.chats).toEqual([{ id: -100_777, type: 'channel', title: 'News' }]);
    expect(t.tenant.modules.welcome?.config).toEqual({ GREETING: 'Hi' });
    expect(Object.keys(t.secrets?.values ?? {})).toEqual(['BOT_TOKEN', 'WEATHER_API_KEY']);
    expect(plan.body).not.toContain(BOT_TOKENS[SHARED_TENANT]);
    const removed = build({ id: 'x5', requestedBy: alice, kind: 'tenant.update', slug: DEDICATED_TENANT, secrets: { unset: ['BOT_TOKEN'] } });
    expect(removed.plan.edits).toContainEqual({ path: `tenants/${DEDICATED_TENANT}/secrets.age`, content: null });
  });

  it('refuses changes to a tenant that does not exist', () => {
    const { snap, fleet } = setup();
    const e = rejected(() => buildChange({ fleet, files: snap.files, now: NOW }, ChangeRequest.parse({ id: 'x6', requestedBy: alice, kind: 'tenant.suspend', slug: 'nobody-here' })));
    expect(e).toMatchObject({ reason: 'not_found', message: 'there is no tenant "nobody-here"', context: { slug: 'nobody-here' } });
  });
});
