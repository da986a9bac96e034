import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { migrate } from '../app/db/migrate.js';
import { silentLog } from '../fleet/log.js';
import { Secret } from '../fleet/secret.js';
import { DEDICATED_TENANT, FIXTURE_NOW, fleetFiles, SHARED_HOST, SHARED_TENANT, validFleetManifests } from '../test/fleet-fixtures.js';
import { makeTempBareRepo } from '../test/git.js';
import { endPool, testDatabase } from '../test/pg/database.js';
import { lockHolders, pgOwnerLocks, tryLockTenant } from './lock.js';
import { operationLockReason, type OperationDeps, runOperations } from './operations.js';
import { PgOperationQueue } from './operations-store-pg.js';
import { type CloudProvider, type Droplet, FLEET_TAG, fleetTag, hostTag, type HostRuntime, type HostTarget, type ObservedStack, tenantTag } from './ports.js';
import { HostUnreachableError, RemoteCommandError } from './resources/compose-stack/errors.js';
import { hostKeysOf, PgReconcilerStore } from './store-pg.js';

const FLEET = 'acme-fleet';
const SUSPENDED = 'carol-cafe';
const SHARED_IP = '192.0.2.10';
const DEDICATED_IP = '192.0.2.20';
const KEYS = { [`host:${SHARED_HOST}`]: 'ssh-ed25519 AAAAshared', [`tenant:${DEDICATED_TENANT}`]: 'ssh-ed25519 AAAAdedicated' };

/** The fixture fleet plus a suspended tenant on the shared host. */
function files(): Record<string, string> {
  const m = validFleetManifests();
  const bravo = m.tenants[DEDICATED_TENANT]!;
  m.tenants[SUSPENDED] = {
    tenant: { ...bravo.tenant, slug: SUSPENDED, owner: { telegramUserId: 200_003 }, plan: 'basic', placement: { type: 'shared', host: SHARED_HOST } },
    billing: { ...bravo.billing, status: 'suspended' },
    ...(bravo.secrets ? { secrets: bravo.secrets } : {}),
  };
  return Object.fromEntries(fleetFiles(m));
}

const droplet = (id: number, name: string, tag: string, ipv4: string): Droplet => ({
  id,
  name,
  tags: [FLEET_TAG, fleetTag(FLEET), tag],
  status: 'active',
  ipv4,
  region: 'fra1',
  size: 's-1vcpu-1gb',
});

/** The cloud as far as an operation looks at it: droplets listed by tag (an outside system, stood in for). */
function cloudOf(droplets: Droplet[]): CloudProvider & { lists: string[] } {
  const lists: string[] = [];
  const nope = () => Promise.reject(new Error('an operation never creates or deletes droplets'));
  return {
    lists,
    listDroplets: (tag) => {
      lists.push(tag);
      return Promise.resolve(droplets.filter((d) => d.tags.includes(tag)));
    },
    createDroplet: nope,
    getDroplet: nope,
    deleteDroplet: nope,
  };
}

/** A HostRuntime that records what it is asked and answers from `stacks` (per address); `fail` makes restart throw. */
function recordingRuntime(stacks: Record<string, ObservedStack[]>) {
  const calls: string[] = [];
  const targets: HostTarget[] = [];
  let fail: ((target: HostTarget, project: string) => Error) | null = null;
  const runtime: HostRuntime = {
    ready: (t) => (calls.push(`ready ${t.address}`), Promise.resolve(true)),
    listStacks: (t) => {
      calls.push(`list ${t.address}`);
      targets.push(t);
      return Promise.resolve(stacks[t.address] ?? []);
    },
    restart: (t, project) => {
      calls.push(`restart ${t.address} ${project}`);
      targets.push(t);
      const error = fail?.(t, project);
      return error ? Promise.reject(error) : Promise.resolve();
    },
    writeStack: (t, f) => (calls.push(`write ${t.address} ${f.project}`), Promise.resolve()),
    up: (t, p) => (calls.push(`up ${t.address} ${p}`), Promise.resolve()),
    stop: (t, p) => (calls.push(`stop ${t.address} ${p}`), Promise.resolve()),
    remove: (t, p) => (calls.push(`remove ${t.address} ${p}`), Promise.resolve()),
    writeBackup: (t, name) => (calls.push(`backup ${t.address} ${name}`), Promise.resolve(name)),
  };
  return { runtime, calls, targets, failWith: (f: typeof fail) => void (fail = f) };
}

const stackOf = (slug: string): ObservedStack => ({
  project: `bf-${slug}`,
  services: [{ service: 'core', container: `c-${slug}`, image: 'ghcr.io/acme/core:1.1.0', state: 'running', health: 'healthy', spec: 'x' }],
});

interface OperationRow {
  id: number;
  tenant: string;
  status: string;
  started: boolean;
  finished: boolean;
  error: string | null;
}

/** A migrated control database, the fixture fleet, a cloud with both hosts, pinned keys, and deps over them. */
async function setUp(ctx: TestContext, opts: { stacks?: Record<string, ObservedStack[]>; droplets?: Droplet[] } = {}) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const repo = await makeTempBareRepo(files());
  ctx.onTestFinished(() => repo.cleanup());
  const store = new PgReconcilerStore(db.pool);
  const hostKeys = hostKeysOf(store);
  for (const [host, key] of Object.entries(KEYS)) await hostKeys.put(host, key);
  const cloud = cloudOf(
    opts.droplets ?? [droplet(1, `bf-host-${SHARED_HOST}`, hostTag(SHARED_HOST), SHARED_IP), droplet(2, `bf-${DEDICATED_TENANT}`, tenantTag(DEDICATED_TENANT), DEDICATED_IP)],
  );
  const host = recordingRuntime(opts.stacks ?? { [SHARED_IP]: [stackOf(SHARED_TENANT), stackOf(SUSPENDED)], [DEDICATED_IP]: [stackOf(DEDICATED_TENANT)] });
  const depsOn = (pool: pg.Pool): OperationDeps => ({
    fleet: repo.repo,
    cloud,
    runtime: host.runtime,
    hostKeys,
    sshUser: 'root',
    sshPort: 22,
    store: new PgReconcilerStore(pool),
    locks: pgOwnerLocks(pool, 'test-process'),
    steps: { now: () => new Date(FIXTURE_NOW), log: silentLog },
    operations: new PgOperationQueue(pool),
  });
  const queue = async (tenant: string, requestedBy: number, minutesAgo = 1): Promise<number> => {
    const r = await db.pool.query<{ id: string }>(
      `INSERT INTO tenant_operations (tenant, kind, requested_by, requested_at) VALUES ($1, 'restart', $2, now() - make_interval(mins => $3)) RETURNING id`,
      [tenant, requestedBy, minutesAgo],
    );
    return Number(r.rows[0]!.id);
  };
  const row = async (id: number): Promise<OperationRow | undefined> =>
    (
      await db.pool.query<OperationRow>(
        `SELECT id::int, tenant, status, started_at IS NOT NULL AS started, finished_at IS NOT NULL AS finished, error FROM tenant_operations WHERE id = $1`,
        [id],
      )
    ).rows[0];
  const outbox = async () =>
    (await db.pool.query<{ dedupe_key: string; telegram_user_id: string; kind: string; payload: unknown }>(`SELECT dedupe_key, telegram_user_id, kind, payload FROM outbox ORDER BY id`)).rows;
  /** Another process on the same database: its own pool, ended with the test. */
  const otherProcess = () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    ctx.onTestFinished(async () => void (await endPool(pool)));
    return pool;
  };
  return { db, repo, cloud, host, deps: depsOn(db.pool), depsOn, queue, row, outbox, otherProcess };
}

describe('runOperations: restart', () => {
  it('restarts a shared tenant on its host, marks the row done and tells the owner once', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 1, failed: 0, waiting: 0 });

    expect(t.host.calls).toEqual([`list ${SHARED_IP}`, `restart ${SHARED_IP} bf-${SHARED_TENANT}`]);
    expect(t.host.targets.at(-1)).toEqual({ address: SHARED_IP, port: 22, user: 'root', hostKey: KEYS[`host:${SHARED_HOST}`] });
    expect(t.cloud.lists).toEqual([fleetTag(FLEET)]);
    expect(await t.row(id)).toEqual({ id, tenant: SHARED_TENANT, status: 'done', started: true, finished: true, error: null });
    const done = [{ dedupe_key: `operation:${id}:done`, telegram_user_id: '200001', kind: 'operation.done', payload: { tenant: SHARED_TENANT, operation: 'restart' } }];
    expect(await t.outbox()).toEqual(done);
    expect(await lockHolders(t.db.pool)).toEqual([]);

    // Nothing left: another round restarts nothing and tells nobody again.
    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 0, waiting: 0 });
    expect(t.host.calls).toHaveLength(2);
    expect(await t.outbox()).toEqual(done);
  });

  it('takes the oldest first and finds a dedicated tenant on its own droplet', async (ctx) => {
    const t = await setUp(ctx);
    const newer = await t.queue(SHARED_TENANT, 200_001, 1);
    const older = await t.queue(DEDICATED_TENANT, 200_002, 5);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 2, failed: 0, waiting: 0 });

    expect(t.host.calls.filter((c) => c.startsWith('restart'))).toEqual([`restart ${DEDICATED_IP} bf-${DEDICATED_TENANT}`, `restart ${SHARED_IP} bf-${SHARED_TENANT}`]);
    expect(t.host.targets.find((x) => x.address === DEDICATED_IP)?.hostKey).toBe(KEYS[`tenant:${DEDICATED_TENANT}`]);
    expect((await t.outbox()).map((m) => m.dedupe_key)).toEqual([`operation:${older}:done`, `operation:${newer}:done`]);
  });

  it('refuses a suspended tenant with its reason and touches no host', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SUSPENDED, 200_003);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 1, waiting: 0 });

    expect(t.host.calls).toEqual([]);
    expect(t.cloud.lists).toEqual([]);
    expect(await t.row(id)).toMatchObject({ status: 'failed', started: true, finished: true, error: `${SUSPENDED} must not run: billing status is suspended` });
    expect(await t.outbox()).toEqual([
      { dedupe_key: `operation:${id}:failed`, telegram_user_id: '200003', kind: 'operation.failed', payload: { tenant: SUSPENDED, operation: 'restart', reason: 'suspended' } },
    ]);
  });

  it('refuses a tenant that is not on main, telling whoever asked', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue('gone-tenant', 200_009);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 1, waiting: 0 });

    expect(t.host.calls).toEqual([]);
    expect(await t.row(id)).toMatchObject({ status: 'failed', error: 'gone-tenant is not in the fleet at main' });
    expect(await t.outbox()).toEqual([
      { dedupe_key: `operation:${id}:failed`, telegram_user_id: '200009', kind: 'operation.failed', payload: { tenant: 'gone-tenant', operation: 'restart', reason: 'deleted' } },
    ]);
  });

  it('fails without restarting when the stack is not on its host, the host has no droplet, or it does not answer', async (ctx) => {
    const t = await setUp(ctx, { stacks: { [SHARED_IP]: [] }, droplets: [droplet(1, `bf-host-${SHARED_HOST}`, hostTag(SHARED_HOST), SHARED_IP)] });
    const notDeployed = await t.queue(SHARED_TENANT, 200_001, 3);
    const noDroplet = await t.queue(DEDICATED_TENANT, 200_002, 2);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 2, waiting: 0 });
    expect(t.host.calls).toEqual([`list ${SHARED_IP}`]);
    expect(await t.row(notDeployed)).toMatchObject({ status: 'failed', error: `bf-${SHARED_TENANT} has no containers on host:${SHARED_HOST}` });
    expect(await t.row(noDroplet)).toMatchObject({ status: 'failed', error: `tenant:${DEDICATED_TENANT} has no droplet` });

    // The shared host stops answering.
    const unreachable = await t.queue(SHARED_TENANT, 200_001, 1);
    const hostOp = { host: `${SHARED_IP}:22`, op: 'list stacks' };
    t.deps.runtime.listStacks = () => Promise.reject(new HostUnreachableError(hostOp, 'ssh: connect to host 192.0.2.10 port 22: Connection timed out'));
    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 1, waiting: 0 });
    expect((await t.row(unreachable))?.error).toMatch(/^host-unreachable: 192.0.2.10:22 did not answer .*Connection timed out/);
    expect((await t.outbox()).map((m) => (m.payload as { reason: string }).reason)).toEqual(['not_deployed', 'host_unavailable', 'host_unavailable']);
  });

  it('records a failed restart with the command error', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);
    t.host.failWith((target, project) => new RemoteCommandError({ host: `${target.address}:22`, op: 'compose restart', project }, 1, 'ERROR: No containers to restart'));

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 1, waiting: 0 });

    const failed = await t.row(id);
    expect(failed).toMatchObject({ status: 'failed', finished: true });
    expect(failed?.error).toBe(`remote-command-failed: compose restart of bf-${SHARED_TENANT} on ${SHARED_IP}:22 failed with exit code 1: ERROR: No containers to restart`);
    expect((await t.outbox())[0]).toMatchObject({ kind: 'operation.failed', payload: { tenant: SHARED_TENANT, operation: 'restart', reason: 'error' } });
    expect(await lockHolders(t.db.pool)).toEqual([]);
  });

  it('waits while a deploy holds the tenant lock, then restarts once it is released', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);
    const deploy = await tryLockTenant(t.otherProcess(), SHARED_TENANT, 'reconciler@other', 'reconcile abc123');

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 0, waiting: 1 });
    expect(t.host.calls).toEqual([]);
    expect(await t.row(id)).toMatchObject({ status: 'queued', started: false, finished: false });
    expect(await t.outbox()).toEqual([]);

    await deploy?.release();
    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(await t.row(id)).toMatchObject({ status: 'done' });
  });

  it('holds the tenant lock while it restarts, under the operation’s name', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);
    let seen: unknown;
    const restart = t.deps.runtime.restart.bind(t.deps.runtime);
    t.deps.runtime.restart = async (target, project) => {
      seen = { holders: (await lockHolders(t.db.pool)).map((h) => [h.tenant, h.reason]), row: await t.row(id) };
      return restart(target, project);
    };

    await runOperations(t.deps, { limit: 10 });

    expect(seen).toEqual({ holders: [[SHARED_TENANT, operationLockReason(id)]], row: { id, tenant: SHARED_TENANT, status: 'running', started: true, finished: false, error: null } });
  });

  it('takes again a row left running by a process that died, and leaves alone one whose process lives', async (ctx) => {
    const t = await setUp(ctx);
    const dead = await t.queue(SHARED_TENANT, 200_001, 3);
    const alive = await t.queue(DEDICATED_TENANT, 200_002, 2);
    const crashed = t.otherProcess();
    const living = t.otherProcess();
    // Each "other process" claimed its row: the tenant's lock under the operation's name, the row running.
    const deadLock = await tryLockTenant(crashed, SHARED_TENANT, 'crashed', operationLockReason(dead));
    const liveLock = await tryLockTenant(living, DEDICATED_TENANT, 'living', operationLockReason(alive));
    await t.db.pool.query(`UPDATE tenant_operations SET status = 'running', started_at = now() WHERE id = ANY($1::bigint[])`, [[dead, alive]]);
    expect(deadLock && liveLock).toBeTruthy();
    // The first process dies: its session, and with it the advisory lock, ends; its reconciler_locks row stays behind.
    await crashed.query(`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid IN (SELECT backend_pid FROM reconciler_locks WHERE tenant = $1)`, [
      SHARED_TENANT,
    ]);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(t.host.calls.filter((c) => c.startsWith('restart'))).toEqual([`restart ${SHARED_IP} bf-${SHARED_TENANT}`]);
    expect(await t.row(dead)).toMatchObject({ status: 'done', finished: true });
    expect(await t.row(alive)).toMatchObject({ status: 'running', finished: false });
    await liveLock?.release();
  });

  it('takes again a row running longer than the timeout, but only once the tenant lock can be had', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001, 30);
    const holder = await tryLockTenant(t.otherProcess(), SHARED_TENANT, 'wedged', operationLockReason(id));
    await t.db.pool.query(`UPDATE tenant_operations SET status = 'running', started_at = now() - interval '20 minutes' WHERE id = $1`, [id]);

    // Considered (stale), but its tenant is still locked: left as it was.
    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 0, failed: 0, waiting: 1 });
    expect(await t.row(id)).toMatchObject({ status: 'running' });
    // Under the timeout it would not even be considered.
    const patient = { ...t.deps, operations: new PgOperationQueue(t.db.pool, { staleAfterMs: 60 * 60_000 }) };
    expect(await runOperations(patient, { limit: 10 })).toEqual({ done: 0, failed: 0, waiting: 0 });

    await holder?.release();
    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 1, failed: 0, waiting: 0 });
  });

  it('does not restart once its lock is lost, and the row is taken again in the next round', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);
    const locks = t.deps.locks;
    let lost: AbortSignal | undefined;
    const watched = {
      ...t.deps,
      locks: {
        tryLock: async (owner: string, reason: string) => {
          const lock = await locks.tryLock(owner, reason);
          lost = lock?.signal;
          return lock;
        },
      },
      runtime: {
        ...t.deps.runtime,
        // The lock's database session ends while the host is being looked at.
        listStacks: async (target: HostTarget) => {
          await t.db.pool.query(`SELECT pg_terminate_backend(backend_pid, 5000) FROM reconciler_locks WHERE tenant = $1`, [SHARED_TENANT]);
          if (lost && !lost.aborted) await new Promise((resolve) => lost?.addEventListener('abort', resolve, { once: true }));
          return t.deps.runtime.listStacks(target);
        },
      },
    };

    await expect(runOperations(watched, { limit: 10 })).rejects.toMatchObject({ reason: 'LockLost' });
    expect(t.host.calls.filter((c) => c.startsWith('restart'))).toEqual([]);
    expect(await t.row(id)).toMatchObject({ status: 'running', finished: false });
    expect(await t.outbox()).toEqual([]);

    expect(await runOperations(t.deps, { limit: 10 })).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(t.host.calls.filter((c) => c.startsWith('restart'))).toEqual([`restart ${SHARED_IP} bf-${SHARED_TENANT}`]);
    expect(await t.row(id)).toMatchObject({ status: 'done' });
  });

  it('two processes at once restart each queued tenant exactly once', async (ctx) => {
    const t = await setUp(ctx);
    const ids = [await t.queue(SHARED_TENANT, 200_001, 2), await t.queue(DEDICATED_TENANT, 200_002, 1)];
    const second = t.depsOn(t.otherProcess());

    const reports = await Promise.all([runOperations(t.deps, { limit: 10 }), runOperations(second, { limit: 10 })]);

    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(2);
    expect(t.host.calls.filter((c) => c.startsWith('restart')).sort()).toEqual([`restart ${SHARED_IP} bf-${SHARED_TENANT}`, `restart ${DEDICATED_IP} bf-${DEDICATED_TENANT}`]);
    expect((await t.outbox()).map((m) => m.dedupe_key).sort()).toEqual(ids.map((id) => `operation:${id}:done`).sort());
  });

  it('leaves the row queued and the lock free when main cannot be read', async (ctx) => {
    const t = await setUp(ctx);
    const id = await t.queue(SHARED_TENANT, 200_001);
    const broken = { ...t.deps, fleet: { head: () => Promise.resolve(null), read: t.repo.repo.read.bind(t.repo.repo) } };

    await expect(runOperations(broken, { limit: 10 })).rejects.toMatchObject({ reason: 'NoMain' });

    expect(await t.row(id)).toMatchObject({ status: 'queued', started: false });
    expect(await lockHolders(t.db.pool)).toEqual([]);
    expect(t.host.calls).toEqual([]);
  });
});
