import { describe, expect, it } from 'vitest';
import { fleetFiles, sealValue, SHARED_HOST, SHARED_TENANT, snapshot, TEST_RECIPIENT, validFleetManifests } from '../../test/fleet-fixtures.js';
import { applyEdits } from '../edits.js';
import { loadFleet } from '../load/index.js';
import { mergeModeOf } from '../policy.js';
import { buildChange, ChangeRejectedError, ChangeRequest, type ChangeRequestInput } from './index.js';

/** tenant.import: many tenants in one reviewed change, placed one after another, secrets named only. */

const NOW = '2026-03-16T12:00:00.000Z';
const SEALED = await sealValue(TEST_RECIPIENT, '7000000009:AAH_import_test_token_0123456789abc');

function setup(hostCapacity: number) {
  const m = validFleetManifests();
  m.fleet.defaults = { ...m.fleet.defaults, hostCapacity };
  // The fixture's host is nearly full, so the import has to add hosts.
  m.hosts[SHARED_HOST] = { ...m.hosts[SHARED_HOST]!, capacity: 2 };
  const snap = snapshot(fleetFiles(m));
  const loaded = loadFleet(snap);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { snap, fleet: loaded.fleet };
}

const imported = (n: number) => ({
  slug: `imported-${n}`,
  owner: { telegramUserId: 300_000 + n },
  plan: 'basic',
  createdAt: '2025-03-01T00:00:00Z',
  secrets: { BOT_TOKEN: SEALED },
  billing: { periods: [{ id: `mongo-sub-${n}`, start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z', source: 'import' as const, amount: { amount: 990, currency: 'usd' } }] },
});

const request = (count: number): ChangeRequestInput => ({
  kind: 'tenant.import',
  id: 'import:mongo:abc',
  requestedBy: { type: 'cli', user: 'olga' },
  source: 'mongo',
  tenants: Array.from({ length: count }, (_, i) => imported(i + 1)),
});

describe('tenant.import', () => {
  it('creates every tenant with its billing and sealed token, adding shared hosts as they fill; the PR counts, never quotes', () => {
    const { snap, fleet } = setup(4);
    const plan = buildChange({ fleet, files: snap.files, now: NOW }, ChangeRequest.parse(request(10)));
    const after = loadFleet(applyEdits(snap, plan.edits));
    if (!after.ok) throw new Error(after.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
    expect(after.fleet.tenants.size).toBe(fleet.tenants.size + 10);
    const t = after.fleet.tenants.get('imported-3')!;
    expect(t.billing.paidThrough).toBe('2026-04-01T00:00:00Z');
    expect(t.tenant.createdAt).toBe('2025-03-01T00:00:00Z');
    expect(t.secrets?.values.BOT_TOKEN).toBe(SEALED);
    // Every shared host stays within its capacity.
    const perHost = new Map<string, number>();
    for (const { tenant } of after.fleet.tenants.values()) if (tenant.placement.type === 'shared') perHost.set(tenant.placement.host, (perHost.get(tenant.placement.host) ?? 0) + 1);
    for (const [host, n] of perHost) expect(n).toBeLessThanOrEqual(after.fleet.hosts.get(host)!.capacity);
    expect(after.fleet.hosts.size).toBeGreaterThan(fleet.hosts.size);
    expect(plan.title).toBe('Import 10 tenants from mongo');
    expect(plan.branch).toMatch(/^bf\/tenant-import\/import-mongo-[0-9a-f]{10}$/);
    expect(plan.body).toContain('bot tokens (encrypted): 10 of 10');
    expect(plan.body).not.toContain(SEALED);
    expect(mergeModeOf({ ...fleet.config, mergePolicy: { default: 'auto', kinds: { 'tenant.import': 'auto' } } }, 'tenant.import')).toBe('review');
  });

  it('refuses a name that is taken and a tenant listed twice', () => {
    const { snap, fleet } = setup(20);
    const taken = ChangeRequest.parse({ ...request(1), tenants: [{ ...imported(1), slug: SHARED_TENANT }] });
    expect(() => buildChange({ fleet, files: snap.files, now: NOW }, taken)).toThrow(ChangeRejectedError);
    expect(ChangeRequest.safeParse({ ...request(1), tenants: [imported(1), imported(1)] }).success).toBe(false);
  });
});
