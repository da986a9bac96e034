import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseName } from '../../fleet/names.js';
import { describeWithHosts } from '../hosts/index.js';
import { waitUntil } from '../hosts/wait.js';
import { admin } from '../pg/database.js';
import { containers, tenantTables } from './assertions.js';
import { buckfleet } from './child.js';
import { startWorld, type World } from './world.js';

/** Every step of a dedicated tenant's first deploy, in order. */
const STEPS = ['droplet.create', 'database.ensure', 'database.migrate', 'host.wait', 'stack.deploy'];

describeWithHosts('reconciler crash safety: SIGKILL at every journaled step of a first deploy', () => {
  let world: World;
  let slug: string;

  beforeAll(async () => {
    world = await startWorld([{ name: 'crash', placement: 'dedicated' }]);
    slug = world.tenants[0]!.slug;
  }, 120_000);
  afterAll(() => world?.close(), 120_000);

  /** How often host.wait has been started, over every operation of the tenant. */
  async function hostWaitAttempts(): Promise<number> {
    const r = await withJournal((c) =>
      c.query<{ n: number }>(
        `SELECT coalesce(sum(s.attempt), 0)::int AS n FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id WHERE o.tenant = $1 AND s.kind = 'host.wait'`,
        [slug],
      ),
    );
    return r.rows[0]?.n ?? 0;
  }

  async function withJournal<T>(use: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: world.env.DATABASE_URL });
    await c.connect();
    try {
      return await use(c);
    } finally {
      await c.end();
    }
  }

  it('is killed before and after each step, resumes each time, and converges to exactly one of everything', async () => {
    // The droplet stays booting until host.wait has started in the run meant to die after it:
    // a host already up when that run looks would need no host.wait, and the run would not die.
    const releaseBoot = world.cloud.holdBoots();
    const killedAt: string[] = [];
    for (const kind of STEPS) {
      for (const stage of ['before', 'after']) {
        const holdsBoot = stage === 'after' && kind === 'host.wait';
        const attempts = holdsBoot ? await hostWaitAttempts() : 0;
        const running = buckfleet(['reconcile', '--once'], world.env, { BUCKFLEET_FAILPOINT: `${stage}:${kind}` });
        if (holdsBoot) {
          await waitUntil('host.wait started again', 120_000, async () => (await hostWaitAttempts()) > attempts);
          releaseBoot();
        }
        const run = await running;
        expect(run.signal, `${stage}:${kind}: ${String(run.stderr)}`).toBe('SIGKILL');
        killedAt.push(`${stage}:${kind}`);
      }
    }
    expect(killedAt).toHaveLength(10);
    const final = await buckfleet(['reconcile', '--once'], world.env);
    expect(final.exitCode, String(final.stderr)).toBe(0);
    expect(String(final.stdout)).toContain(`${slug}: ready`);

    // Exactly one droplet, one database, one stack.
    expect(world.cloud.droplets().filter((d) => d.tags.includes(`buckfleet-tenant-${slug}`))).toHaveLength(1);
    const dbs = await admin((c) => c.query<{ n: string }>('SELECT count(*) AS n FROM pg_database WHERE datname = $1', [databaseName(slug)]));
    expect(dbs.rows[0]?.n).toBe('1');
    expect(await tenantTables(slug)).toEqual(['bot_users', 'buckfleet_migrations']);
    const host = world.hosts.get(`bf-${slug}`);
    if (!host) throw new Error('no test host for the droplet');
    expect((await containers(host, `bf-${slug}`)).map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);

    // The journal shows every step was reached, and none failed: each kill was resumed.
    const r = await withJournal((c) =>
      c.query<{ kind: string; status: string }>(`SELECT s.kind, s.status FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id WHERE o.tenant = $1`, [slug]),
    );
    for (const kind of STEPS) expect(r.rows.some((row) => row.kind === kind), kind).toBe(true);
    expect(r.rows.filter((row) => row.status === 'failed')).toEqual([]);
    // Nothing is left to do: the plan of the converged world is empty.
    const plan = await buckfleet(['plan', '--json'], world.env);
    expect(JSON.parse(String(plan.stdout))).toEqual({ actions: [], problems: {} });
  }, 600_000);
});
