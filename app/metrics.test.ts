import { Webhooks } from '@octokit/webhooks';
import { pino } from 'pino';
import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { Secret } from '../fleet/secret.js';
import { testDatabase } from '../test/pg/database.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { GITHUB_WEBHOOK_PATH, githubWebhookRoutes } from './http/routes/github.js';
import { startHttpServer } from './http/server.js';
import { createMetrics, METRICS_PATH } from './metrics.js';

const SECRET = 'gh-webhook-test-secret-metrics';

/** The real server with /metrics and the GitHub webhook, timed by the server's onResponse hook. */
async function startServer(ctx: TestContext, db: Db) {
  const metrics = createMetrics({ db, log: pino({ level: 'silent' }), processMetrics: false });
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
    onResponse: (timing) => metrics.observeRequest(timing),
    routes: [
      metrics.routes(),
      githubWebhookRoutes({ db, webhookSecret: new Secret(SECRET), onMainMoved: () => undefined, onPullRequest: () => Promise.resolve() }),
    ],
  });
  ctx.onTestFinished(() => server.close());
  const scrape = async () => {
    const response = await fetch(`${server.url}${METRICS_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  return { url: server.url, metrics, scrape };
}

/** The value of one series in Prometheus text format, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = match[2] === undefined ? [] : match[2].split(',');
    if (have.length === want.length && want.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

async function migrated(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  return db;
}

const conditions = (ready: boolean, stalled: boolean) =>
  JSON.stringify({ Ready: { status: ready, reason: 'r', message: '' }, Reconciling: { status: !ready && !stalled, reason: 'r', message: '' }, Stalled: { status: stalled, reason: 'r', message: '' } });

describe('GET /metrics', () => {
  it('reads tenants by status, queue depths, failed steps and the outbox backlog from the control database at each scrape', async (ctx) => {
    const db = await migrated(ctx);
    const server = await startServer(ctx, db.pool);

    const empty = await server.scrape();
    expect(sample(empty, 'buckfleet_control_db_up')).toBe(1);
    for (const status of ['ready', 'reconciling', 'degraded', 'stalled']) expect(sample(empty, 'buckfleet_tenants', { status })).toBe(0);
    expect(sample(empty, 'buckfleet_queue_depth', { queue: 'stripe_events' })).toBe(0);
    expect(sample(empty, 'buckfleet_queue_depth', { queue: 'tenant_operations' })).toBe(0);
    expect(sample(empty, 'buckfleet_outbox_backlog')).toBe(0);
    expect(empty).toContain('# TYPE buckfleet_reconcile_failed_steps gauge');
    expect(empty).toContain('# TYPE buckfleet_reconcile_duration_seconds histogram');
    expect(empty).toContain('# TYPE buckfleet_webhook_duration_seconds histogram');

    await db.pool.query(
      `INSERT INTO tenant_status (tenant, conditions, failures) VALUES
         ('alpha', $1, 0), ('bravo', $1, 0), ('charlie', $2, 1), ('delta', $2, 3), ('echo', $3, 0), ('host:shared-1', $1, 0)`,
      [conditions(true, false), conditions(false, false), conditions(false, true)],
    );
    await db.pool.query(`INSERT INTO stripe_events (id, type, payload, processed_at) VALUES ('evt_1', 'invoice.paid', '{}', NULL), ('evt_2', 'invoice.paid', '{}', NULL), ('evt_3', 'invoice.paid', '{}', now())`);
    await db.pool.query(`INSERT INTO tenant_operations (tenant, kind, requested_by, status) VALUES ('alpha', 'restart', 1, 'queued'), ('bravo', 'restart', 1, 'done')`);
    const op = await db.pool.query<{ id: string }>(`INSERT INTO reconcile_operations (tenant, revision, plan_hash, actions, status) VALUES ('delta', 'r1', 'h', '[]', 'failed') RETURNING id`);
    await db.pool.query(
      `INSERT INTO reconcile_steps (operation_id, action_id, kind, status) VALUES ($1, 'a', 'stack.deploy', 'failed'), ($1, 'b', 'stack.deploy', 'failed'), ($1, 'c', 'database.ensure', 'done'), ($1, 'd', 'host.wait', 'failed')`,
      [op.rows[0]!.id],
    );
    await db.pool.query(`INSERT INTO outbox (dedupe_key, telegram_user_id, kind, status) VALUES ('k1', 1, 'deploy.running', 'pending'), ('k2', 1, 'deploy.running', 'sent'), ('k3', 2, 'deploy.failed', 'pending')`);

    const full = await server.scrape();
    // Shared hosts have a status row but are no tenants.
    expect(sample(full, 'buckfleet_tenants', { status: 'ready' })).toBe(2);
    expect(sample(full, 'buckfleet_tenants', { status: 'reconciling' })).toBe(1);
    expect(sample(full, 'buckfleet_tenants', { status: 'degraded' })).toBe(1);
    expect(sample(full, 'buckfleet_tenants', { status: 'stalled' })).toBe(1);
    expect(sample(full, 'buckfleet_queue_depth', { queue: 'stripe_events' })).toBe(2);
    expect(sample(full, 'buckfleet_queue_depth', { queue: 'tenant_operations' })).toBe(1);
    expect(sample(full, 'buckfleet_reconcile_failed_steps', { kind: 'stack.deploy' })).toBe(2);
    expect(sample(full, 'buckfleet_reconcile_failed_steps', { kind: 'host.wait' })).toBe(1);
    expect(sample(full, 'buckfleet_reconcile_failed_steps', { kind: 'database.ensure' })).toBeUndefined();
    expect(sample(full, 'buckfleet_outbox_backlog')).toBe(2);

    // Work done by another process shows at the next scrape of this one.
    await db.pool.query(`UPDATE stripe_events SET processed_at = now()`);
    await db.pool.query(`UPDATE outbox SET status = 'sent'`);
    const later = await server.scrape();
    expect(sample(later, 'buckfleet_queue_depth', { queue: 'stripe_events' })).toBe(0);
    expect(sample(later, 'buckfleet_outbox_backlog')).toBe(0);
  });

  it('times webhook deliveries per route and status, and reconcile passes reported by the loop', async (ctx) => {
    const db = await migrated(ctx);
    const server = await startServer(ctx, db.pool);
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const post = (signature: string, id: string) =>
      fetch(`${server.url}${GITHUB_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': id, 'x-hub-signature-256': signature }, body });
    expect((await post(await new Webhooks({ secret: SECRET }).sign(body), 'm-1')).status).toBe(200);
    expect((await post('sha256=forged', 'm-2')).status).toBe(401);
    await fetch(`${server.url}/no/such/route?token=x`);

    await server.metrics.timeReconcilePass(() => Promise.resolve('done'));
    await expect(server.metrics.timeReconcilePass(() => Promise.reject(new Error('observe failed')))).rejects.toThrow('observe failed');
    server.metrics.observeReconcilePass(42, 'succeeded');

    const text = await server.scrape();
    expect(sample(text, 'buckfleet_webhook_duration_seconds_count', { route: '/webhooks/github', status: '200' })).toBe(1);
    expect(sample(text, 'buckfleet_webhook_duration_seconds_count', { route: '/webhooks/github', status: '401' })).toBe(1);
    expect(text).not.toContain('/no/such/route'); // unmatched URLs make no series
    expect(sample(text, 'buckfleet_reconcile_duration_seconds_count', { outcome: 'succeeded' })).toBe(2);
    expect(sample(text, 'buckfleet_reconcile_duration_seconds_count', { outcome: 'failed' })).toBe(1);
    expect(sample(text, 'buckfleet_reconcile_duration_seconds_bucket', { outcome: 'succeeded', le: '30' })).toBe(1);
    expect(sample(text, 'buckfleet_reconcile_duration_seconds_bucket', { outcome: 'succeeded', le: '60' })).toBe(2);
  });

  it('keeps a registry per control plane: two in one process count apart', async (ctx) => {
    const db = await migrated(ctx);
    const a = createMetrics({ db: db.pool, log: pino({ level: 'silent' }) });
    const b = createMetrics({ db: db.pool, log: pino({ level: 'silent' }) });
    a.observeReconcilePass(1, 'succeeded');
    expect(sample(await a.registry.metrics(), 'buckfleet_reconcile_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(sample(await b.registry.metrics(), 'buckfleet_reconcile_duration_seconds_count', { outcome: 'succeeded' })).toBeUndefined();
    // Process metrics are on by default.
    expect(await a.registry.metrics()).toContain('process_cpu_user_seconds_total');
  });

  it('still answers when the control database does not: db_up 0 and no stale gauges', async (ctx) => {
    const db = await migrated(ctx);
    // A pool to a database that does not exist: every query fails.
    const gone = new pg.Pool({ connectionString: `${db.url}_missing`, max: 1 });
    gone.on('error', () => undefined);
    ctx.onTestFinished(() => gone.end());
    const server = await startServer(ctx, gone);
    const text = await server.scrape();
    expect(sample(text, 'buckfleet_control_db_up')).toBe(0);
    expect(sample(text, 'buckfleet_tenants', { status: 'ready' })).toBeUndefined();
    expect(sample(text, 'buckfleet_queue_depth', { queue: 'stripe_events' })).toBeUndefined();
  });
});
