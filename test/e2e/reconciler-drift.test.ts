import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { describeWithHosts, docker, type TestHost } from '../hosts/index.js';
import { admin } from '../pg/database.js';
import { databaseName } from '../../fleet/names.js';
import { containers, tenantTables } from './assertions.js';
import { buckfleet } from './child.js';
import { startWorld, type World } from './world.js';

describeWithHosts('reconciler drift repair and shared work', () => {
  let world: World;
  let slugs: string[];
  const hostOf = (name: string): TestHost => {
    const h = world.hosts.get(name);
    if (!h) throw new Error(`no test host for droplet ${name}`);
    return h;
  };

  beforeAll(async () => {
    world = await startWorld([
      { name: 'drift-a', placement: 'shared' },
      { name: 'drift-b', placement: 'shared' },
      { name: 'drift-c', placement: 'dedicated' },
    ]);
    slugs = world.tenants.map((t) => t.slug);
  }, 120_000);
  afterAll(() => world?.close(), 120_000);

  it('two reconciler processes share the first deploy and do no step twice', async () => {
    const [one, two] = await Promise.all([buckfleet(['reconcile', '--once'], world.env), buckfleet(['reconcile', '--once'], world.env)]);
    // A process that found an owner locked by the other reports it as locked, not as failed; a
    // tenant whose shared host the other process was still making waits for the next pass.
    for (const run of [one, two]) expect(run.exitCode, String(run.stderr)).toBe(0);
    const third = await buckfleet(['reconcile', '--once'], world.env);
    expect(third.exitCode, String(third.stderr)).toBe(0);
    const journal = new pg.Client({ connectionString: world.env.DATABASE_URL });
    await journal.connect();
    try {
      const done = await journal.query<{ tenant: string; action_id: string; n: string }>(
        `SELECT o.tenant, s.action_id, count(*) AS n FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id
          WHERE s.status = 'done' GROUP BY o.tenant, s.action_id`,
      );
      expect(done.rows.length).toBeGreaterThan(0);
      expect(done.rows.filter((r) => r.n !== '1')).toEqual([]);
      const started = await journal.query<{ n: string }>(`SELECT count(*) AS n FROM reconcile_steps WHERE status <> 'done'`);
      expect(started.rows[0]?.n).toBe('0');
    } finally {
      await journal.end();
    }
    for (const slug of slugs) {
      const host = hostOf(slug.startsWith('drift-c') ? `bf-${slug}` : 'bf-host-shared-1');
      expect((await containers(host, `bf-${slug}`)).map((c) => `${c.running}:${c.health}`), slug).toEqual(['true:healthy']);
    }
    expect(world.cloud.droplets()).toHaveLength(2);
  }, 300_000);

  it('repairs a stopped container, a stack removed by hand and a dropped database on the next pass', async () => {
    const [a, b, c] = slugs as [string, string, string];
    const shared = hostOf('bf-host-shared-1');
    const [stopped] = await containers(shared, `bf-${a}`);
    await docker(shared, ['stop', '-t', '1', stopped!.id]);
    for (const gone of await containers(shared, `bf-${b}`)) await docker(shared, ['rm', '-f', gone.id]);
    await admin(async (client) => {
      await client.query('DROP DATABASE ' + pg.escapeIdentifier(databaseName(c)) + ' WITH (FORCE)');
    });
    expect((await containers(shared, `bf-${a}`)).map((x) => x.running)).toEqual([false]);
    expect(await containers(shared, `bf-${b}`)).toEqual([]);
    expect(await tenantTables(c)).toBeNull();

    const report = await reconcilePass((await world.reconciler()).deps);
    const reasons = Object.fromEntries(report.plan.actions.filter((x) => x.kind === 'stack.deploy').map((x) => [x.owner, 'reason' in x ? x.reason : '']));
    expect(reasons[a]).toBe('core exited');
    expect(reasons[b]).toBe('stack is missing');
    expect(report.plan.actions.filter((x) => x.owner === c).map((x) => x.kind)).toEqual(['database.ensure', 'database.migrate', 'stack.deploy']);
    expect(report.owners.filter((o) => o.status !== 'ready')).toEqual([]);
    for (const slug of [a, b]) expect((await containers(shared, `bf-${slug}`)).map((x) => `${x.running}:${x.health}`)).toEqual(['true:healthy']);
    expect(await tenantTables(c)).toEqual(['bot_users', 'buckfleet_migrations']);
  }, 300_000);
});
