import { mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from '../fleet/log.js';
import { DirModuleSource } from '../modules/runtime-source.js';
import type { Action } from '../reconciler/actions.js';
import { pgOwnerLocks } from '../reconciler/lock.js';
import type { ReconcilerDeps } from '../reconciler/reconcile.js';
import { SshHostRuntime } from '../reconciler/resources/compose-stack/index.js';
import { cloudInit, DigitalOceanProvider, generateHostKey } from '../reconciler/resources/droplet/index.js';
import { deriveDbPassword, PgTenantDatabase } from '../reconciler/resources/tenant-db/index.js';
import { ageSecretOpener } from '../reconciler/secrets.js';
import { hostKeysOf, PgReconcilerStore } from '../reconciler/store-pg.js';
import type { Config } from './config.js';
import { type ControlDb, openControlDb } from './db/open.js';
import { migrate } from './db/migrate.js';
import { type GitHubEndpoints, openFleetRepo } from './fleet-repo.js';
import { ensureAgeIdentity, ensureSshKey } from './keys.js';

/** The reconciler cannot be wired as configured; the message names the variable to set. */
export class ReconcilerConfigError extends Error {
  override readonly name = 'ReconcilerConfigError';
}

export interface ReconcilerHandle {
  readonly deps: ReconcilerDeps;
  /** The control database (the operations worker's queue lives there). */
  readonly pool: ControlDb['pool'];
  /** Test-only crash point (BUCKFLEET_FAILPOINT: `before:<kind or id>` / `after:<kind or id>`), for the apply hooks. */
  readonly failpoint: ((action: Action, stage: 'before' | 'after') => void) | undefined;
  close(): Promise<void>;
}

/** `modules/` of this package, whether running from sources (app/) or compiled (dist/app/). */
function defaultModulesDir(): string {
  const above = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return join(basename(above) === 'dist' ? dirname(above) : above, 'modules');
}

/**
 * Wires the reconciler from the configuration: control database (migrated), fleet repo, cloud,
 * hosts over SSH, tenant database server, keys, module source. Everything it opens is closed by
 * `close()`.
 */
export async function openReconciler(config: Config, cwd: string, opts: { log: Log; github?: GitHubEndpoints }): Promise<ReconcilerHandle> {
  if (config.cloud.kind !== 'digitalocean') {
    throw new ReconcilerConfigError('DIGITALOCEAN_TOKEN is not set: the reconciler creates droplets on DigitalOcean (the local provider arrives with local mode)');
  }
  const log = opts.log;
  const db = await openControlDb(config, { log, cwd });
  try {
    await migrate(db.url, { log });
    const ssh = await ensureSshKey(config.sshPrivateKeyFile, cwd);
    const age = await ensureAgeIdentity(config.ageIdentityFile, cwd);
    const password = (slug: string) => deriveDbPassword(age.identity, slug);
    const tenantUrl = config.tenantDatabase.kind === 'url' ? config.tenantDatabase.url : db.url;
    const tenantDb = new PgTenantDatabase(tenantUrl.reveal(), { password, ...(config.reconciler.tenantDbStackHost ? { stackHost: config.reconciler.tenantDbStackHost } : {}) });
    const store = new PgReconcilerStore(db.pool);
    const hostKeys = hostKeysOf(store);
    const cloud = new DigitalOceanProvider({ token: config.cloud.token, ...(config.reconciler.digitaloceanApiUrl ? { baseUrl: config.reconciler.digitaloceanApiUrl } : {}), log });
    const composeCommand = config.reconciler.composeCommand;
    const hostDir = config.reconciler.hostDir;
    const runtime = new SshHostRuntime({ privateKeyFile: ssh.privateKeyFile, composeCommand, stacksDir: `${hostDir}/stacks`, backupsDir: `${hostDir}/backups` });
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
          cloudInit({ authorizedKey: ssh.publicKey, hostKey, composePackage: composeCommand.length === 1 ? 'docker-compose' : 'docker-compose-v2' }),
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
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => new Date(),
        log,
        settings: { sshUser: 'root', sshPort: 22, networkMode: config.reconciler.stackNetwork, hostWaitMs: 5 * 60_000, healthTimeoutMs: 3 * 60_000 },
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
    return { deps, pool: db.pool, failpoint, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
