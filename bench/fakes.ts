import type { Fleet } from '../fleet/model.js';
import { runtimeKey, type ModuleRuntime, type ModuleRuntimes } from '../fleet/schema/module-runtime.js';
import type { DesiredState } from '../reconciler/desired.js';
import type { ObserveDeps } from '../reconciler/observe.js';
import {
  type CloudProvider,
  type Droplet,
  FLEET_TAG,
  fleetTag,
  type HostRuntime,
  type HostTarget,
  type ObservedDatabase,
  type ObservedStack,
  type TenantDatabase,
} from '../reconciler/ports.js';
import { TransientError } from '../reconciler/errors.js';
import type { HostKeyStore } from '../reconciler/store.js';
import { BENCH_CATALOG } from './fleet-generator.js';

/**
 * In-memory stand-ins for the reconciler's ports that report a world exactly as the fleet wants
 * it: every droplet active, every stack running and healthy with the desired spec hash, every
 * database and role present with every migration applied. A plan against them is empty.
 * Read-only: anything that would change the world throws.
 */

/** Runtimes for every version of the generated catalog: env from every kind of source, migrations. */
export function benchRuntimes(): ModuleRuntimes {
  const out = new Map<string, ModuleRuntime>();
  for (const [name, versions] of Object.entries(BENCH_CATALOG)) {
    for (const version of Object.keys(versions)) {
      const env: ModuleRuntime['env'] =
        name === 'core'
          ? {
              BOT_TOKEN: { from: 'secret', key: 'BOT_TOKEN' },
              DATABASE_URL: { from: 'database' },
              OWNER_ID: { from: 'owner' },
              CHATS: { from: 'chats' },
              BOT_NAME: { from: 'config', key: 'BOT_NAME' },
              LOG_LEVEL: { from: 'config', key: 'LOG_LEVEL', default: 'info' },
              NODE_ENV: { from: 'value', value: 'production' },
            }
          : name === 'welcome'
            ? { BOT_TOKEN: { from: 'secret', key: 'BOT_TOKEN' }, GREETING: { from: 'config', key: 'GREETING', default: 'Hello!' }, SHOW_MENU: { from: 'config', key: 'SHOW_MENU', default: 'false' } }
            : { DATABASE_URL: { from: 'database' }, TIMEZONE: { from: 'config', key: 'TIMEZONE', default: 'UTC' }, CHATS: { from: 'chats' } };
      out.set(runtimeKey(name, version), {
        name,
        version,
        image: `ghcr.io/bench/${name}:${version}`,
        env,
        healthcheck: { test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8080/health'], intervalSeconds: 5, retries: 12 },
        migrations: name === 'welcome' ? [] : [`${name}@1.0.0/001-init.sql`, ...(version === '1.0.0' ? [] : [`${name}@1.1.0/002-more.sql`])],
      });
    }
  }
  return out;
}

export const benchModules = { runtimes: (fleet: Fleet): Promise<ModuleRuntimes> => Promise.resolve((void fleet, benchRuntimes())) };

const readOnly = (what: string): never => {
  throw new Error(`bench fakes are read-only: ${what} was called, so the plan was not empty`);
};

/** The world as `desired` wants it, behind the ports `observe` reads. */
export function converged(desired: DesiredState): ObserveDeps {
  const droplets: Droplet[] = [];
  const byAddress = new Map<string, ObservedStack[]>();
  const stacksOf = new Map<string, ObservedStack[]>();
  for (const t of desired.tenants.values()) {
    const state = t.run ? 'running' : 'exited';
    const services = t.services.map((s) => ({ service: s.name, container: `${t.project}-${s.name}-1`, image: s.image, state, health: t.run ? 'healthy' : 'none', spec: s.spec }) as const);
    const list = stacksOf.get(t.host.key) ?? stacksOf.set(t.host.key, []).get(t.host.key)!;
    list.push({ project: t.project, services });
  }
  let id = 0;
  for (const h of desired.hosts.values()) {
    id++;
    const ipv4 = `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`;
    droplets.push({ id, name: h.dropletName, tags: [FLEET_TAG, fleetTag(desired.fleet), h.tag], status: 'active', ipv4, region: h.region, size: h.size });
    byAddress.set(ipv4, stacksOf.get(h.key) ?? []);
  }
  const databases = new Map<string, ObservedDatabase>();
  for (const t of desired.tenants.values()) {
    databases.set(t.database, { database: t.database, role: t.database, databaseExists: true, roleExists: true, migrations: [...t.migrations] });
  }
  const hostKeys = new Set(desired.hosts.keys());

  const cloud: CloudProvider = {
    listDroplets: (tag) => Promise.resolve(droplets.filter((d) => d.tags.includes(tag))),
    createDroplet: () => readOnly('createDroplet'),
    getDroplet: (dropletId) => Promise.resolve(droplets.find((d) => d.id === dropletId) ?? null),
    deleteDroplet: () => readOnly('deleteDroplet'),
  };
  const runtime: HostRuntime = {
    ready: (target: HostTarget) => Promise.resolve(byAddress.has(target.address)),
    // As over SSH: a host that is not there does not list anything.
    listStacks: (target: HostTarget) => {
      const stacks = byAddress.get(target.address);
      return stacks ? Promise.resolve(stacks) : Promise.reject(new TransientError('HostUnreachable', `${target.address} does not answer`));
    },
    writeStack: () => readOnly('writeStack'),
    up: () => readOnly('up'),
    restart: () => readOnly('restart'),
    stop: () => readOnly('stop'),
    remove: () => readOnly('remove'),
    writeBackup: () => readOnly('writeBackup'),
  };
  const tenantDb: TenantDatabase = {
    observe: (fleet) => Promise.resolve(fleet === desired.fleet ? new Map(databases) : new Map()),
    ensure: () => readOnly('ensure'),
    migrate: () => readOnly('migrate'),
    dump: () => readOnly('dump'),
    drop: () => readOnly('drop'),
    connectionUrl: (slug) => `postgres://${slug}@127.0.0.1/${slug}`,
  };
  const keys: HostKeyStore = {
    get: (host) => Promise.resolve(hostKeys.has(host) ? 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench' : null),
    put: () => readOnly('hostKeys.put'),
    remove: () => readOnly('hostKeys.remove'),
  };
  return { cloud, runtime, tenantDb, hostKeys: keys, sshUser: 'buckfleet', sshPort: 22, hostConcurrency: 16 };
}
