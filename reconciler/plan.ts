import { slugOfProject } from '../fleet/names.js';
import type { Action } from './actions.js';
import { sortActions } from './actions.js';
import type { DesiredHost, DesiredState, DesiredTenant } from './desired.js';
import type { Observed } from './observed.js';
import type { ObservedStack } from './ports.js';

export interface PlanOptions {
  /** At most this many tenants or hosts are pruned in one pass; more is a person's call. */
  readonly pruneLimit: number;
}

export interface Plan {
  readonly actions: readonly Action[];
  /** Owners (tenant slugs, `host:<name>`) that cannot be planned, with why: Stalled until fixed. */
  readonly problems: ReadonlyMap<string, string>;
}

/**
 * The reconciler's decision, as a pure function of what the fleet wants and what was observed:
 * pair desired and observed by key, create what is missing, change what drifted, prune what the
 * fleet no longer has. No I/O and no clock: `desired` was derived at a given time already.
 */
export function plan(desired: DesiredState, observed: Observed, opts: PlanOptions): Plan {
  const actions: Action[] = [];
  const problems = new Map(desired.problems);
  const hostActions = new Map<string, string[]>();

  const ensureHost = (host: DesiredHost): string[] => {
    const known = hostActions.get(host.key);
    if (known) return known;
    const owner = host.key.startsWith('host:') ? host.key : host.key.slice('tenant:'.length);
    const droplets = observed.droplets.get(host.key) ?? [];
    const ids: string[] = [];
    if (droplets.length > 1) problems.set(owner, `${droplets.length} droplets are tagged ${host.tag} (ids ${droplets.map((d) => d.id).join(', ')}): remove the extra ones by hand`);
    if (droplets.length === 0) {
      actions.push({ kind: 'droplet.create', id: `${owner}/droplet.create`, owner, dependsOn: [], host });
      ids.push(`${owner}/droplet.create`);
    }
    if (observed.hosts.get(host.key)?.reachable !== true) {
      actions.push({ kind: 'host.wait', id: `${owner}/host.wait`, owner, dependsOn: [...ids], host: host.key });
      ids.push(`${owner}/host.wait`);
    }
    hostActions.set(host.key, ids);
    return ids;
  };

  // Which hosts run each project, built once: asking every host for every tenant is N × hosts
  // (30M lookups at 10k tenants on 3k hosts, bench/README.md).
  const hostsOfProject = new Map<string, string[]>();
  for (const [key, h] of observed.hosts) {
    for (const project of h.stacks.keys()) hostsOfProject.set(project, [...(hostsOfProject.get(project) ?? []), key]);
  }
  for (const t of desired.tenants.values()) {
    if (problems.has(t.slug)) continue;
    if (t.run) planRunning(t, observed, ensureHost(t.host), actions);
    else planStopped(t, observed, actions);
    for (const key of hostsOfProject.get(t.project) ?? []) {
      if (key !== t.host.key) {
        actions.push({ kind: 'stack.remove', id: `${t.slug}/stack.remove@${key}`, owner: t.slug, dependsOn: [], tenant: t.slug, host: key, project: t.project });
      }
    }
  }
  planPrunes(desired, observed, opts, actions, problems);
  return { actions: sortActions(actions), problems };
}

function planRunning(t: DesiredTenant, observed: Observed, hostDeps: string[], actions: Action[]): void {
  const db = observed.databases.get(t.slug);
  const dbDeps: string[] = [];
  if (!db?.databaseExists || !db.roleExists) {
    actions.push({ kind: 'database.ensure', id: `${t.slug}/database.ensure`, owner: t.slug, dependsOn: [], tenant: t.slug });
    dbDeps.push(`${t.slug}/database.ensure`);
  }
  const applied = new Set(db?.migrations ?? []);
  const pending = t.migrations.filter((m) => !applied.has(m));
  if (pending.length > 0) {
    actions.push({ kind: 'database.migrate', id: `${t.slug}/database.migrate`, owner: t.slug, dependsOn: [...dbDeps], tenant: t.slug, migrations: pending });
    dbDeps.push(`${t.slug}/database.migrate`);
  }
  const host = observed.hosts.get(t.host.key);
  const reason = host?.reachable ? stackDrift(t, host.stacks.get(t.project)) : 'host is new or unreachable';
  if (reason !== null || dbDeps.length > 0) {
    actions.push({
      kind: 'stack.deploy',
      id: `${t.slug}/stack.deploy`,
      owner: t.slug,
      dependsOn: [...hostDeps, ...dbDeps],
      tenant: t.slug,
      host: t.host.key,
      project: t.project,
      reason: reason ?? 'database changed',
    });
  }
}

/** Why the observed stack differs from the desired one, or null when it matches and runs. */
export function stackDrift(t: DesiredTenant, stack: ObservedStack | undefined): string | null {
  if (!stack || stack.services.length === 0) return 'stack is missing';
  const observed = new Map(stack.services.map((s) => [s.service, s]));
  const reasons: string[] = [];
  for (const want of t.services) {
    const have = observed.get(want.name);
    if (!have) reasons.push(`${want.name} missing`);
    else if (have.spec !== want.spec) reasons.push(`${want.name} changed`);
    else if (have.state !== 'running') reasons.push(`${want.name} ${have.state}`);
    else if (have.health === 'unhealthy') reasons.push(`${want.name} unhealthy`);
  }
  const wanted = new Set(t.services.map((s) => s.name));
  for (const s of stack.services) if (!wanted.has(s.service)) reasons.push(`${s.service} no longer wanted`);
  return reasons.length > 0 ? reasons.join(', ') : null;
}

function planStopped(t: DesiredTenant, observed: Observed, actions: Action[]): void {
  const stack = observed.hosts.get(t.host.key)?.stacks.get(t.project);
  if (stack?.services.some((s) => s.state === 'running' || s.state === 'restarting')) {
    actions.push({ kind: 'stack.stop', id: `${t.slug}/stack.stop`, owner: t.slug, dependsOn: [], tenant: t.slug, host: t.host.key, project: t.project });
  }
}

/** Prunes what the fleet no longer has: dump, then stack, database, and the droplet last. */
function planPrunes(desired: DesiredState, observed: Observed, opts: PlanOptions, actions: Action[], problems: Map<string, string>): void {
  const gone = new Map<string, { host: string | null; stacks: string[] }>();
  const note = (slug: string) => gone.get(slug) ?? gone.set(slug, { host: null, stacks: [] }).get(slug)!;
  for (const slug of observed.databases.keys()) if (!desired.tenants.has(slug) && !desired.problems.has(slug)) note(slug);
  for (const [key, h] of observed.hosts) {
    for (const project of h.stacks.keys()) {
      const slug = slugOfProject(project);
      if (slug === null || desired.tenants.has(slug) || desired.problems.has(slug)) continue;
      note(slug).stacks.push(key);
    }
  }
  for (const key of observed.droplets.keys()) {
    if (key.startsWith('tenant:')) {
      const slug = key.slice('tenant:'.length);
      if (!desired.tenants.has(slug) && !desired.problems.has(slug)) note(slug).host = key;
    }
  }
  const hostsGone = [...observed.droplets.keys()].filter((k) => k.startsWith('host:') && !desired.hosts.has(k));
  if (gone.size + hostsGone.length > opts.pruneLimit) {
    problems.set('fleet', `would prune ${gone.size} tenants and ${hostsGone.length} hosts, over the limit of ${opts.pruneLimit} per pass; check main, then raise the limit for one pass`);
    return;
  }
  for (const [slug, g] of gone) {
    const dumpHost = g.host ?? g.stacks[0] ?? null;
    const dbExists = observed.databases.get(slug)?.databaseExists === true;
    const deps: string[] = [];
    if (dbExists) {
      actions.push({ kind: 'database.dump', id: `${slug}/database.dump`, owner: slug, dependsOn: [], tenant: slug, host: dumpHost });
      deps.push(`${slug}/database.dump`);
    }
    for (const key of g.stacks) {
      const id = `${slug}/stack.remove@${key}`;
      actions.push({ kind: 'stack.remove', id, owner: slug, dependsOn: [...deps], tenant: slug, host: key, project: `bf-${slug}` });
    }
    const removes = g.stacks.map((key) => `${slug}/stack.remove@${key}`);
    if (observed.databases.has(slug)) {
      actions.push({ kind: 'database.drop', id: `${slug}/database.drop`, owner: slug, dependsOn: [...deps, ...removes], tenant: slug });
    }
    if (g.host !== null) {
      for (const d of observed.droplets.get(g.host) ?? []) {
        actions.push({ kind: 'droplet.delete', id: `${slug}/droplet.delete#${d.id}`, owner: slug, dependsOn: [...deps, ...removes], host: g.host, dropletId: d.id });
      }
    }
  }
  for (const key of hostsGone) {
    const h = observed.hosts.get(key);
    if (h && h.stacks.size > 0) {
      problems.set(key, `host ${key} is no longer in the fleet but still runs ${[...h.stacks.keys()].join(', ')}`);
      continue;
    }
    for (const d of observed.droplets.get(key) ?? []) {
      actions.push({ kind: 'droplet.delete', id: `${key}/droplet.delete#${d.id}`, owner: key, dependsOn: [], host: key, dropletId: d.id });
    }
  }
}
