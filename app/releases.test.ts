import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { RENDERERS } from '../bot/notifications/index.js';
import { approveChange } from '../fleet/approve.js';
import { ChangeRejectedError } from '../fleet/changes/index.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { MAIN } from '../fleet/repo/types.js';
import { revertChange, RevertError } from '../fleet/revert.js';
import { Secret } from '../fleet/secret.js';
import { submitChange } from '../fleet/submit.js';
import { advanceRollouts, type AdvanceDeps } from '../modules/advance.js';
import { silentLog } from '../fleet/log.js';
import { startRolloutWorker } from './workers/rollouts.js';
import { releaseModule } from '../modules/release.js';
import { GitTagSource } from '../modules/tags.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { makeModulesRepo, type ModulesRepo, releaseFleetFiles, tagCoreReleases } from '../test/modules-repo.js';
import { testDatabase } from '../test/pg/database.js';
import { migrate } from './db/migrate.js';
import { PgRolloutStore, PgTenantHealth, pgOutboxWriter } from './releases.js';

const T0 = new Date('2026-03-16T12:00:00.000Z');
const ADMIN = 900;
const EXTRA_ADMIN = 901;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function world(ctx: TestContext, rollout = '') {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const modules: ModulesRepo = await makeModulesRepo();
  const fleet: TempBareRepo = await makeTempBareRepo(releaseFleetFiles({ admin: ADMIN, rollout }));
  cleanups.push(modules.cleanup, fleet.cleanup);
  await tagCoreReleases(modules);
  let now = T0;
  const deps: AdvanceDeps & { source: GitTagSource } = {
    repo: fleet.repo,
    prs: fleet.repo,
    outbox: pgOutboxWriter(db.pool),
    rollouts: new PgRolloutStore(db.pool),
    health: new PgTenantHealth(db.pool),
    extraAdmins: [EXTRA_ADMIN],
    now: () => now,
    source: new GitTagSource(modules.dir),
  };
  const main = async (): Promise<{ fleet: Fleet; head: string }> => {
    const head = (await fleet.repo.head(MAIN))!;
    const loaded = loadFleet(await fleet.repo.read(head));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    return { fleet: loaded.fleet, head };
  };
  const versions = async () => Object.fromEntries([...(await main()).fleet.tenants].map(([s, r]) => [s, r.tenant.modules.core?.version]));
  const outbox = async () =>
    (await db.pool.query<{ dedupe_key: string; telegram_user_id: string; kind: string; payload: Record<string, unknown> }>('SELECT dedupe_key, telegram_user_id, kind, payload FROM outbox ORDER BY id')).rows;
  /** Every branch and ref of the fleet repo with its commit, and the PR records: what "changes nothing" compares. */
  const refs = () => execFileSync('git', ['--git-dir', fleet.gitDir, 'for-each-ref', '--format=%(refname) %(objectname)'], { encoding: 'utf8' });
  const prs = async () => (await fleet.repo.listOpen()).length;
  /** What the reconciler would write for a tenant: ready or failing on a revision. */
  const status = async (slug: string, s: { ready: boolean; stalled?: boolean; failures?: number; revision: string; reason?: string }) => {
    const conditions = {
      Ready: { status: s.ready, reason: s.ready ? 'Succeeded' : (s.reason ?? 'Failed'), message: s.ready ? 'running as the fleet says' : 'health check failed' },
      Reconciling: { status: false, reason: 'Idle', message: '' },
      Stalled: { status: s.stalled ?? false, reason: s.stalled ? (s.reason ?? 'Failed') : 'None', message: s.stalled ? 'health check failed' : '' },
    };
    await db.pool.query(
      `INSERT INTO tenant_status (tenant, conditions, last_attempted_revision, last_applied_revision, failures) VALUES ($1, $2::jsonb, $3, $4, $5)
       ON CONFLICT (tenant) DO UPDATE SET conditions = excluded.conditions, last_attempted_revision = excluded.last_attempted_revision,
         last_applied_revision = excluded.last_applied_revision, failures = excluded.failures`,
      [slug, JSON.stringify(conditions), s.revision, s.ready ? s.revision : null, s.failures ?? 0],
    );
  };
  return { db, deps, fleet, modules, main, versions, outbox, refs, prs, status, setNow: (d: Date) => (now = d) };
}

describe('buckfleet release (real git repos, real PostgreSQL)', () => {
  it('records the release, updates auto tenants in one PR skipping and listing a broken one, tells each notify owner once; a rerun changes nothing', async (ctx) => {
    const w = await world(ctx);

    const report = await releaseModule(w.deps, 'core', '1.1.0');

    expect(report.catalog.status).toBe('merged');
    expect(report.update).toMatchObject({ status: 'merged', created: true });
    const pr = report.update !== null && 'pr' in report.update ? report.update.pr : null;
    expect(pr?.title).toBe('Update core to 1.1.0');
    expect(pr?.body).toContain('tenants updated: alpha (1.0.0 → 1.1.0), bravo (1.0.0 → 1.1.0)');
    expect(pr?.body).toContain('skipped: charlie: welcome@1.0.0 requires core >=1.0 <1.1, but core is 1.1.0');
    expect(pr?.body).toContain('### Release notes\n\nCore 1.1.0\n\n- /stats for the owner');
    expect(await w.versions()).toEqual({ alpha: '1.1.0', bravo: '1.1.0', charlie: '1.0.0', nora: '1.0.0', nick: '1.0.0' });
    expect((await w.main()).fleet.catalog.get('core')?.versions['1.1.0']).toEqual({
      image: 'ghcr.io/acme/core:1.1.0',
      requires: {},
      releasedAt: '2026-03-01T10:00:00.000Z',
      notes: 'Core 1.1.0\n\n- /stats for the owner',
    });

    const rows = await w.outbox();
    expect(rows.map((r) => [r.dedupe_key, Number(r.telegram_user_id), r.kind])).toEqual([
      ['module.update_available:nick:core@1.1.0', 202, 'module.update_available'],
      ['module.update_available:nora:core@1.1.0', 201, 'module.update_available'],
    ]);
    const rendered = await RENDERERS.get('module.update_available')!(rows[0]!.payload, (key, v) => `${key} ${JSON.stringify(v ?? {})}`, { databaseCredentials: null });
    expect(rendered.text).toContain('- /stats for the owner');
    expect(rendered.buttons?.[0]?.[0]?.data).toBe('upd:nick:core:1.1.0');

    const before = { refs: w.refs(), outbox: await w.outbox(), open: await w.prs() };
    const again = await releaseModule(w.deps, 'core', '1.1.0');
    expect({ refs: w.refs(), outbox: await w.outbox(), open: await w.prs() }).toEqual(before);
    expect(again.notified).toEqual([]);
    expect(again.alreadyNotified).toEqual(['nick', 'nora']);
    expect(again.update).toMatchObject({ status: 'merged', created: false });
  });

  it('refuses an update that breaks a requires range, with the reason', async (ctx) => {
    const w = await world(ctx);
    await releaseModule(w.deps, 'core', '1.1.0');
    const head = w.refs();

    const refused = await submitChange(
      { repo: w.fleet.repo, prs: w.fleet.repo, now: () => T0 },
      { kind: 'module.update', id: 'manual-c', requestedBy: { type: 'cli', user: 'ops' }, module: 'core', version: '1.1.0', tenants: ['charlie'] },
    ).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(ChangeRejectedError);
    expect((refused as ChangeRejectedError).message).toBe('no tenant can take core@1.1.0: charlie: welcome@1.0.0 requires core >=1.0 <1.1, but core is 1.1.0');
    expect(w.refs()).toBe(head);
  });

  it('staged: the PR covers the canary only; the rest follows once the canary was healthy for the soak', async (ctx) => {
    const w = await world(ctx, 'rollout: { canary: [alpha], soakMinutes: 30 }\n');

    const report = await releaseModule(w.deps, 'core', '1.1.0');
    expect(report.rollout).toMatchObject({ state: 'canary', canary: ['alpha'] });
    expect(await w.versions()).toEqual({ alpha: '1.1.0', bravo: '1.0.0', charlie: '1.0.0', nora: '1.0.0', nick: '1.0.0' });
    // A rerun of the release neither opens the rest nor a second canary PR.
    const refs = w.refs();
    await releaseModule(w.deps, 'core', '1.1.0');
    expect(w.refs()).toBe(refs);

    // Not yet applied by the reconciler: waits.
    expect((await advanceRollouts(w.deps)).map((r) => r.decision.kind)).toEqual(['wait']);
    await w.status('alpha', { ready: true, revision: (await w.main()).head });
    expect((await advanceRollouts(w.deps))[0]?.decision).toMatchObject({ kind: 'wait', healthySince: { alpha: T0.toISOString() } });
    w.setNow(new Date(T0.getTime() + 29 * 60_000));
    expect((await advanceRollouts(w.deps))[0]?.decision.kind).toBe('wait');
    expect(await w.versions()).toMatchObject({ bravo: '1.0.0' });

    w.setNow(new Date(T0.getTime() + 30 * 60_000));
    const [advanced] = await advanceRollouts(w.deps);
    expect(advanced?.decision.kind).toBe('advance');
    expect(advanced?.rest).toMatchObject({ status: 'merged' });
    expect(await w.versions()).toEqual({ alpha: '1.1.0', bravo: '1.1.0', charlie: '1.0.0', nora: '1.0.0', nick: '1.0.0' });
    expect(await w.deps.rollouts.get('core', '1.1.0')).toMatchObject({ state: 'completed' });
    expect(await advanceRollouts(w.deps)).toEqual([]);
  });

  it('staged, by itself: the rollout worker of the control plane opens the rest once the soak is over', async (ctx) => {
    const w = await world(ctx, 'rollout: { canary: [alpha], soakMinutes: 30 }\n');
    await releaseModule(w.deps, 'core', '1.1.0');
    await w.status('alpha', { ready: true, revision: (await w.main()).head });
    const stop = new AbortController();
    const loop = startRolloutWorker({ ...w.deps, log: silentLog }, { signal: stop.signal, intervalMs: 20, random: () => 0.5 });
    ctx.onTestFinished(async () => {
      stop.abort();
      await loop.done;
    });
    // Rounds before the soak is over only wait: the first one starts the soak at T0. Waited for,
    // not slept on: a loaded machine's first round came after a fixed 200 ms, started the soak
    // at the moved clock instead, and the rest never followed.
    const started = Date.now() + 10_000;
    while ((await w.deps.rollouts.get('core', '1.1.0'))?.healthySince.alpha === undefined && Date.now() < started) await new Promise((r) => setTimeout(r, 20));
    expect((await w.deps.rollouts.get('core', '1.1.0'))?.healthySince).toEqual({ alpha: T0.toISOString() });
    expect(await w.versions()).toMatchObject({ bravo: '1.0.0' });
    w.setNow(new Date(T0.getTime() + 30 * 60_000));
    const until = Date.now() + 10_000;
    // The rollout is marked completed just after the rest's PR lands on main: wait for both.
    const done = async () => (await w.versions()).bravo === '1.1.0' && (await w.deps.rollouts.get('core', '1.1.0'))?.state === 'completed';
    while (!(await done()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await w.versions()).toEqual({ alpha: '1.1.0', bravo: '1.1.0', charlie: '1.0.0', nora: '1.0.0', nick: '1.0.0' });
    expect(await w.deps.rollouts.get('core', '1.1.0')).toMatchObject({ state: 'completed' });
  });

  it('staged: a failed canary stops the rollout and tells each admin once', async (ctx) => {
    const w = await world(ctx, 'rollout: { canary: [alpha], soakMinutes: 30 }\n');
    await releaseModule(w.deps, 'core', '1.1.0');
    await w.status('alpha', { ready: false, stalled: true, reason: 'Unhealthy', revision: (await w.main()).head });

    const [halted] = await advanceRollouts(w.deps);

    expect(halted?.decision).toEqual({ kind: 'halt', reason: 'canary failed: alpha: Unhealthy: health check failed' });
    expect(halted?.alerted).toEqual([ADMIN, EXTRA_ADMIN]);
    const alerts = (await w.outbox()).filter((r) => r.kind === 'admin.rollout_halted');
    expect(alerts.map((r) => Number(r.telegram_user_id))).toEqual([ADMIN, EXTRA_ADMIN]);
    expect(alerts[0]?.payload).toMatchObject({ module: 'core', version: '1.1.0', reason: 'canary failed: alpha: Unhealthy: health check failed' });
    expect(await w.deps.rollouts.get('core', '1.1.0')).toMatchObject({ state: 'halted', haltedReason: 'canary failed: alpha: Unhealthy: health check failed' });
    // Even when the canary recovers and the soak passes, the rest never gets it.
    await w.status('alpha', { ready: true, revision: (await w.main()).head });
    w.setNow(new Date(T0.getTime() + 120 * 60_000));
    expect(await advanceRollouts(w.deps)).toEqual([]);
    expect(await w.versions()).toMatchObject({ bravo: '1.0.0' });
    expect((await w.outbox()).filter((r) => r.kind === 'admin.rollout_halted')).toHaveLength(2);
  });

  it('rollback: a revert PR of the merged release PR brings the old version back on main once merged, keeping later edits', async (ctx) => {
    const w = await world(ctx);
    const report = await releaseModule(w.deps, 'core', '1.1.0');
    const updatePr = report.update !== null && 'pr' in report.update ? report.update.pr.number : 0;
    // A later, unrelated change to a tenant the release touched.
    await submitChange(
      { repo: w.fleet.repo, prs: w.fleet.repo, now: () => T0 },
      { kind: 'tenant.update', id: 'rename-a', requestedBy: { type: 'cli', user: 'ops' }, slug: 'alpha', displayName: 'Shop A' },
    ).then(async (o) => {
      if (o.status === 'open') await approveChange({ repo: w.fleet.repo, prs: w.fleet.repo }, o.pr.number);
    });

    const revert = await revertChange({ repo: w.fleet.repo, prs: w.fleet.repo, requestedBy: { type: 'cli', user: 'ops' } }, updatePr);

    expect(revert.created).toBe(true);
    expect(revert.pr).toMatchObject({ state: 'open', title: 'Revert "Update core to 1.1.0"', labels: ['revert'] });
    expect(await w.versions()).toMatchObject({ alpha: '1.1.0', bravo: '1.1.0' }); // not merged yet
    expect(await revertChange({ repo: w.fleet.repo, prs: w.fleet.repo, requestedBy: { type: 'cli', user: 'ops' } }, updatePr)).toMatchObject({ created: false, pr: { number: revert.pr.number } });

    await approveChange({ repo: w.fleet.repo, prs: w.fleet.repo }, revert.pr.number);
    expect(await w.versions()).toEqual({ alpha: '1.0.0', bravo: '1.0.0', charlie: '1.0.0', nora: '1.0.0', nick: '1.0.0' });
    expect((await w.main()).fleet.tenants.get('alpha')?.tenant.displayName).toBe('Shop A');
    expect(Object.keys((await w.main()).fleet.catalog.get('core')!.versions)).toEqual(['1.0.0', '1.1.0']);

    const notMerged = await revertChange({ repo: w.fleet.repo, prs: w.fleet.repo, requestedBy: { type: 'cli', user: 'ops' } }, 999).catch((e: unknown) => e);
    expect(notMerged).toBeInstanceOf(RevertError);
    expect((notMerged as RevertError).message).toBe('there is no PR #999 in the fleet repo');
  });
});
