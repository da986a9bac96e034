import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadFleet } from '../fleet/load/index.js';
import { generateFleet, SHARED_HOST_CAPACITY, writeFleetRepo } from './fleet-generator.js';

describe('bench fleet generator', () => {
  it('generates a fleet that loads without issues, with shared and dedicated tenants and a billing mix', () => {
    const { files, counts } = generateFleet({ tenants: 50, seed: 7 });
    const loaded = loadFleet({ files, refused: new Map() });
    if (!loaded.ok) throw new Error(loaded.issues.slice(0, 10).map(formatIssue).join('\n'));
    expect(loaded.fleet.tenants.size).toBe(50);
    expect(counts.shared + counts.dedicated).toBe(50);
    expect(counts.shared).toBeGreaterThan(20);
    expect(counts.dedicated).toBeGreaterThan(5);
    const statuses = new Set([...loaded.fleet.tenants.values()].map((t) => t.billing.status));
    expect(statuses).toEqual(new Set(['active', 'past_due', 'suspended']));
    const modules = new Set([...loaded.fleet.tenants.values()].flatMap((t) => Object.keys(t.tenant.modules)));
    expect(modules).toEqual(new Set(['core', 'welcome', 'scheduled-posts']));
    for (const host of loaded.fleet.hosts.values()) expect(host.capacity).toBe(SHARED_HOST_CAPACITY);
    // Each tenant's secrets.age is a blob of its own, as in a real fleet (the loader validated each).
    const sealed = [...loaded.fleet.tenants.values()].map((t) => t.secrets?.values.BOT_TOKEN);
    expect(new Set(sealed).size).toBe(50);
  });

  it('is deterministic for a seed', () => {
    const a = generateFleet({ tenants: 20, seed: 3 }).files;
    const b = generateFleet({ tenants: 20, seed: 3 }).files;
    const c = generateFleet({ tenants: 20, seed: 4 }).files;
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('writes a bare repo whose main loads without issues', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bench-gen-'));
    try {
      const { files } = generateFleet({ tenants: 50 });
      const repo = await writeFleetRepo(join(root, 'fleet.git'), files);
      const head = await repo.head('main');
      expect(head).not.toBeNull();
      const loaded = loadFleet(await repo.read(head!));
      expect(loaded.ok ? [] : loaded.issues.map(formatIssue)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
