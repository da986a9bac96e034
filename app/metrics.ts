import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db/db.js';
import type { Log } from '../fleet/log.js';
import { redactUrls } from '../fleet/repo/git/runner.js';
import type { RequestTiming, RouteGroup } from './http/server.js';

/**
 * The control plane's Prometheus metrics (`GET /metrics`). One registry per control plane, not
 * prom-client's global one, so tests (and one process hosting several planes) keep theirs apart.
 *
 * Two kinds of numbers:
 * - the state of the work (tenants by status, queue depths, failed steps, outbox backlog) is read
 *   from the control database at scrape time (gauge `collect` callbacks): every process shares
 *   that database, so whichever process Prometheus scrapes, the answer is the same;
 * - what this process did (reconcile pass durations, webhook latency) are histograms of this
 *   process; Prometheus sums them over processes.
 */

export type ReconcileOutcome = 'succeeded' | 'failed';

/** What a tenant's `tenant_status` row says, in the words of `buckfleet status`. */
export const TENANT_STATUSES = ['ready', 'reconciling', 'degraded', 'stalled'] as const;
export const QUEUES = ['stripe_events', 'tenant_operations'] as const;

export interface ControlPlaneMetrics {
  readonly registry: Registry;
  /** The reconciler loop's wiring calls this after each pass, with how long it took. */
  observeReconcilePass(seconds: number, outcome: ReconcileOutcome): void;
  /** Runs one pass and observes its duration, whether it resolves or throws. */
  timeReconcilePass<T>(pass: () => Promise<T>): Promise<T>;
  /** For `startHttpServer({ onResponse })`: times the webhook routes. */
  observeRequest(timing: RequestTiming): void;
  /** `GET /metrics`. */
  routes(): RouteGroup;
}

export interface MetricsOptions {
  readonly db: Db;
  readonly log: Log;
  /** Node's process metrics (CPU, memory, event loop lag); off in tests that count series. */
  readonly processMetrics?: boolean;
}

interface DbSnapshot {
  readonly tenants: ReadonlyMap<string, number>;
  readonly queues: ReadonlyMap<string, number>;
  readonly failedSteps: ReadonlyMap<string, number>;
  readonly outboxBacklog: number;
}

export const METRICS_PATH = '/metrics';

export function createMetrics(opts: MetricsOptions): ControlPlaneMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  // One set of queries per scrape: every gauge's collect runs in the same scrape and awaits the
  // one snapshot in flight, instead of each asking the database on its own.
  let inFlight: Promise<DbSnapshot | null> | null = null;
  const snapshot = (): Promise<DbSnapshot | null> => {
    inFlight ??= readSnapshot(opts.db)
      .catch((error: unknown) => {
        // A scrape must still answer when the database does not: db_up says 0, the gauges are empty.
        opts.log.warn({ error: redactUrls(error instanceof Error ? error.message : String(error)) }, 'metrics: control database unreadable');
        return null;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  new Gauge({
    name: 'buckfleet_control_db_up',
    // prom-client shows a gauge without labels as 0 once reset: read the backlog together with this.
    help: 'Whether this scrape could read the control database (1) or not (0: the labelled gauges are empty, the backlog shows 0).',
    registers: [registry],
    async collect() {
      this.set((await snapshot()) === null ? 0 : 1);
    },
  });
  // A gauge filled from the scrape's snapshot; empty when the database did not answer (db_up says so).
  const fromDb = (name: string, help: string, labelNames: readonly string[], fill: (gauge: Gauge, s: DbSnapshot) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        if (s !== null) fill(this, s);
      },
    });
  // Every known status and queue always present (0 when none), so a series does not vanish and come back.
  fromDb('buckfleet_tenants', "Tenants by the reconciler's last status (tenant_status): ready, reconciling, degraded (3+ failed passes), stalled.", ['status'], (g, s) => {
    for (const status of TENANT_STATUSES) g.set({ status }, s.tenants.get(status) ?? 0);
  });
  fromDb('buckfleet_queue_depth', 'Work waiting: Stripe events not yet processed (stripe_events), restarts queued (tenant_operations).', ['queue'], (g, s) => {
    for (const queue of QUEUES) g.set({ queue }, s.queues.get(queue) ?? 0);
  });
  fromDb('buckfleet_reconcile_failed_steps', 'Steps of the reconcile journal that failed (reconcile_steps), by action kind.', ['kind'], (g, s) => {
    for (const [kind, n] of s.failedSteps) g.set({ kind }, n);
  });
  fromDb('buckfleet_outbox_backlog', 'Telegram messages in the outbox not sent yet (status pending).', [], (g, s) => g.set(s.outboxBacklog));

  const reconcileDuration = new Histogram({
    name: 'buckfleet_reconcile_duration_seconds',
    help: 'Duration of reconcile passes run by this process.',
    labelNames: ['outcome'],
    // From a pass with nothing to do (a second) to one that boots droplets (minutes).
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  const webhookDuration = new Histogram({
    name: 'buckfleet_webhook_duration_seconds',
    help: 'Time to answer a webhook, by route and HTTP status.',
    labelNames: ['route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const observeReconcilePass = (seconds: number, outcome: ReconcileOutcome) => reconcileDuration.observe({ outcome }, seconds);
  return {
    registry,
    observeReconcilePass,
    async timeReconcilePass(pass) {
      const started = performance.now();
      let outcome: ReconcileOutcome = 'failed';
      try {
        const result = await pass();
        outcome = 'succeeded';
        return result;
      } finally {
        observeReconcilePass((performance.now() - started) / 1000, outcome);
      }
    },
    observeRequest(timing) {
      // Only the webhook routes, by their pattern: unmatched URLs (scanners) would otherwise add a series each.
      if (!timing.route.startsWith('/webhooks/')) return;
      webhookDuration.observe({ route: timing.route, status: String(timing.statusCode) }, timing.seconds);
    },
    routes: () => ({
      name: 'metrics',
      register(scope) {
        scope.get(METRICS_PATH, async (_request, reply) => {
          const text = await registry.metrics();
          return reply.type(registry.contentType).send(text);
        });
      },
    }),
  };
}

async function readSnapshot(db: Db): Promise<DbSnapshot> {
  const counts = (rows: readonly { key: string; n: number }[]) => new Map(rows.map((r) => [r.key, r.n]));
  const [tenants, queues, failed, outbox] = await Promise.all([
    // Shared hosts (`host:<name>`) have a status row too; they are not tenants.
    db.query<{ key: string; n: number }>(
      `SELECT CASE
                WHEN conditions->'Ready'->>'status' = 'true' THEN 'ready'
                WHEN conditions->'Stalled'->>'status' = 'true' THEN 'stalled'
                WHEN failures >= 3 THEN 'degraded'
                ELSE 'reconciling'
              END AS key, count(*)::int AS n
         FROM tenant_status WHERE tenant NOT LIKE 'host:%' GROUP BY 1`,
    ),
    db.query<{ key: string; n: number }>(
      `SELECT 'stripe_events' AS key, count(*)::int AS n FROM stripe_events WHERE processed_at IS NULL
       UNION ALL
       SELECT 'tenant_operations', count(*)::int FROM tenant_operations WHERE status = 'queued'`,
    ),
    db.query<{ key: string; n: number }>(`SELECT kind AS key, count(*)::int AS n FROM reconcile_steps WHERE status = 'failed' GROUP BY kind`),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`),
  ]);
  return { tenants: counts(tenants.rows), queues: counts(queues.rows), failedSteps: counts(failed.rows), outboxBacklog: outbox.rows[0]?.n ?? 0 };
}
