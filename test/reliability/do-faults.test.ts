import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLog } from '../../fleet/log.js';
import type { Action } from '../../reconciler/actions.js';
import { startLoop } from '../../reconciler/loop.js';
import { type PassReport, reconcilePass, type ReconcilerDeps, soonestRequeue } from '../../reconciler/reconcile.js';
import { containers, httpGet } from '../e2e/assertions.js';
import { startWorld, type World, type WorldTenant } from '../e2e/world.js';
import type { LoggedRequest } from '../fake-do/index.js';
import { describeWithHosts } from '../hosts/index.js';

/**
 * DigitalOcean failing while a dedicated tenant's droplet is created, in a real reconcile: the
 * production loop (reconciler/loop.ts) runs real passes against the fake DigitalOcean, whose
 * droplets boot real test hosts. The create is answered 429 (Retry-After 2 s), then 500, then
 * accepted. Jitter is pinned to its earliest (`random: () => 0`), the case where a requeue could
 * come back before DigitalOcean said it may.
 */
const RETRY_AFTER_S = 2;
const CREATE = { method: 'POST', path: '/v2/droplets' };

describeWithHosts('DigitalOcean answering 429 and 500 to a droplet create', () => {
  let world: World;
  let tenant: WorldTenant;
  let control: pg.Pool;

  beforeAll(async () => {
    world = await startWorld([{ name: 'dofault', placement: 'dedicated' }]);
    tenant = world.tenants[0]!;
    control = new pg.Pool({ connectionString: world.env.DATABASE_URL, max: 2 });
    control.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await control?.end();
    await world?.close();
  }, 120_000);

  it('waits as asked, retries, and ends with exactly one droplet for the tenant, its stack running', async () => {
    world.cloud.failNext(1, { status: 429, retryAfterSeconds: RETRY_AFTER_S }, CREATE);
    world.cloud.failNext(1, { status: 500 }, CREATE);
    const { deps: wired } = await world.reconciler();
    // Test-sized backoff for the 500 (production's is 5 s doubling); the Retry-After is DigitalOcean's.
    const deps: ReconcilerDeps = { ...wired, random: () => 0, settings: { ...wired.settings, backoff: { baseMs: 500, maxMs: 5_000 } } };

    const reports: PassReport[] = [];
    const creates: number[] = [];
    const failpoint = (action: Action, stage: 'before' | 'after') => {
      if (stage === 'before' && action.kind === 'droplet.create') creates.push(Date.now());
    };
    const stop = new AbortController();
    let converged: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (converged = resolve));
    const loop = startLoop(
      {
        head: () => deps.fleet.head('main'),
        pass: async () => {
          const report = await reconcilePass(deps, { hooks: { failpoint } });
          reports.push(report);
          if (report.owners.find((o) => o.owner === tenant.slug)?.status === 'ready') converged();
          return { requeueAfterMs: soonestRequeue(report) };
        },
      },
      { intervalMs: 60_000, pollMs: 100, retryMs: 1_000, signal: stop.signal, random: () => 0, log: silentLog },
    );
    const timeout = setTimeout(() => stop.abort(), 180_000);
    await Promise.race([ready, loop.done]);
    clearTimeout(timeout);
    stop.abort();
    await loop.done;

    const mine = reports.map((r) => r.owners.find((o) => o.owner === tenant.slug));
    expect(mine.map((o) => o?.status)).toEqual(['progressing', 'progressing', 'ready']);
    expect(mine[0]?.error).toMatch(/DigitalOcean said no while creating droplet .*429 too_many_requests.*waiting 2 s as asked/);
    expect(mine[1]?.error).toMatch(/DigitalOcean said no while creating droplet .*500 server_error.*retrying with backoff/);

    // Three creates asked, the first two refused; the one after the 429 not before Retry-After.
    const posts = world.cloud.requests.filter((r: LoggedRequest) => r.method === CREATE.method && r.path === CREATE.path);
    expect(posts.map((r) => r.status)).toEqual([429, 500, 202]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
    expect(creates).toHaveLength(3);

    // Exactly one droplet, the tenant's; none left over from a refused create.
    const droplets = world.cloud.droplets();
    expect(droplets.filter((d) => d.tags.includes(`buckfleet-tenant-${tenant.slug}`))).toHaveLength(1);
    expect(droplets.map((d) => d.name)).toEqual([`bf-${tenant.slug}`]);
    const host = world.hosts.get(`bf-${tenant.slug}`);
    if (!host) throw new Error('no test host for the droplet');
    const cs = await containers(host, `bf-${tenant.slug}`);
    expect(cs.map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);
    expect(await httpGet(host, cs[0]!.id, tenant.port)).toBe(tenant.slug);

    // Journaled as it happened: two failed operations at droplet.create, then one that finished.
    const ops = await control.query<{ status: string; error: string | null }>('SELECT status, error FROM reconcile_operations WHERE tenant = $1 ORDER BY id', [tenant.slug]);
    expect(ops.rows.map((o) => o.status)).toEqual(['failed', 'failed', 'succeeded']);
    const status = await control.query<{ failures: number }>('SELECT failures FROM tenant_status WHERE tenant = $1', [tenant.slug]);
    expect(status.rows[0]?.failures).toBe(0);
    // Converged: nothing left to do.
    expect((await reconcilePass(deps)).plan.actions).toEqual([]);
  }, 240_000);
});
