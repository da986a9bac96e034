import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgOperationRequests } from '../../app/bot/operations.js';
import { startOperationsWorker } from '../../app/workers/operations.js';
import { submitChange } from '../../fleet/submit.js';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { describeWithHosts, docker, type TestHost } from '../hosts/index.js';
import { endPool } from '../pg/database.js';
import { containers } from './assertions.js';
import { startWorld, type World, type WorldTenant } from './world.js';

/** What docker says of a container: the same id, started again, is a restart (not a recreate). */
async function started(host: TestHost, project: string): Promise<{ id: string; running: boolean; startedAt: string }[]> {
  const cs = await containers(host, project);
  const out = await Promise.all(cs.map((c) => docker(host, ['inspect', '--format', '{{.State.StartedAt}}', c.id])));
  return cs.map((c, i) => ({ id: c.id, running: c.running, startedAt: out[i]!.stdout.trim() }));
}

describeWithHosts('a restart asked for in the bot, carried out by the operations worker on a real host', () => {
  let world: World;
  let running: WorldTenant;
  let suspended: WorldTenant;
  let pool: pg.Pool;
  const owner = (t: WorldTenant) => 300_000 + t.port;
  const sharedHost = (): TestHost => {
    const h = world.hosts.get('bf-host-shared-1');
    if (!h) throw new Error('no test host for the shared droplet');
    return h;
  };

  const row = async (id: number) =>
    (
      await pool.query<{ status: string; started: boolean; finished: boolean; error: string | null }>(
        'SELECT status, started_at IS NOT NULL AS started, finished_at IS NOT NULL AS finished, error FROM tenant_operations WHERE id = $1',
        [id],
      )
    ).rows[0];
  const messages = async (tenant: string) =>
    (
      await pool.query<{ dedupe_key: string; telegram_user_id: string; kind: string; payload: unknown }>(
        `SELECT dedupe_key, telegram_user_id, kind, payload FROM outbox WHERE kind LIKE 'operation.%' AND payload->>'tenant' = $1 ORDER BY id`,
        [tenant],
      )
    ).rows;

  /** Runs the worker until operation `id` is finished, then `extraRounds` more rounds, and stops it. */
  async function runWorkerUntilFinished(id: number, extraRounds = 0): Promise<void> {
    const stop = new AbortController();
    let rounds = 0;
    const worker = startOperationsWorker({ reconciler: (await world.reconciler()).deps, pool }, { signal: stop.signal, intervalMs: 100, onRound: () => void (rounds += 1) });
    try {
      const deadline = Date.now() + 90_000;
      while (!['done', 'failed'].includes((await row(id))?.status ?? '')) {
        if (Date.now() > deadline) throw new Error(`operation ${id} still ${(await row(id))?.status} after 90 s`);
        await sleep(100);
      }
      const target = rounds + extraRounds;
      while (rounds < target) await sleep(50);
    } finally {
      stop.abort();
      await worker.done;
    }
  }

  beforeAll(async () => {
    world = await startWorld([
      { name: 'restart', placement: 'shared' },
      { name: 'paused', placement: 'shared' },
    ]);
    [running, suspended] = world.tenants as [WorldTenant, WorldTenant];
    pool = new pg.Pool({ connectionString: world.env.DATABASE_URL, max: 4 });
    pool.on('error', () => undefined);
    const report = await reconcilePass((await world.reconciler()).deps);
    expect(report.owners.map((o) => `${o.owner}: ${o.status}${o.error ? ` (${o.error})` : ''}`).sort()).toEqual(
      [`${running.slug}: ready`, `${suspended.slug}: ready`, 'host:shared-1: ready'].sort(),
    );
    // The second tenant is suspended the way billing does it: a change merged to main, applied.
    const change = await submitChange(
      { repo: world.repo.repo, prs: world.repo.repo, now: () => new Date() },
      { id: 'suspend-paused', kind: 'tenant.suspend', requestedBy: { type: 'cli', user: 'e2e' }, slug: suspended.slug, reason: 'unpaid' },
    );
    expect(change.status).toBe('merged');
    await reconcilePass((await world.reconciler()).deps);
    expect((await containers(sharedHost(), `bf-${suspended.slug}`)).map((c) => c.running)).toEqual([false]);
  }, 300_000);

  afterAll(async () => {
    if (pool) await endPool(pool);
    await world?.close();
  }, 120_000);

  it('restarts the running tenant’s containers in place, marks the row done and queues one message for the owner', async () => {
    const project = `bf-${running.slug}`;
    const before = await started(sharedHost(), project);
    expect(before.map((c) => c.running)).toEqual([true]);
    const others = await started(sharedHost(), `bf-${suspended.slug}`);

    const request = await new PgOperationRequests(pool).requestRestart(running.slug, owner(running));
    if (request.status !== 'queued') throw new Error(`restart not queued: ${JSON.stringify(request)}`);
    // Two more rounds after it finished: nothing runs or is told twice.
    await runWorkerUntilFinished(request.id, 2);

    expect(await row(request.id)).toEqual({ status: 'done', started: true, finished: true, error: null });
    const after = await started(sharedHost(), project);
    expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(after.map((c) => c.running)).toEqual([true]);
    expect(after[0]!.startedAt).not.toBe(before[0]!.startedAt);
    expect(Date.parse(after[0]!.startedAt)).toBeGreaterThan(Date.parse(before[0]!.startedAt));
    expect(await messages(running.slug)).toEqual([
      { dedupe_key: `operation:${request.id}:done`, telegram_user_id: String(owner(running)), kind: 'operation.done', payload: { tenant: running.slug, operation: 'restart' } },
    ]);
    // The other tenant on the same host was not touched.
    expect(await started(sharedHost(), `bf-${suspended.slug}`)).toEqual(others);
  }, 180_000);

  it('refuses a restart of the suspended tenant with its reason and starts nothing', async () => {
    const project = `bf-${suspended.slug}`;
    const before = await started(sharedHost(), project);
    const neighbour = await started(sharedHost(), `bf-${running.slug}`);

    const request = await new PgOperationRequests(pool).requestRestart(suspended.slug, owner(suspended));
    if (request.status !== 'queued') throw new Error(`restart not queued: ${JSON.stringify(request)}`);
    await runWorkerUntilFinished(request.id, 1);

    const failed = await row(request.id);
    expect(failed).toMatchObject({ status: 'failed', started: true, finished: true });
    expect(failed?.error).toBe(`${suspended.slug} must not run: billing status is suspended`);
    expect(await started(sharedHost(), project)).toEqual(before);
    expect(before.map((c) => c.running)).toEqual([false]);
    expect(await started(sharedHost(), `bf-${running.slug}`)).toEqual(neighbour);
    expect(await messages(suspended.slug)).toEqual([
      {
        dedupe_key: `operation:${request.id}:failed`,
        telegram_user_id: String(owner(suspended)),
        kind: 'operation.failed',
        payload: { tenant: suspended.slug, operation: 'restart', reason: 'suspended' },
      },
    ]);
  }, 180_000);
});
