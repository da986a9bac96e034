import { join } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { migrate } from '../app/db/migrate.js';
import { Secret } from '../fleet/secret.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { testDatabase } from '../test/pg/database.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

let fleet: TempBareRepo | undefined;
afterEach(async () => {
  await fleet?.cleanup();
  fleet = undefined;
});

async function cli(env: Record<string, string>, ...argv: string[]) {
  const io = captureIo(join(fleet!.gitDir, '..'), env);
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const ready = { Ready: { status: true, reason: 'Succeeded', message: 'running as the fleet says' }, Reconciling: { status: false, reason: 'Idle', message: '' }, Stalled: { status: false, reason: 'None', message: '' } };
const stalled = {
  Ready: { status: false, reason: 'ImageMissing', message: 'no image ghcr.io/acme/core:1.2.0' },
  Reconciling: { status: false, reason: 'Idle', message: '' },
  Stalled: { status: true, reason: 'ImageMissing', message: 'no image ghcr.io/acme/core:1.2.0' },
};

/** A migrated control database whose tenant_status has acme running (5 minutes ago) and beta stalled. */
async function controlDb(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const put = (tenant: string, conditions: object, failures: number, minutesAgo: number) =>
    db.pool.query(`INSERT INTO tenant_status (tenant, conditions, failures, updated_at) VALUES ($1, $2::jsonb, $3, now() - make_interval(mins => $4))`, [tenant, JSON.stringify(conditions), failures, minutesAgo]);
  await put('acme', ready, 0, 5);
  await put('beta', stalled, 1, 120);
  return db;
}

describe('buckfleet status', () => {
  it('joins main of the fleet repo with tenant_status: placement, status, versions, paid-through, last reconcile', async (ctx) => {
    fleet = await makeTempBareRepo(VALID_FLEET);
    const db = await controlDb(ctx);
    const env = { FLEET_REPO: fleet.gitDir, DATABASE_URL: db.url };

    const table = await cli(env, 'status');
    expect(table.err).toEqual([]);
    expect(table.code).toBe(0);
    expect(table.out).toEqual([
      'TENANT  PLACEMENT                   STATUS     MODULES                    PAID THROUGH  LAST RECONCILE',
      'acme    host h-one                  running    core@1.2.0, welcome@0.3.1  2026-12-01    5m ago',
      'beta    dedicated:fra1/s-1vcpu-1gb  degraded   core@1.2.0                 -             2h ago',
      'gamma   host h-one                  suspended  core@1.1.0                 2026-11-01    never',
    ]);

    const json = await cli(env, 'status', '--json');
    const parsed = JSON.parse(json.out.join('\n')) as { tenants: { slug: string; status: string; reason: string | null; lastReconcile: string | null }[]; note: string | null };
    expect(parsed.note).toBeNull();
    expect(parsed.tenants.map((t) => [t.slug, t.status, t.reason])).toEqual([
      ['acme', 'running', null],
      ['beta', 'degraded', 'no image ghcr.io/acme/core:1.2.0'],
      ['gamma', 'suspended', null],
    ]);
    expect(Date.now() - Date.parse(parsed.tenants[0]!.lastReconcile!)).toBeGreaterThan(4 * 60_000);

    // A tenant the reconciler has not seen yet is on its way; a failing one is degraded after 3 passes.
    await db.pool.query(`DELETE FROM tenant_status WHERE tenant = 'acme'`);
    await db.pool.query(`UPDATE tenant_status SET conditions = $1::jsonb, failures = 3 WHERE tenant = 'beta'`, [
      JSON.stringify({ Ready: { status: false, reason: 'SshUnreachable', message: 'no answer' }, Stalled: { status: false, reason: 'None', message: '' }, Reconciling: { status: true, reason: 'SshUnreachable', message: 'no answer' } }),
    ]);
    const later = await cli(env, 'status');
    expect(later.out.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 3))).toEqual([
      ['acme', 'host h-one', 'reconciling'],
      ['beta', 'dedicated:fra1/s-1vcpu-1gb', 'degraded'],
      ['gamma', 'host h-one', 'suspended'],
    ]);

    // tenant show reads the same row.
    const show = await cli(env, 'tenant', 'show', 'beta');
    expect(show.out.at(-1)).toMatch(/^status: {5}degraded, last reconcile 2h ago \(SshUnreachable: no answer\)$/);
  });

  it('works without the control database: status unknown, a note that names the server but not its password', async () => {
    fleet = await makeTempBareRepo(VALID_FLEET);
    const env = { FLEET_REPO: fleet.gitDir, DATABASE_URL: 'postgres://buckfleet:hunter2secret@127.0.0.1:1/control' };

    const r = await cli(env, 'status');
    expect(r.code).toBe(0);
    expect(r.out.slice(1, 4).map((l) => l.split(/\s{2,}/)[2])).toEqual(['unknown', 'unknown', 'suspended']);
    expect(r.out.at(-1)).toMatch(/^note: status unknown: the control database at postgres:\/\/buckfleet@127\.0\.0\.1:1\/control is unreachable/);
    expect([...r.out, ...r.err].join('\n')).not.toContain('hunter2secret');

    const json = JSON.parse((await cli(env, 'status', '--json')).out.join('\n')) as { note: string };
    expect(json.note).toMatch(/is unreachable/);

    // Local mode with nothing running: the same, and no embedded server is started for it.
    const local = await cli({ FLEET_REPO: fleet.gitDir, BUCKFLEET_HOME: join(fleet.gitDir, '..', 'home') }, 'status');
    expect(local.out.at(-1)).toBe('note: status unknown: the control database is not running (local mode: start it with `buckfleet up`)');
  });

  it('an invalid fleet is reported as validate does, exit 1', async () => {
    fleet = await makeTempBareRepo({ ...VALID_FLEET, 'tenants/acme/billing.yaml': 'status: paid\npaidThrough: null\n' });
    const r = await cli({ FLEET_REPO: fleet.gitDir }, 'status');
    expect(r.code).toBe(1);
    expect(r.out.at(-1)).toBe('fleet is invalid: 1 problem');
  });
});
