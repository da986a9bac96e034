import pLimit from 'p-limit';
import { slugOfDatabase } from '../fleet/names.js';
import { TransientError } from './errors.js';
import { dropletsByHost, type Observed, type ObservedHost } from './observed.js';
import { type CloudProvider, fleetTag, type HostRuntime, type ObservedDatabase, type ObservedStack, type TenantDatabase } from './ports.js';
import type { HostKeyStore } from './store.js';

export interface ObserveDeps {
  readonly cloud: CloudProvider;
  readonly runtime: HostRuntime;
  readonly tenantDb: TenantDatabase;
  readonly hostKeys: HostKeyStore;
  readonly sshUser: string;
  readonly sshPort: number;
  /** How many hosts are looked at over SSH at once. */
  readonly hostConcurrency: number;
}

/** What one owner's turn looks at again: its hosts (by host key) and its tenants' databases. */
export interface ObserveScope {
  readonly hosts?: ReadonlySet<string>;
  readonly tenants?: ReadonlySet<string>;
}

/**
 * Looks at the world, read-only: `fleet`'s droplets (by its tag) and tenant databases, and the compose
 * projects on every host that answers (within `scope`, when given). Returns plain data; an
 * unreachable host is recorded as such, not thrown, so one dead host never blinds the others.
 */
export async function observe(deps: ObserveDeps, fleet: string, scope: ObserveScope = {}): Promise<Observed> {
  const { hosts: hostScope, tenants: tenantScope } = scope;
  // The databases are read while the hosts are asked: neither waits for the other.
  const dbs = deps.tenantDb.observe(fleet, tenantScope);
  // Awaited below. Should the droplets fail first, theirs is the error thrown, and this one must
  // not also surface as an unhandled rejection.
  dbs.catch(() => undefined);
  const byHost = dropletsByHost(await deps.cloud.listDroplets(fleetTag(fleet)));
  // p-limit, not async-mutex's Semaphore: a Semaphore's queue shifts an array, quadratic in the
  // waiters (0.5 s of a pass over 30k droplets).
  const limit = pLimit(deps.hostConcurrency);
  const hosts = new Map<string, ObservedHost>();
  await Promise.all(
    [...byHost].map(([key, ds]) =>
      limit(async () => {
        const droplet = ds[0];
        if (!droplet || (hostScope && !hostScope.has(key))) return;
        hosts.set(key, { key, droplet, ...(await lookAtHost(deps, key, droplet.status === 'active' ? droplet.ipv4 : null)) });
      }),
    ),
  );
  const databases = new Map<string, ObservedDatabase>();
  for (const db of (await dbs).values()) {
    const slug = slugOfDatabase(db.database);
    if (slug !== null) databases.set(slug, db);
  }
  return { droplets: byHost, hosts, databases };
}

async function lookAtHost(deps: ObserveDeps, key: string, address: string | null): Promise<{ reachable: boolean; stacks: Map<string, ObservedStack> }> {
  const hostKey = await deps.hostKeys.get(key);
  if (address === null || hostKey === null) return { reachable: false, stacks: new Map() };
  const target = { address, port: deps.sshPort, user: deps.sshUser, hostKey };
  // One command, not a readiness check and then the list: a host whose docker lists its
  // containers is ready. Each SSH session is a handshake and a login, seconds on a slow link.
  try {
    const stacks = await deps.runtime.listStacks(target);
    return { reachable: true, stacks: new Map(stacks.map((s) => [s.project, s])) };
  } catch (error) {
    // Not answering (booting, cut off) or answering without a working docker: unreachable for
    // this pass; anything a person must fix (a changed host key, a refused login) still throws.
    if (error instanceof TransientError) return { reachable: false, stacks: new Map() };
    throw error;
  }
}
