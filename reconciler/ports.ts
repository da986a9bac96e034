import type { Migration } from '../fleet/schema/module-runtime.js';

/**
 * The edges of the reconciler: every outside system behind a small interface, the real client in
 * production and a local stand-in in tests (DESIGN.md "Adapters at the edges"). The reconciler's
 * core (plan) sees only the plain data these return.
 */

// ---------------------------------------------------------------- cloud

/** Tags that make every buckfleet resource findable, so orphans are found (Flux's owner labels). */
export const FLEET_TAG = 'buckfleet';
/** Which fleet a droplet belongs to: fleets sharing a cloud account never see (or prune) each other's. */
export const fleetTag = (fleet: string) => `buckfleet-fleet-${fleet}`;
export const tenantTag = (slug: string) => `buckfleet-tenant-${slug}`;
export const hostTag = (name: string) => `buckfleet-host-${name}`;

export interface Droplet {
  readonly id: number;
  readonly name: string;
  readonly tags: readonly string[];
  readonly status: 'new' | 'active' | 'off' | 'archive';
  /** Public IPv4, once the cloud has assigned one. */
  readonly ipv4: string | null;
  readonly region: string;
  readonly size: string;
}

export interface DropletSpec {
  readonly name: string;
  readonly region: string;
  readonly size: string;
  readonly image: string;
  readonly tags: readonly string[];
  /** cloud-init user data: installs docker, the fleet's SSH key and the pinned host key. */
  readonly userData: string;
}

/** DigitalOcean in production (`@digitalocean/dots`); an in-process fake in tests. */
export interface CloudProvider {
  /** Every droplet carrying `tag`. The only way droplets are found: never by name alone. */
  listDroplets(tag: string): Promise<Droplet[]>;
  createDroplet(spec: DropletSpec): Promise<Droplet>;
  getDroplet(id: number): Promise<Droplet | null>;
  /** Deleting a droplet that is already gone is not an error. */
  deleteDroplet(id: number): Promise<void>;
}

// ---------------------------------------------------------------- hosts

/** How to reach a host over SSH, with its host key pinned (never "accept any host key"). */
export interface HostTarget {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** The host's public key as an OpenSSH line (`ssh-ed25519 AAAA...`), pinned in known_hosts. */
  readonly hostKey: string;
}

export type ServiceState = 'running' | 'exited' | 'created' | 'restarting' | 'paused' | 'dead' | 'removing';
export type ServiceHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** The container label in which buckfleet records the hash of a service's rendered spec. */
export const SPEC_LABEL = 'buckfleet.spec';

export interface ObservedService {
  readonly service: string;
  readonly container: string;
  readonly image: string;
  readonly state: ServiceState;
  readonly health: ServiceHealth;
  /** The container's `buckfleet.spec` label (null when absent): drift shows as a different hash. */
  readonly spec: string | null;
}

export interface ObservedStack {
  readonly project: string;
  readonly services: readonly ObservedService[];
}

/** One compose project's files on a host, under `<stacksDir>/<project>/`. */
export interface StackFiles {
  readonly project: string;
  /**
   * docker-compose.yml content, written with mode 0600: service environments are inline in it
   * (YAML carries any value, quotes and newlines included, where .env files cannot), so the
   * decrypted secrets live only here, on the host.
   */
  readonly compose: string;
}

/** SSH + docker compose on a host (`execa` running `ssh`); a real sshd + dockerd in tests. */
export interface HostRuntime {
  /** True once SSH answers and the host key matches; false while it does not answer yet. */
  ready(target: HostTarget): Promise<boolean>;
  /** Every compose project on the host with its services (from container labels). */
  listStacks(target: HostTarget): Promise<ObservedStack[]>;
  /** Writes the project's files atomically (temp file + rename). */
  writeStack(target: HostTarget, files: StackFiles): Promise<void>;
  /** `<compose> -p P up -d --remove-orphans`: services whose config changed are recreated, others untouched. */
  up(target: HostTarget, project: string): Promise<void>;
  /**
   * `<compose> -p P restart`: every container of the project stopped and started again, as it
   * is (not recreated; a stopped one is started too, so callers check the tenant may run).
   */
  restart(target: HostTarget, project: string): Promise<void>;
  /** Stops the containers, keeps them and their volumes (suspension). */
  stop(target: HostTarget, project: string): Promise<void>;
  /** `down` and removal of the project's files; volumes are kept unless `volumes`. */
  remove(target: HostTarget, project: string, opts: { volumes: boolean }): Promise<void>;
  /** Streams `data` into a file on the host (database dumps into the backup dir). */
  writeBackup(target: HostTarget, name: string, data: AsyncIterable<Uint8Array>): Promise<string>;
}

// ---------------------------------------------------------------- databases

export interface ObservedDatabase {
  readonly database: string;
  readonly role: string;
  readonly databaseExists: boolean;
  readonly roleExists: boolean;
  /** Ids of the module migrations applied, in order. */
  readonly migrations: readonly string[];
}

export type { Migration } from '../fleet/schema/module-runtime.js';

/** The server that holds tenant databases (TENANT_DATABASE_URL). */
export interface TenantDatabase {
  /**
   * The tenant databases and roles of `fleet` on the server (marked as its own), by slug; with
   * `only`, just those tenants' (each database read costs a connection: a pass re-observing one
   * owner must not open one per tenant of the fleet).
   */
  observe(fleet: string, only?: ReadonlySet<string>): Promise<Map<string, ObservedDatabase>>;
  /**
   * Role and database for a tenant, idempotently: creates what is missing, marks both as
   * `fleet`'s, (re)sets the password, revokes CONNECT from PUBLIC and grants it to the tenant's
   * role only. Refuses a database or role that another fleet marked.
   */
  ensure(fleet: string, slug: string, password: string): Promise<void>;
  /** Applies the migrations not yet recorded, in order, each in its own transaction, as the tenant's role. */
  migrate(slug: string, migrations: readonly Migration[]): Promise<readonly string[]>;
  /** `pg_dump` of the tenant database as a stream (custom format). */
  dump(slug: string): AsyncIterable<Uint8Array>;
  /** Drops database and role; absent ones are fine. */
  drop(slug: string): Promise<void>;
  /** The URL a tenant's stack connects with (TLS required unless the server is local). */
  connectionUrl(slug: string, password: string): string;
}
