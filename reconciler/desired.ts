import { hash } from 'node:crypto';
import type { Fleet, TenantRecord } from '../fleet/model.js';
import { composeProject, databaseName } from '../fleet/names.js';
import { hostTag, tenantTag } from './ports.js';
import { type ModuleRuntimes, runtimeKey } from '../fleet/schema/module-runtime.js';

/** A droplet the fleet needs: a dedicated tenant's own, or a shared host. */
export interface DesiredHost {
  /** `tenant:<slug>` or `host:<name>`: the key of everything about this host. */
  readonly key: string;
  readonly tag: string;
  readonly dropletName: string;
  readonly region: string;
  readonly size: string;
  readonly image: string;
}

/** An environment value as planned: literal, or a reference resolved only when the stack is written. */
export type EnvValue =
  | { readonly value: string }
  /** `sealed` is the age ciphertext from secrets.age: the plan never sees the plaintext. */
  | { readonly secret: string; readonly sealed: string }
  | { readonly database: true };

export interface DesiredService {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly healthcheck: { readonly test: readonly string[]; readonly intervalSeconds: number; readonly retries: number } | null;
  /** Hash of everything above: the `buckfleet.spec` label; a different hash on the host is drift. */
  readonly spec: string;
}

export interface DesiredTenant {
  readonly slug: string;
  /** False while billing says the tenant must not run: the stack is stopped, data kept. */
  readonly run: boolean;
  /** Why it runs or not, for the plan output. */
  readonly runReason: string;
  readonly host: DesiredHost;
  readonly project: string;
  readonly database: string;
  readonly services: readonly DesiredService[];
  readonly migrations: readonly string[];
}

export interface DesiredState {
  /** The fleet's name (fleet.yaml): what marks its databases as its own. */
  readonly fleet: string;
  readonly tenants: ReadonlyMap<string, DesiredTenant>;
  readonly hosts: ReadonlyMap<string, DesiredHost>;
  /** Tenants that cannot be planned (a module runtime or a secret is missing), with why. */
  readonly problems: ReadonlyMap<string, string>;
}

export interface DesiredOptions {
  /** `host` on the test hosts (and single-tenant droplets); compose's default bridge otherwise. */
  readonly networkMode: 'host' | 'bridge';
}

const DAY_MS = 86_400_000;

/**
 * Whether billing lets a tenant run at `now`: active or past due, and within paid-through plus
 * the grace days. A tenant never billed (no paid period) runs only while its status is active —
 * an operator's or an importer's tenant, not a customer's purchase.
 */
export function mustRun(record: TenantRecord, graceDays: number, now: string): { run: boolean; reason: string } {
  const { status, paidThrough } = record.billing;
  if (status === 'suspended' || status === 'cancelled') return { run: false, reason: `billing status is ${status}` };
  if (paidThrough === null) return status === 'active' ? { run: true, reason: 'active, not billed' } : { run: false, reason: 'never paid' };
  const until = Date.parse(paidThrough) + graceDays * DAY_MS;
  if (Date.parse(now) > until) return { run: false, reason: `paid through ${paidThrough} plus ${graceDays} grace days has passed` };
  return { run: true, reason: `paid through ${paidThrough}` };
}

/** Everything the fleet says should exist, derived from `main` without any I/O. */
export function desiredState(fleet: Fleet, runtimes: ModuleRuntimes, now: string, opts: DesiredOptions): DesiredState {
  const tenants = new Map<string, DesiredTenant>();
  const hosts = new Map<string, DesiredHost>();
  const problems = new Map<string, string>();
  const image = fleet.config.defaults.image;
  const runtimeIds = new RuntimeIds();
  for (const [name, h] of fleet.hosts) {
    hosts.set(`host:${name}`, { key: `host:${name}`, tag: hostTag(name), dropletName: `bf-host-${name}`, region: h.region, size: h.size, image });
  }
  for (const [slug, record] of fleet.tenants) {
    const placement = record.tenant.placement;
    let host: DesiredHost | undefined;
    if (placement.type === 'dedicated') {
      host = { key: `tenant:${slug}`, tag: tenantTag(slug), dropletName: `bf-${slug}`, region: placement.region, size: placement.size, image };
      hosts.set(host.key, host);
    } else {
      host = hosts.get(`host:${placement.host}`);
    }
    if (!host) {
      problems.set(slug, `host ${placement.type === 'shared' ? placement.host : slug} is not in the fleet`);
      continue;
    }
    try {
      const { services, migrations } = stackOf(record, runtimes, opts, runtimeIds);
      const { run, reason } = mustRun(record, fleet.config.billing.graceDays, now);
      tenants.set(slug, { slug, run, runReason: reason, host, project: composeProject(slug), database: databaseName(slug), services, migrations });
    } catch (error) {
      if (!(error instanceof DesiredStateProblem)) throw error;
      problems.set(slug, error.message);
    }
  }
  return { fleet: fleet.config.name, tenants, hosts, problems };
}

class DesiredStateProblem extends Error {}

interface TenantStack {
  readonly services: readonly DesiredService[];
  readonly migrations: readonly string[];
}

/**
 * Each tenant's services and migrations, kept with its manifest value: the manifest cache hands
 * every pass the same frozen value for an unchanged tenant.yaml, so a pass need not build and
 * hash 20k services again (at 10k tenants that was most of a pass over an unchanged main, and a
 * second copy of them all in memory until the first was collected). An entry holds only while
 * everything else it was built from is the same: the tenant's secrets (also a frozen cached
 * value), the network mode, and the content of each module runtime it uses.
 */
const stacks = new WeakMap<object, { readonly key: string; readonly secrets: object | null; readonly stack: TenantStack }>();

/** A short name for each runtime's content, worked out once per desiredState. */
class RuntimeIds {
  private readonly ids = new Map<object, string>();
  of(runtime: object | undefined): string {
    if (runtime === undefined) return '-';
    let id = this.ids.get(runtime);
    if (id === undefined) {
      id = hashOf(runtime);
      this.ids.set(runtime, id);
    }
    return id;
  }
}

function stackOf(record: TenantRecord, runtimes: ModuleRuntimes, opts: DesiredOptions, runtimeIds: RuntimeIds): TenantStack {
  const { tenant, secrets } = record;
  // Only values no one can change in place (the cache's) may be remembered by identity.
  const keep = Object.isFrozen(tenant) && (secrets === null || Object.isFrozen(secrets));
  let key = '';
  if (keep) {
    key = `${record.slug}\0${opts.networkMode}`;
    for (const [m, install] of Object.entries(tenant.modules)) key += `\0${runtimeIds.of(runtimes.get(runtimeKey(m, install.version)))}`;
    const known = stacks.get(tenant);
    if (known !== undefined && known.key === key && known.secrets === secrets) return known.stack;
  }
  const services = servicesOf(record, runtimes, opts);
  const migrations = Object.entries(tenant.modules).flatMap(([m, i]) => runtimes.get(runtimeKey(m, i.version))?.migrations ?? []);
  if (!keep) return { services, migrations };
  // Shared by every pass from now on: no consumer may change it.
  for (const service of services) {
    for (const value of Object.values(service.env)) Object.freeze(value);
    Object.freeze(service.env);
    Object.freeze(service);
  }
  const stack: TenantStack = Object.freeze({ services: Object.freeze(services), migrations: Object.freeze(migrations) });
  stacks.set(tenant, { key, secrets, stack });
  return stack;
}

function servicesOf(record: TenantRecord, runtimes: ModuleRuntimes, opts: DesiredOptions): DesiredService[] {
  return Object.entries(record.tenant.modules).map(([name, install]) => {
    const runtime = runtimes.get(runtimeKey(name, install.version));
    if (!runtime) throw new DesiredStateProblem(`no runtime for ${name}@${install.version} (module source missing)`);
    const env: Record<string, EnvValue> = {};
    for (const [key, source] of Object.entries(runtime.env)) {
      switch (source.from) {
        case 'value':
          env[key] = { value: source.value };
          break;
        case 'config': {
          const v = install.config[source.key];
          if (v === undefined && source.default === undefined) continue;
          env[key] = { value: v === undefined ? (source.default ?? '') : String(v) };
          break;
        }
        case 'chats':
          env[key] = { value: JSON.stringify(record.tenant.chats) };
          break;
        case 'owner':
          env[key] = { value: String(record.tenant.owner.telegramUserId) };
          break;
        case 'database':
          env[key] = { database: true };
          break;
        case 'secret': {
          const sealed = record.secrets?.values[source.key];
          if (sealed === undefined) throw new DesiredStateProblem(`secret ${source.key} needed by ${name} is not in secrets.age`);
          env[key] = { secret: source.key, sealed };
        }
      }
    }
    const healthcheck = runtime.healthcheck ?? null;
    const command = runtime.command ?? null;
    const spec = hashOf({ image: runtime.image, command, env, healthcheck, networkMode: opts.networkMode, tenant: record.slug });
    return { name, image: runtime.image, command, env, healthcheck, spec };
  });
}

// One-shot `hash`: no Hash object per service (20k of them in a 10k fleet's pass).
const hashOf = (value: unknown) => hash('sha256', JSON.stringify(value), 'hex').slice(0, 24);
