import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withDatabase } from '../../app/db/url.js';
import { databaseName } from '../../fleet/names.js';
import type { Action } from '../../reconciler/actions.js';
import { TransientError } from '../../reconciler/errors.js';
import { lockHolders } from '../../reconciler/lock.js';
import { type OwnerOutcome, type PassReport, reconcilePass } from '../../reconciler/reconcile.js';
import { containers } from '../e2e/assertions.js';
import { startWorld, type World, type WorldTenant } from '../e2e/world.js';
import { describeWithHosts } from '../hosts/index.js';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';

/**
 * The PostgreSQL server holding the control database (journal, locks, status) and the tenant
 * databases restarts while a pass deploys. It is a server of this file's own (own-postgres.ts),
 * really stopped and started: the run's shared server serves every other test file at the same
 * time, and pg_terminate_backend would only end sessions, not refuse new ones as a restart does.
 *
 * Two moments: between two journaled steps (restarted before the next step starts), and while a
 * compose up runs over SSH (down when it ends and the step is to be journaled, back afterwards).
 */
describeWithHosts('the database server restarting in the middle of a deploy', () => {
  let server: OwnPostgres;
  let world: World;
  let between: WorldTenant;
  let during: WorldTenant;
  const outcome = (report: PassReport, t: WorldTenant): OwnerOutcome => {
    const o = report.owners.find((x) => x.owner === t.slug);
    if (!o) throw new Error(`no outcome for ${t.slug} in ${JSON.stringify(report.owners)}`);
    return o;
  };
  /** A query on the world's server (`database`: the control database by default), on a connection of its own. */
  const query = async <R extends Record<string, unknown>>(sql: string, values: unknown[] = [], database?: string): Promise<R[]> => {
    const c = new pg.Client({ connectionString: database === undefined ? world.env.DATABASE_URL : withDatabase(server.url, database) });
    await c.connect();
    try {
      return (await c.query<R>(sql, values)).rows;
    } finally {
      await c.end();
    }
  };
  const steps = (t: WorldTenant) =>
    query<{ kind: string; status: string; op: string }>(
      `SELECT s.kind, s.status, o.status AS op FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id WHERE o.tenant = $1 ORDER BY o.id, s.started_at`,
      [t.slug],
    );

  beforeAll(async () => {
    server = await startOwnPostgres();
    world = await startWorld(
      [
        { name: 'between', placement: 'dedicated' },
        { name: 'during', placement: 'dedicated' },
      ],
      { pgAdminUrl: server.url },
    );
    [between, during] = world.tenants as [WorldTenant, WorldTenant];
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await server?.close();
  }, 120_000);

  it('restarted between host.wait and stack.deploy: the lock is known lost, the pass ends that owner as transient, the next pass finishes', async () => {
    const { deps } = await world.reconciler();
    let restarted = false;
    const progress = async (action: Action) => {
      if (action.id !== `${between.slug}/host.wait`) return;
      await server.stop();
      await server.start();
      restarted = true;
    };
    const report = await reconcilePass(deps, { only: between.slug, hooks: { progress } });
    expect(restarted).toBe(true);
    const o = outcome(report, between);
    expect(o.status).toBe('progressing');
    expect(o.applied).toEqual(['droplet.create', 'database.ensure', 'database.migrate', 'host.wait'].map((k) => `${between.slug}/${k}`));
    expect(o.error).toMatch(/lock of .* was lost/);

    const next = await reconcilePass(deps, { only: between.slug });
    expect(outcome(next, between)).toMatchObject({ status: 'ready', applied: [`${between.slug}/stack.deploy`], error: null });
  }, 240_000);

  it('down while a compose up runs: the pass fails with a typed transient error, the process and locks survive, the next pass converges', async () => {
    const { deps } = await world.reconciler();
    const stopped: Promise<void>[] = [];
    const failpoint = (action: Action, stage: 'before' | 'after') => {
      // The compose up takes seconds over SSH; the server is gone well before it ends.
      if (stage === 'before' && action.id === `${during.slug}/stack.deploy`) stopped.push(server.stop());
    };
    const failed = await reconcilePass(deps, { only: during.slug, hooks: { failpoint } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(stopped).toHaveLength(1);
    await Promise.all(stopped);
    expect(failed).toBeInstanceOf(TransientError);
    // Typed for the loop, which retries the pass: not the driver's bare connection error.
    expect(failed).toMatchObject({ name: 'PassInterruptedError', reason: 'PassInterrupted' });
    await server.start();

    // No lock outlives its session: the next pass takes every owner.
    expect(await lockHolders({ query: async (sql: string) => ({ rows: await query(sql) }) })).toEqual([]);
    const report = await reconcilePass(deps);
    expect(report.owners.filter((x) => x.status !== 'ready')).toEqual([]);
    expect(outcome(report, during).error).toBeNull();
    expect((await reconcilePass(deps)).plan.actions).toEqual([]);
  }, 240_000);

  it('converged to exactly one of everything, with no step done twice that must not be', async () => {
    for (const t of [between, during]) {
      const name = databaseName(t.slug);
      expect(await query('SELECT 1 FROM pg_database WHERE datname = $1', [name], 'postgres')).toHaveLength(1);
      expect(await query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name], 'postgres')).toHaveLength(1);
      // Each migration applied once, recorded once.
      const applied = await query<{ id: string }>('SELECT id FROM buckfleet_migrations ORDER BY id', [], name);
      expect(applied.map((r) => r.id)).toEqual([...new Set(applied.map((r) => r.id))]);
      expect(applied.length).toBeGreaterThan(0);
      expect(world.cloud.droplets().filter((d) => d.tags.includes(`buckfleet-tenant-${t.slug}`))).toHaveLength(1);
      const host = world.hosts.get(`bf-${t.slug}`);
      if (!host) throw new Error(`no test host for ${t.slug}`);
      expect((await containers(host, `bf-${t.slug}`)).map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);

      // The journal: droplet, database and migrations done once each, whatever was retried.
      const journal = await steps(t);
      for (const kind of ['droplet.create', 'database.ensure', 'database.migrate']) {
        expect(journal.filter((s) => s.kind === kind && s.status === 'done'), `${t.slug} ${kind}`).toHaveLength(1);
      }
      expect(journal.filter((s) => s.kind === 'stack.deploy' && s.status === 'done').length, `${t.slug} stack.deploy`).toBeLessThanOrEqual(1);
      // No operation is left running once the owner has converged.
      const running = await query('SELECT id FROM reconcile_operations WHERE tenant = $1 AND status = $2', [t.slug, 'running']);
      expect(running, `${t.slug}: ${JSON.stringify(journal)}`).toEqual([]);
      const status = await query<{ failures: number; ready: boolean }>(
        `SELECT failures, (conditions->'Ready'->>'status')::boolean AS ready FROM tenant_status WHERE tenant = $1`,
        [t.slug],
      );
      expect(status).toEqual([{ failures: 0, ready: true }]);
    }
    expect(world.cloud.droplets()).toHaveLength(2);
  }, 60_000);
});
