import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approveChange } from '../../fleet/approve.js';
import { submitChange } from '../../fleet/submit.js';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { describeWithHosts, type TestHost } from '../hosts/index.js';
import { containers, httpGet, tenantTables } from './assertions.js';
import { startWorld, type World } from './world.js';

describeWithHosts('reconciler end to end: two tenants from nothing, then install, suspend, resume, delete', () => {
  let world: World;
  let dedicated: string;
  let shared: string;
  const hostOf = (name: string): TestHost => {
    const h = world.hosts.get(name);
    if (!h) throw new Error(`no test host for droplet ${name}`);
    return h;
  };
  const pass = async () => reconcilePass((await world.reconciler()).deps);
  /**
   * A pass that counts how often the tenant databases are looked at: once for the pass, once more
   * for each owner whose turn had to look again. `meanwhile` runs as an owner's lock is asked for.
   */
  const countingPass = async (meanwhile: (owner: string) => Promise<void> = () => Promise.resolve()) => {
    const deps = (await world.reconciler()).deps;
    let looks = 0;
    const tenantDb = new Proxy(deps.tenantDb, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key === 'observe') looks += 1;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const locks = { ...deps.locks, tryLock: async (owner: string, reason: string) => (await meanwhile(owner), deps.locks.tryLock(owner, reason)) };
    const report = await reconcilePass({ ...deps, tenantDb, locks });
    return { report, looks };
  };
  const change = (input: Parameters<typeof submitChange>[1]) => submitChange({ repo: world.repo.repo, prs: world.repo.repo, now: () => new Date() }, input);
  const cli = { type: 'cli', user: 'e2e' } as const;

  beforeAll(async () => {
    world = await startWorld([
      { name: 'dedi', placement: 'dedicated' },
      { name: 'shar', placement: 'shared' },
    ]);
    [dedicated, shared] = world.tenants.map((t) => t.slug) as [string, string];
  }, 120_000);

  afterAll(() => world?.close(), 120_000);

  it('brings both tenants from nothing to running stacks with their databases', async () => {
    const report = await pass();
    expect(report.owners.map((o) => `${o.owner}: ${o.status}${o.error ? ` (${o.error})` : ''}`).sort()).toEqual(
      [`${dedicated}: ready`, `${shared}: ready`, 'host:shared-1: ready'].sort(),
    );
    expect(world.cloud.droplets().map((d) => [...d.tags].sort().join(',')).sort()).toEqual(
      [`buckfleet,buckfleet-fleet-${world.fleet},buckfleet-host-shared-1`, `buckfleet,buckfleet-fleet-${world.fleet},buckfleet-tenant-${dedicated}`].sort(),
    );
    for (const [slug, droplet, port] of [[dedicated, `bf-${dedicated}`, 18_081], [shared, 'bf-host-shared-1', 18_082]] as const) {
      const cs = await containers(hostOf(droplet), `bf-${slug}`);
      expect(cs.map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);
      expect(await httpGet(hostOf(droplet), cs[0]!.id, port)).toBe(slug);
      expect(await tenantTables(slug)).toEqual(['bot_users', 'buckfleet_migrations']);
    }
    // A second pass finds nothing to do.
    const again = await pass();
    expect(again.plan.actions).toEqual([]);
    // Where the time went: the deploying pass spent it in the owners' turns, the idle one observing.
    expect(report.timings.applyMs).toBeGreaterThan(report.timings.observeMs);
    expect(again.timings.observeMs).toBeGreaterThan(0);
    expect(again.timings.applyMs).toBeLessThan(report.timings.applyMs);
  }, 240_000);

  it('installs a module: the stack gains it, its migration runs, core is untouched', async () => {
    const host = hostOf('bf-host-shared-1');
    const [core] = await containers(host, `bf-${shared}`);
    expect((await change({ id: 'install-welcome', kind: 'module.install', requestedBy: cli, slug: shared, module: 'welcome' })).status).toBe('merged');
    const { report, looks } = await countingPass();
    expect(report.owners.find((o) => o.owner === shared)?.status).toBe('ready');
    // Nobody took the tenant's lock since the pass looked: its turn planned on that look.
    expect(looks).toBe(1);
    const after = await containers(host, `bf-${shared}`);
    expect(after.map((c) => `${c.service}:${c.running}`)).toEqual(['core:true', 'welcome:true']);
    expect(after[0]?.id).toBe(core?.id);
    expect(await tenantTables(shared)).toEqual(['bot_users', 'buckfleet_migrations', 'greetings']);
  }, 120_000);

  it('suspends a tenant (stack stopped, data kept) and resumes it', async () => {
    const host = hostOf(`bf-${dedicated}`);
    await change({ id: 'suspend-dedi', kind: 'tenant.suspend', requestedBy: cli, slug: dedicated, reason: 'unpaid' });
    // Another process has the tenant's lock for a moment after this pass looked: the turn looks again.
    const other = (await world.reconciler()).deps.locks;
    const { looks } = await countingPass(async (owner) => {
      if (owner !== dedicated) return;
      const held = await other.tryLock(owner, 'another process');
      await held?.release();
    });
    expect(looks).toBe(2);
    expect((await containers(host, `bf-${dedicated}`)).map((c) => c.running)).toEqual([false]);
    expect(await tenantTables(dedicated)).toEqual(['bot_users', 'buckfleet_migrations']);
    await change({ id: 'resume-dedi', kind: 'tenant.resume', requestedBy: cli, slug: dedicated, reason: 'paid' });
    await pass();
    const cs = await containers(host, `bf-${dedicated}`);
    expect(cs.map((c) => `${c.running}:${c.health}`)).toEqual(['true:healthy']);
  }, 120_000);

  it('deletes a tenant: dump kept in the host backups, stack, database and role removed', async () => {
    const deleted = await change({ id: 'delete-shar', kind: 'tenant.delete', requestedBy: { type: 'admin', userId: 100_001 }, slug: shared });
    if (deleted.status !== 'open') throw new Error(`tenant.delete should wait for review, got ${deleted.status}`);
    await approveChange({ repo: world.repo.repo, prs: world.repo.repo }, deleted.pr.number);
    const report = await pass();
    expect(report.owners.find((o) => o.owner === shared)?.applied).toEqual([`${shared}/database.dump`, `${shared}/stack.remove@host:shared-1`, `${shared}/database.drop`]);
    expect(await containers(hostOf('bf-host-shared-1'), `bf-${shared}`)).toEqual([]);
    expect(await tenantTables(shared)).toBeNull();
    const dumps = await readdir(join(world.env.BUCKFLEET_HOST_DIR!, 'backups'));
    expect(dumps.some((f) => f.startsWith(`${shared}-`) && f.endsWith('.dump'))).toBe(true);
    // The dedicated tenant and the shared host are untouched.
    expect(world.cloud.droplets()).toHaveLength(2);
    expect((await containers(hostOf(`bf-${dedicated}`), `bf-${dedicated}`)).map((c) => c.running)).toEqual([true]);
  }, 120_000);
});
