import { describe, expect, it } from 'vitest';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { DEDICATED_TENANT, FIXTURE_NOW, fleetFiles, SHARED_HOST, SHARED_TENANT, snapshot, validFleetManifests, type FleetManifests } from '../test/fleet-fixtures.js';
import { desiredState } from './desired.js';
import type { ModuleRuntime } from '../fleet/schema/module-runtime.js';
import type { Observed, ObservedHost } from './observed.js';
import { plan, stackDrift } from './plan.js';
import type { Droplet, ObservedDatabase, ObservedStack } from './ports.js';

const runtime = (name: string, version: string, extra: Partial<ModuleRuntime> = {}): [string, ModuleRuntime] => [
  `${name}@${version}`,
  { name, version, image: `ghcr.io/acme/${name}:${version}`, env: { BOT_TOKEN: { from: 'secret', key: 'BOT_TOKEN' }, DATABASE_URL: { from: 'database' } }, migrations: [`${name}@${version}/001.sql`], ...extra },
];
const RUNTIMES = new Map([runtime('core', '1.0.0'), runtime('core', '1.1.0'), runtime('welcome', '1.0.0', { env: { GREETING: { from: 'config', key: 'GREETING' } }, migrations: [] })]);

function fleetOf(mutate: (m: FleetManifests) => void = () => undefined): Fleet {
  const m = validFleetManifests();
  mutate(m);
  const r = loadFleet(snapshot(fleetFiles(m)));
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return r.fleet;
}

const desiredOf = (fleet: Fleet, now = FIXTURE_NOW) => desiredState(fleet, RUNTIMES, now, { networkMode: 'host' });
const droplet = (id: number, tags: string[]): Droplet => ({ id, name: `d${id}`, tags: ['buckfleet', ...tags], status: 'active', ipv4: `192.0.2.${id}`, region: 'fra1', size: 's' });
const db = (slug: string, migrations: string[]): ObservedDatabase => ({ database: `bf_${slug.replace(/-/g, '_')}`, role: `bf_${slug.replace(/-/g, '_')}`, databaseExists: true, roleExists: true, migrations });

/** The world as it is once the fixture fleet fully converged. */
function converged(fleet: Fleet): { droplets: Map<string, Droplet[]>; hosts: Map<string, ObservedHost>; databases: Map<string, ObservedDatabase> } {
  const desired = desiredOf(fleet);
  const droplets = new Map<string, Droplet[]>();
  const hosts = new Map<string, ObservedHost>();
  let id = 1;
  for (const h of desired.hosts.values()) {
    const d = droplet(id++, [h.tag]);
    droplets.set(h.key, [d]);
    hosts.set(h.key, { key: h.key, droplet: d, reachable: true, stacks: new Map() });
  }
  const databases = new Map<string, ObservedDatabase>();
  for (const t of desired.tenants.values()) {
    const stack: ObservedStack = {
      project: t.project,
      services: t.services.map((s) => ({ service: s.name, container: `${t.project}_${s.name}_1`, image: s.image, state: 'running', health: 'healthy', spec: s.spec })),
    };
    (hosts.get(t.host.key)?.stacks as Map<string, ObservedStack>).set(t.project, stack);
    databases.set(t.slug, db(t.slug, [...t.migrations]));
  }
  return { droplets, hosts, databases };
}

const empty: Observed = { droplets: new Map(), hosts: new Map(), databases: new Map() };
const OPTS = { pruneLimit: 5 };
const summary = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.id} <- ${a.dependsOn.join(',') || '-'}`);

describe('plan', () => {
  it("removes a tenant's stack from a host it no longer belongs to, and only there", () => {
    const fleet = fleetOf();
    const world = converged(fleet);
    const shared = desiredOf(fleet).tenants.get(SHARED_TENANT);
    if (!shared) throw new Error('fixture has no shared tenant');
    // The shared tenant's stack also runs on the dedicated tenant's droplet (moved by hand, or a move half done).
    const stray = world.hosts.get(`tenant:${DEDICATED_TENANT}`)?.stacks as Map<string, ObservedStack>;
    stray.set(shared.project, { project: shared.project, services: [] });
    const p = plan(desiredOf(fleet), world, OPTS);
    expect(summary(p)).toEqual([`${SHARED_TENANT}/stack.remove@tenant:${DEDICATED_TENANT} <- -`]);
  });

  it('creates everything from nothing, in dependency order', () => {
    const p = plan(desiredOf(fleetOf()), empty, OPTS);
    expect(summary(p)).toEqual([
      `${DEDICATED_TENANT}/droplet.create <- -`,
      `host:${SHARED_HOST}/droplet.create <- -`,
      // Databases between ordering the droplets and waiting for them: made while they boot.
      `${SHARED_TENANT}/database.ensure <- -`,
      `${DEDICATED_TENANT}/database.ensure <- -`,
      `${SHARED_TENANT}/database.migrate <- ${SHARED_TENANT}/database.ensure`,
      `${DEDICATED_TENANT}/database.migrate <- ${DEDICATED_TENANT}/database.ensure`,
      `${DEDICATED_TENANT}/host.wait <- ${DEDICATED_TENANT}/droplet.create`,
      `host:${SHARED_HOST}/host.wait <- host:${SHARED_HOST}/droplet.create`,
      `${SHARED_TENANT}/stack.deploy <- host:${SHARED_HOST}/droplet.create,host:${SHARED_HOST}/host.wait,${SHARED_TENANT}/database.ensure,${SHARED_TENANT}/database.migrate`,
      `${DEDICATED_TENANT}/stack.deploy <- ${DEDICATED_TENANT}/droplet.create,${DEDICATED_TENANT}/host.wait,${DEDICATED_TENANT}/database.ensure,${DEDICATED_TENANT}/database.migrate`,
    ]);
    expect(p.problems.size).toBe(0);
  });

  it('plans nothing for a converged fleet', () => {
    const fleet = fleetOf();
    expect(plan(desiredOf(fleet), converged(fleet), OPTS).actions).toEqual([]);
  });

  it('redeploys only what drifted: a stopped container, a new module version, a dropped database', () => {
    const fleet = fleetOf();
    const world = converged(fleet);
    const shared = world.hosts.get(`host:${SHARED_HOST}`)!.stacks as Map<string, ObservedStack>;
    const stack = shared.get(`bf-${SHARED_TENANT}`)!;
    shared.set(`bf-${SHARED_TENANT}`, { ...stack, services: stack.services.map((s) => (s.service === 'welcome' ? { ...s, state: 'exited' as const } : s)) });
    world.databases.delete(DEDICATED_TENANT);
    const p = plan(desiredOf(fleet), world, OPTS);
    expect(p.actions.map((a) => a.id)).toEqual([
      `${DEDICATED_TENANT}/database.ensure`,
      `${DEDICATED_TENANT}/database.migrate`,
      `${SHARED_TENANT}/stack.deploy`,
      `${DEDICATED_TENANT}/stack.deploy`,
    ]);
    expect(p.actions.find((a) => a.id === `${SHARED_TENANT}/stack.deploy`)).toMatchObject({ reason: 'welcome exited' });

    const updated = fleetOf((m) => (m.tenants[DEDICATED_TENANT]!.tenant.modules = { core: { version: '1.1.0' } }));
    const p2 = plan(desiredOf(updated), converged(fleet), OPTS);
    expect(p2.actions.map((a) => `${a.id}: ${'reason' in a ? a.reason : 'migrations' in a ? a.migrations.join(' ') : ''}`)).toEqual([
      `${DEDICATED_TENANT}/database.migrate: core@1.1.0/001.sql`,
      `${DEDICATED_TENANT}/stack.deploy: core changed`,
    ]);
  });

  it('stops a tenant that billing says must not run, and keeps its data', () => {
    const fleet = fleetOf((m) => (m.tenants[SHARED_TENANT]!.billing = { ...m.tenants[SHARED_TENANT]!.billing, status: 'suspended' }));
    const p = plan(desiredOf(fleet), converged(fleetOf()), OPTS);
    expect(p.actions.map((a) => a.id)).toEqual([`${SHARED_TENANT}/stack.stop`]);
    // Paid-through plus grace days in the past stops it too.
    const late = desiredOf(fleetOf(), '2026-04-20T00:00:00Z');
    expect(late.tenants.get(SHARED_TENANT)?.run).toBe(false);
    expect(late.tenants.get(SHARED_TENANT)?.runReason).toBe('paid through 2026-04-04T00:00:00Z plus 3 grace days has passed');
  });

  it('prunes a deleted tenant: dump, then stack, database and droplet', () => {
    const before = fleetOf();
    const after = fleetOf((m) => delete m.tenants[DEDICATED_TENANT]);
    const p = plan(desiredOf(after), converged(before), OPTS);
    expect(summary(p)).toEqual([
      `${DEDICATED_TENANT}/database.dump <- -`,
      `${DEDICATED_TENANT}/stack.remove@tenant:${DEDICATED_TENANT} <- ${DEDICATED_TENANT}/database.dump`,
      `${DEDICATED_TENANT}/database.drop <- ${DEDICATED_TENANT}/database.dump,${DEDICATED_TENANT}/stack.remove@tenant:${DEDICATED_TENANT}`,
      `${DEDICATED_TENANT}/droplet.delete#2 <- ${DEDICATED_TENANT}/database.dump,${DEDICATED_TENANT}/stack.remove@tenant:${DEDICATED_TENANT}`,
    ]);
  });

  it('refuses to prune more than the limit in one pass', () => {
    const before = fleetOf();
    const p = plan(desiredOf(fleetOf((m) => (m.tenants = {}))), converged(before), { pruneLimit: 1 });
    expect(p.actions.filter((a) => a.kind === 'database.drop')).toEqual([]);
    expect(p.problems.get('fleet')).toMatch(/^would prune 2 tenants and 0 hosts, over the limit of 1/);
  });

  it('reports duplicate droplets and missing module runtimes as problems, and plans the rest', () => {
    const fleet = fleetOf();
    const world = converged(fleet);
    world.droplets.set(`tenant:${DEDICATED_TENANT}`, [...world.droplets.get(`tenant:${DEDICATED_TENANT}`)!, droplet(99, [`buckfleet-tenant-${DEDICATED_TENANT}`])]);
    const p = plan(desiredOf(fleet), world, OPTS);
    expect(p.problems.get(DEDICATED_TENANT)).toBe(`2 droplets are tagged buckfleet-tenant-${DEDICATED_TENANT} (ids 2, 99): remove the extra ones by hand`);
    const noRuntime = desiredState(fleet, new Map([runtime('core', '1.0.0')]), FIXTURE_NOW, { networkMode: 'host' });
    expect(noRuntime.problems.get(SHARED_TENANT)).toBe('no runtime for core@1.1.0 (module source missing)');
  });

  it('moves a tenant: deploy on the new host, remove the stack from the old one', () => {
    const before = fleetOf();
    const after = fleetOf((m) => {
      m.hosts['shared-2'] = { name: 'shared-2', region: 'fra1', size: 's-2vcpu-4gb', capacity: 5 };
      m.tenants[SHARED_TENANT]!.tenant.placement = { type: 'shared', host: 'shared-2' };
    });
    const ids = plan(desiredOf(after), converged(before), OPTS).actions.map((a) => a.id);
    expect(ids).toContain(`${SHARED_TENANT}/stack.remove@host:${SHARED_HOST}`);
    expect(ids).toContain('host:shared-2/droplet.create');
    expect(ids).toContain(`${SHARED_TENANT}/stack.deploy`);
  });
});

describe('stackDrift', () => {
  const t = desiredOf(fleetOf()).tenants.get(SHARED_TENANT)!;
  const ok = (): ObservedStack => ({ project: t.project, services: t.services.map((s) => ({ service: s.name, container: 'c', image: s.image, state: 'running', health: 'none', spec: s.spec })) });
  it.each([
    ['matches', ok(), null],
    ['is missing', undefined, 'stack is missing'],
    ['has an unhealthy service', { ...ok(), services: ok().services.map((s) => ({ ...s, health: 'unhealthy' as const })) }, 'core unhealthy, welcome unhealthy'],
    ['has an extra service', { ...ok(), services: [...ok().services, { service: 'old', container: 'c', image: 'x', state: 'running' as const, health: 'none' as const, spec: null }] }, 'old no longer wanted'],
    ['lacks a label', { ...ok(), services: ok().services.map((s) => ({ ...s, spec: null })) }, 'core changed, welcome changed'],
  ])('%s', (_, stack, expected) => {
    expect(stackDrift(t, stack)).toBe(expected);
  });
});
