import { mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from '../fleet/log.js';
import { DirModuleSource } from '../modules/runtime-source.js';
import type { Action } from '../reconciler/actions.js';
import { pgOwnerLocks } from '../reconciler/lock.js';
import { startLoop } from '../reconciler/loop.js';
import { type PassReport, reconcilePass, type ReconcilerDeps, soonestRequeue } from '../reconciler/reconcile.js';
import { WaitingError } from '../reconciler/errors.js';
import type { CloudProvider, HostRuntime } from '../reconciler/ports.js';
import { SshHostRuntime } from '../reconciler/resources/compose-stack/index.js';
import { type DockerAvailability, LocalCloud, LocalHostRuntime, probeDocker } from '../reconciler/resources/local/index.js';
import { cloudInit, DigitalOceanProvider, generateHostKey } from '../reconciler/resources/droplet/index.js';
import { deriveDbPassword, PgTenantDatabase } from '../reconciler/resources/tenant-db/index.js';
import { ageSecretOpener } from '../reconciler/secrets.js';
import { hostKeysOf, PgReconcilerStore } from '../reconciler/store-pg.js';
import type { Config } from './config.js';
import { type ControlDb, openControlDb } from './db/open.js';
import { migrate } from './db/migrate.js';
import { type GitHubEndpoints, openFleetRepo } from './fleet-repo.js';
import { ensureAgeIdentity, ensureSshKey } from './keys.js';
import { startOperationsWorker } from './workers/operations.js';

/** The reconciler cannot be wired as configured; the message names the variable to set. */
export class ReconcilerConfigError extends Error {
  override readonly name = 'ReconcilerConfigError';
}

export interface ReconcilerHandle {
  readonly deps: ReconcilerDeps;
  /** The control database (the operations worker's queue lives there). */
  readonly pool: ControlDb['pool'];
  /**
   * The `local` provider (no DIGITALOCEAN_TOKEN): whether this machine's docker (or
   * BUCKFLEET_LOCAL_DOCKER_HOST's) can run stacks, asked once at open. Null with DigitalOcean.
   */
  readonly local: { readonly docker: DockerAvailability } | null;
  /** Test-only crash point (BUCKFLEET_FAILPOINT: `before:<kind or id>` / `after:<kind or id>`), for the apply hooks. */
  readonly failpoint: ((action: Action, stage: 'before' | 'after') => void) | undefined;
  close(): Promise<void>;
}

/** `modules/` of this package, whether running from sources (app/) or compiled (dist/app/). */
function defaultModulesDir(): string {
  const above = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return join(basename(above) === 'dist' ? dirname(above) : above, 'modules');
}

export interface OpenReconcilerOptions {
  readonly log: Log;
  readonly github?: GitHubEndpoints;
  /**
   * Aborted when the process is stopping: a step waiting (for a host to answer, a stack to become
   * healthy) ends at once as Waiting, journaled, instead of holding a SIGTERM for minutes; the next
   * start resumes it.
   */
  readonly stopping?: AbortSignal;
}

/** Where the `local` provider keeps its pseudo-hosts, their stacks and dumps: `<BUCKFLEET_HOME>/local/`. */
export function localProviderDir(config: Config, cwd: string): string {
  return resolve(cwd, config.home, 'local');
}

/**
 * Opens the control database (migrated) and wires the reconciler on it (`wireReconciler`), for
 * the commands that run the reconciler alone. `close()` closes the database.
 */
export async function openReconciler(config: Config, cwd: string, opts: OpenReconcilerOptions): Promise<ReconcilerHandle> {
  const db = await openControlDb(config, { log: opts.log, cwd });
  try {
    await migrate(db.url, { log: opts.log });
    return { ...(await wireReconciler(config, cwd, db, opts)), close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Wires the reconciler from the configuration on an open, migrated control database (the control
 * plane shares its own: in local mode there is one embedded server per home): fleet repo, cloud,
 * hosts, tenant database server, keys, module source. With DIGITALOCEAN_TOKEN, droplets and SSH;
 * without it, the `local` provider: this machine's docker, the same plan and steps.
 */
export async function wireReconciler(config: Config, cwd: string, db: ControlDb, opts: OpenReconcilerOptions): Promise<Omit<ReconcilerHandle, 'close'>> {
  const log = opts.log;
  const age = await ensureAgeIdentity(config.ageIdentityFile, cwd);
  const password = (slug: string) => deriveDbPassword(age.identity, slug);
  const tenantUrl = config.tenantDatabase.kind === 'url' ? config.tenantDatabase.url : db.url;
  const tenantDb = new PgTenantDatabase(tenantUrl.reveal(), { password, ...(config.reconciler.tenantDbStackHost ? { stackHost: config.reconciler.tenantDbStackHost } : {}) });
  const store = new PgReconcilerStore(db.pool);
  const hostKeys = hostKeysOf(store);
  const composeCommand = config.reconciler.composeCommand;
  const edges = await cloudAndHosts(config, cwd, log);
  const { cloud, runtime } = edges;
  const fleet = await openFleetRepo(config, cwd, opts.github);
  const backupsDir = resolve(cwd, config.home, 'backups');
  const modules = new DirModuleSource(config.reconciler.modulesDir ? resolve(cwd, config.reconciler.modulesDir) : defaultModulesDir());
  const deps: ReconcilerDeps = {
    cloud,
    runtime,
    tenantDb,
    hostKeys,
    sshUser: 'root',
    sshPort: 22,
    hostConcurrency: 8,
    fleet,
    modules,
    store,
    locks: pgOwnerLocks(db.pool, `${hostname()}:${process.pid}`),
    steps: {
      cloud,
      runtime,
      tenantDb,
      hostKeys,
      notifier: store,
      modules,
      secrets: ageSecretOpener(age.identity.reveal()),
      dbPassword: password,
      newHostKey: generateHostKey,
      userData: (hostKey) =>
        // Local pseudo-hosts boot nothing: there is no cloud-init to read it.
        edges.sshPublicKey === null ? '' : cloudInit({ authorizedKey: edges.sshPublicKey, hostKey, composePackage: composeCommand.length === 1 ? 'docker-compose' : 'docker-compose-v2' }),
      writeLocalBackup: async (name, data) => {
        await mkdir(backupsDir, { recursive: true, mode: 0o700 });
        const path = join(backupsDir, name);
        const file = await open(path, 'wx', 0o600);
        try {
          for await (const chunk of data) await file.write(chunk);
        } finally {
          await file.close();
        }
        return path;
      },
      sleep: (ms) => stoppableSleep(ms, opts.stopping),
      now: () => new Date(),
      log,
      // A local docker that does not answer will not start answering by itself in minutes.
      settings: { sshUser: 'root', sshPort: 22, networkMode: config.reconciler.stackNetwork, hostWaitMs: edges.local ? 30_000 : 5 * 60_000, healthTimeoutMs: 3 * 60_000 },
    },
    settings: {
      pruneLimit: 10,
      networkMode: config.reconciler.stackNetwork,
      concurrency: { global: 8, perHost: 2 },
      backoff: { baseMs: 5_000, maxMs: 10 * 60_000 },
    },
    random: Math.random,
  };
  const point = config.reconciler.failpoint;
  const failpoint =
    point === null
      ? undefined
      : (action: Action, stage: 'before' | 'after') => {
          if (point === `${stage}:${action.kind}` || point === `${stage}:${action.id}`) process.kill(process.pid, 'SIGKILL');
        };
  return { deps, pool: db.pool, local: edges.local, failpoint };
}

export interface ReconcilerRoleOptions {
  /** Aborting it stops the role: no new pass or step starts, the step in progress ends or is journaled. */
  readonly signal: AbortSignal;
  readonly log: Log;
  /** Only this tenant (and its shared host): `buckfleet reconcile --tenant`. */
  readonly only?: string;
  /** Wraps each pass (the metrics time it). */
  readonly aroundPass?: (pass: () => Promise<PassReport>) => Promise<PassReport>;
}

export interface ReconcilerRole {
  /** Start a pass as soon as the current one ends: main moved (a GitHub push), a customer paid. */
  kick(): void;
  /** Resolves once the loop and the operations worker have stopped. */
  readonly done: Promise<void>;
}

/**
 * The reconciler as a service: the loop (an interval for drift repair, at once when main moves
 * or `kick()` is called) and, beside it, the operations worker (restarts asked for in the bot run
 * here: the hosts are the reconciler's alone). `buckfleet up` and `buckfleet reconcile` both run it.
 */
export function startReconcilerRole(handle: Omit<ReconcilerHandle, 'close'>, opts: ReconcilerRoleOptions): ReconcilerRole {
  const hooks = { ...(handle.failpoint ? { failpoint: handle.failpoint } : {}), stopping: opts.signal };
  const only = opts.only !== undefined ? { only: opts.only } : {};
  const onePass = async () => {
    const report = await reconcilePass(handle.deps, { ...only, hooks });
    // One line per pass, as Flux's "reconciliation finished in": where a slow pass spent its time.
    const applied = report.owners.reduce((n, o) => n + o.applied.length, 0);
    const busy = report.owners.filter((o) => o.status !== 'ready');
    const notReady = { notReady: busy.length, ...(busy.length > 0 ? { firstNotReady: busy.slice(0, 5).map((o) => `${o.owner}:${o.status}`) } : {}) };
    opts.log.info({ revision: report.revision.slice(0, 12), owners: report.owners.length, actions: report.plan.actions.length, applied, ...notReady, ...report.timings }, 'reconcile pass finished');
    return report;
  };
  const loop = startLoop(
    {
      head: () => handle.deps.fleet.head('main'),
      pass: async () => ({ requeueAfterMs: soonestRequeue(await (opts.aroundPass ? opts.aroundPass(onePass) : onePass())) }),
    },
    { intervalMs: 60_000, pollMs: 5_000, retryMs: 15_000, signal: opts.signal, random: Math.random, log: opts.log },
  );
  const operations = startOperationsWorker({ reconciler: handle.deps, pool: handle.pool }, { signal: opts.signal });
  return { kick: () => loop.kick(), done: Promise.all([loop.done, operations.done]).then(() => undefined) };
}

/**
 * Why the reconciler cannot deploy here, or null when it can: the local provider without a
 * working docker. The reconciler role is then left off with this one sentence, not failed.
 */
export function reconcilerUnavailable(handle: Pick<ReconcilerHandle, 'local'>): string | null {
  const docker = handle.local?.docker;
  if (docker === undefined || docker.ok) return null;
  return `no docker for the local provider (${docker.reason}): start docker, set BUCKFLEET_LOCAL_DOCKER_HOST, or set DIGITALOCEAN_TOKEN`;
}

interface Edges {
  readonly cloud: CloudProvider;
  readonly runtime: HostRuntime;
  /** The key new droplets authorize; null for local pseudo-hosts (nothing logs in over SSH). */
  readonly sshPublicKey: string | null;
  readonly local: { readonly docker: DockerAvailability } | null;
}

/** DigitalOcean droplets over SSH, or the local provider on this machine's docker. */
async function cloudAndHosts(config: Config, cwd: string, log: Log): Promise<Edges> {
  const composeCommand = config.reconciler.composeCommand;
  if (config.cloud.kind === 'digitalocean') {
    const ssh = await ensureSshKey(config.sshPrivateKeyFile, cwd);
    const cloud = new DigitalOceanProvider({ token: config.cloud.token, ...(config.reconciler.digitaloceanApiUrl ? { baseUrl: config.reconciler.digitaloceanApiUrl } : {}), log });
    const hostDir = config.reconciler.hostDir;
    const runtime = new SshHostRuntime({ privateKeyFile: ssh.privateKeyFile, composeCommand, stacksDir: `${hostDir}/stacks`, backupsDir: `${hostDir}/backups` });
    return { cloud, runtime, sshPublicKey: ssh.publicKey, local: null };
  }
  const dir = localProviderDir(config, cwd);
  const dockerHost = config.reconciler.localDockerHost;
  const docker = await probeDocker({ dockerHost, composeCommand });
  return {
    cloud: new LocalCloud({ dir: join(dir, 'droplets') }),
    runtime: new LocalHostRuntime({ stacksDir: join(dir, 'stacks'), backupsDir: join(dir, 'backups'), composeCommand, dockerHost }),
    sshPublicKey: null,
    local: { docker },
  };
}

/** A step's pause; when the process is stopping, the step ends as Waiting (journaled, resumed on the next start). */
function stoppableSleep(ms: number, stopping: AbortSignal | undefined): Promise<void> {
  const stopped = () => new WaitingError('ShuttingDown', 'the reconciler is stopping; the step resumes on its next start', 1_000);
  if (stopping?.aborted) return Promise.reject(stopped());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(stopped());
    };
    const timer = setTimeout(() => {
      stopping?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    stopping?.addEventListener('abort', onAbort, { once: true });
  });
}
