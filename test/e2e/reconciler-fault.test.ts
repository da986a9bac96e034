import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Action } from '../../reconciler/actions.js';
import { type OwnerOutcome, type PassReport, type ReconcilerDeps, reconcilePass } from '../../reconciler/reconcile.js';
import { describeWithHosts, stopAllTestHosts, type TestHost } from '../hosts/index.js';
import { containers, dropTenantDatabases, httpGet, tenantTables } from './assertions.js';
import { startWorld, type World, type WorldTenant } from './world.js';

/** The fleet admins of a world (world.ts writes them into fleet.yaml). */
const ADMINS = [100_001];
/** A tenant owner's Telegram id, as world.ts writes it into tenant.yaml. */
const ownerId = (t: WorldTenant) => 300_000 + t.port;

interface StatusRow {
  failures: number;
  ready: boolean;
  reason: string;
  message: string;
  lastApplied: string | null;
}

describeWithHosts('reconciler fault: a host cut off mid-deploy is retried, degraded, reported once, and converges when back', () => {
  let world: World;
  let control: pg.Pool;
  let cut: WorldTenant;
  let dedicated: WorldTenant;
  let shared: WorldTenant;
  const hostOf = (name: string): TestHost => {
    const h = world.hosts.get(name);
    if (!h) throw new Error(`no test host for droplet ${name}`);
    return h;
  };
  const dropletOf = (t: WorldTenant) => (t.placement === 'dedicated' ? `bf-${t.slug}` : 'bf-host-shared-1');

  /**
   * The in-process reconciler with test-sized waits: a first boot gets the time a test host needs
   * to start and import its images; once the hosts exist, a host that does not answer is given up
   * on after 3 s (plus one SSH connect timeout) instead of production's 5 minutes.
   */
  const depsWith = async (hostWaitMs: number): Promise<ReconcilerDeps> => {
    const { deps } = await world.reconciler();
    return { ...deps, steps: { ...deps.steps, settings: { ...deps.steps.settings, hostWaitMs, healthTimeoutMs: 30_000 } } };
  };
  const outcome = (report: PassReport, t: WorldTenant): OwnerOutcome => {
    const o = report.owners.find((x) => x.owner === t.slug);
    if (!o) throw new Error(`no outcome for ${t.slug} in ${JSON.stringify(report.owners)}`);
    return o;
  };
  const summary = (report: PassReport) => report.owners.map((o) => `${o.owner}: ${o.status}`).sort();

  const status = async (t: WorldTenant): Promise<StatusRow> => {
    const r = await control.query<{ failures: number; conditions: { Ready: { status: boolean; reason: string; message: string } }; last_applied_revision: string | null }>(
      'SELECT failures, conditions, last_applied_revision FROM tenant_status WHERE tenant = $1',
      [t.slug],
    );
    const row = r.rows[0];
    if (!row) throw new Error(`no tenant_status row for ${t.slug}`);
    const ready = row.conditions.Ready;
    return { failures: row.failures, ready: ready.status, reason: ready.reason, message: ready.message, lastApplied: row.last_applied_revision };
  };
  /** The outbox messages about a tenant of the given kinds, as `kind -> telegram id`, in insertion order. */
  const outbox = async (t: WorldTenant, kinds: readonly string[]): Promise<string[]> => {
    const r = await control.query<{ kind: string; telegram_user_id: string }>(
      `SELECT kind, telegram_user_id FROM outbox WHERE payload->>'tenant' = $1 AND kind = ANY($2) ORDER BY id`,
      [t.slug, kinds],
    );
    return r.rows.map((row) => `${row.kind} -> ${row.telegram_user_id}`);
  };
  /** The progress messages about a tenant, as `step -> next step` (what the customer's checklist is drawn from). */
  const progressOf = async (t: WorldTenant): Promise<string[]> => {
    const r = await control.query<{ kind: string; next: string | null }>(
      `SELECT payload->>'kind' AS kind, payload->>'next' AS next FROM outbox WHERE payload->>'tenant' = $1 AND kind = 'deploy.progress' ORDER BY id`,
      [t.slug],
    );
    return r.rows.map((row) => `${row.kind} -> ${row.next ?? '(last)'}`);
  };
  /** A stack that runs as the fleet says: one healthy core container that answers with the slug. */
  const expectRunning = async (t: WorldTenant) => {
    const host = hostOf(dropletOf(t));
    const cs = await containers(host, `bf-${t.slug}`);
    expect(cs.map((c) => `${c.service}:${c.running}:${c.health}`), t.slug).toEqual(['core:true:healthy']);
    expect(await httpGet(host, cs[0]!.id, t.port)).toBe(t.slug);
  };

  beforeAll(async () => {
    world = await startWorld([
      { name: 'cut', placement: 'dedicated' },
      { name: 'dedi', placement: 'dedicated' },
      { name: 'shar', placement: 'shared' },
    ]);
    [cut, dedicated, shared] = world.tenants as [WorldTenant, WorldTenant, WorldTenant];
    control = new pg.Pool({ connectionString: world.env.DATABASE_URL, max: 2 });
    control.on('error', () => undefined);
  }, 120_000);

  afterAll(async () => {
    await control?.end();
    await world?.close();
    await dropTenantDatabases(world?.tenants.map((t) => t.slug) ?? []);
    await stopAllTestHosts();
  }, 120_000);

  it('cuts one dedicated host off right after it answered (host.wait): its stack.deploy fails on the dead host, the others finish', async () => {
    let cutAfter: string | null = null;
    const progress = async (action: Action) => {
      if (action.id !== `${cut.slug}/host.wait`) return;
      await hostOf(dropletOf(cut)).cutOff();
      cutAfter = action.id;
    };
    const report = await reconcilePass(await depsWith(120_000), { hooks: { progress } });
    expect(cutAfter).toBe(`${cut.slug}/host.wait`);

    expect(summary(report)).toEqual([`${cut.slug}: progressing`, `${dedicated.slug}: ready`, `${shared.slug}: ready`, 'host:shared-1: ready'].sort());
    const failed = outcome(report, cut);
    expect(failed.applied).toEqual(['droplet.create', 'database.ensure', 'database.migrate', 'host.wait'].map((k) => `${cut.slug}/${k}`));
    expect(failed.error).toContain(`${hostOf(dropletOf(cut)).address}:22 did not answer over SSH during write stack of bf-${cut.slug}`);

    // The others run; the cut tenant got its database but no stack.
    await expectRunning(dedicated);
    await expectRunning(shared);
    expect(await tenantTables(cut.slug)).toEqual(['bot_users', 'buckfleet_migrations']);
    expect(await containers(hostOf(dropletOf(cut)), `bf-${cut.slug}`)).toEqual([]);

    // Journaled: the step that met the dead host failed, and its operation with it.
    const steps = await control.query<{ action_id: string; step: string; op: string; error: string | null }>(
      `SELECT s.action_id, s.status AS step, o.status AS op, s.error FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id
        WHERE o.tenant = $1 ORDER BY o.id, s.started_at`,
      [cut.slug],
    );
    expect(steps.rows.map((r) => `${r.action_id.slice(cut.slug.length + 1)} ${r.step} (${r.op})`)).toEqual([
      'droplet.create done (failed)',
      'database.ensure done (failed)',
      'database.migrate done (failed)',
      'host.wait done (failed)',
      'stack.deploy failed (failed)',
    ]);
    expect(steps.rows.at(-1)?.error).toMatch(/did not answer over SSH/);

    expect(await status(cut)).toMatchObject({ failures: 1, ready: false, reason: 'host-unreachable', lastApplied: null });
    for (const t of [dedicated, shared]) expect(await status(t)).toMatchObject({ failures: 0, ready: true });
    // One failure is not yet worth telling anyone.
    expect(await outbox(cut, ['deploy.failed', 'admin.deploy_failed', 'deploy.running'])).toEqual([]);
    expect(await outbox(dedicated, ['deploy.running'])).toEqual([`deploy.running -> ${ownerId(dedicated)}`]);
    // Each progress message names the step after it: the database is made while the droplet boots.
    expect(await progressOf(dedicated)).toEqual([
      'droplet.create -> database.ensure',
      'database.ensure -> database.migrate',
      'database.migrate -> host.wait',
      'host.wait -> stack.deploy',
      'stack.deploy -> (last)',
    ]);
    expect(await progressOf(shared)).toEqual(['database.ensure -> database.migrate', 'database.migrate -> stack.deploy', 'stack.deploy -> (last)']);
  }, 300_000);

  it('retries while the host stays cut: degraded from the third failure, owner and admins told once', async () => {
    const deps = await depsWith(3_000);
    const seen: string[] = [];
    const told: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const report = await reconcilePass(deps);
      const o = outcome(report, cut);
      seen.push(`${o.status} ${(await status(cut)).failures}`);
      expect(o.error, `pass ${i + 2}`).toMatch(/does not answer over SSH/);
      // The others have nothing to do and stay ready.
      for (const t of [dedicated, shared]) expect(outcome(report, t)).toMatchObject({ status: 'ready', applied: [], error: null });
      // Retried: the failing tenant asks to be looked at again.
      expect(o.requeueAfterMs, `pass ${i + 2}`).toBeGreaterThan(0);
      told.push(await outbox(cut, ['deploy.failed', 'admin.deploy_failed']));
    }
    expect(seen).toEqual(['progressing 2', 'failed 3', 'failed 4']);
    const once = [`deploy.failed -> ${ownerId(cut)}`, ...ADMINS.map((a) => `admin.deploy_failed -> ${a}`)];
    expect(told).toEqual([[], once, once]);

    const s = await status(cut);
    expect(s).toMatchObject({ failures: 4, ready: false, reason: 'HostUnreachable', lastApplied: null });
    expect(s.message).toContain(`tenant:${cut.slug}`);
    expect(await containers(hostOf(dropletOf(cut)), `bf-${cut.slug}`)).toEqual([]);
    await expectRunning(dedicated);
    await expectRunning(shared);
  }, 180_000);

  it('converges once the host is back: stack deployed and healthy, failures reset, owner told it runs; nothing duplicated', async () => {
    await hostOf(dropletOf(cut)).restore();
    const report = await reconcilePass(await depsWith(3_000));
    // The shared host has nothing left to do, so it is no owner of this pass.
    expect(summary(report)).toEqual([`${cut.slug}: ready`, `${dedicated.slug}: ready`, `${shared.slug}: ready`]);
    expect(outcome(report, cut).applied).toEqual([`${cut.slug}/stack.deploy`]);
    for (const t of [cut, dedicated, shared]) await expectRunning(t);
    expect(await status(cut)).toMatchObject({ failures: 0, ready: true, reason: 'Succeeded', lastApplied: report.revision });
    expect(await outbox(cut, ['deploy.failed', 'admin.deploy_failed', 'deploy.running'])).toEqual([
      `deploy.failed -> ${ownerId(cut)}`,
      ...ADMINS.map((a) => `admin.deploy_failed -> ${a}`),
      `deploy.running -> ${ownerId(cut)}`,
    ]);

    // One droplet per host, never a second one for the host that was cut off.
    const hostTags = world.cloud.droplets().map((d) => d.tags.filter((t) => /^buckfleet-(tenant|host)-/.test(t)).join(','));
    expect(hostTags.sort()).toEqual(['buckfleet-host-shared-1', `buckfleet-tenant-${cut.slug}`, `buckfleet-tenant-${dedicated.slug}`].sort());
    // And converged: the next pass finds nothing to do.
    expect((await reconcilePass(await depsWith(3_000))).plan.actions).toEqual([]);
  }, 120_000);
});
