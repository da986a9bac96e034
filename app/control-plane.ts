import type { Logger } from 'pino';
import { StripePayments } from '../billing/stripe-api.js';
import { type BotService, startBotService } from './bot/service.js';
import { type ChangeRequests, type FleetRepo, MAIN } from '../fleet/repo/types.js';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import { type ControlDb, openControlDb } from './db/open.js';
import { openFleetRepo } from './fleet-repo.js';
import { githubWebhookRoutes } from './http/routes/github.js';
import { healthRoutes } from './http/routes/health.js';
import { createMetrics } from './metrics.js';
import { stripeWebhookRoutes } from './http/routes/stripe.js';
import { type RouteGroup, startHttpServer } from './http/server.js';
import { tenantDatabaseCredentialsFromConfig } from './bot/credentials.js';
import { releaseDeps } from './releases.js';
import { startBillingClock } from './workers/billing-clock.js';
import { startRolloutWorker } from './workers/rollouts.js';
import type { WorkerLoop } from './workers/loop.js';
import { outboxSenderDeps, startOutboxSender } from './workers/outbox-sender.js';
import { startStripeInbox } from './workers/stripe-inbox.js';

/**
 * The control plane service (`buckfleet up`): the control database (migrated), the fleet repo,
 * the HTTP server and the background workers, wired from the configuration. Route groups and
 * workers are lists, so the control plane issue adds the reconciler loop and the GitHub webhook
 * by adding entries.
 */

export interface ControlPlane {
  readonly url: string;
  /** Whether POST /webhooks/stripe is served (STRIPE_WEBHOOK_SECRET is set). */
  readonly stripeWebhook: boolean;
  /**
   * Graceful stop: no new requests (in-flight ones finish), then the workers finish their
   * current item, then the database closes.
   */
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  readonly log: Logger;
  /** Runs before the fleet repo is opened: `up` creates the local one there when missing. */
  readonly prepareFleetRepo?: () => Promise<void>;
}

export async function startControlPlane(config: Config, cwd: string, opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log;
  const db = await openControlDb(config, { log, cwd });
  const stop = new AbortController();
  const workers: WorkerLoop[] = [];
  let bot: BotService | null = null;
  try {
    await migrate(db.url, { log });
    await opts.prepareFleetRepo?.();
    const repo = await openFleetRepo(config, cwd);
    const common = { pool: db.pool, repo, now: () => new Date(), log, random: Math.random };
    const inbox = startStripeInbox({ ...common, adminIds: config.adminTelegramIds }, { signal: stop.signal });
    workers.push(inbox, startBillingClock(common, { signal: stop.signal }));
    workers.push(startRolloutWorker(releaseDeps(db.pool, repo, { extraAdmins: config.adminTelegramIds, log, now: common.now }), { signal: stop.signal }));

    const payments = config.stripe === null ? null : new StripePayments({ secretKey: config.stripe.secretKey, ...stripeApiRoot(config.stripe.apiUrl), log });
    bot = await startBotService(config, { pool: db.pool, repo, payments, recipient: config.ageRecipient, log });
    // Without a bot token nothing can be sent: rows wait in the outbox until one is configured.
    if (config.telegram.botToken !== null) {
      const databaseCredentials = await tenantDatabaseCredentialsFromConfig(config, cwd, db.url);
      const telegram = { token: config.telegram.botToken, apiRoot: config.telegram.apiRoot };
      workers.push(startOutboxSender(outboxSenderDeps({ pool: db.pool, telegram, databaseCredentials, log }), { signal: stop.signal }));
    }

    // One registry per control plane; the reconciler loop's wiring reports passes with metrics.timeReconcilePass.
    const metrics = createMetrics({ db: db.pool, log });
    const routes: RouteGroup[] = [healthRoutes({ checks: readinessChecks(db, repo) }), metrics.routes(), ...bot.routes];
    // Without a webhook secret nothing could be verified: the route is not served at all (404).
    if (config.stripe !== null) routes.push(stripeWebhookRoutes({ db: db.pool, webhookSecret: config.stripe.webhookSecret, onRecorded: () => inbox.kick() }));
    if (config.github.webhookSecret !== null) {
      // No-ops until the reconciler loop (its kick) and the plan comment (commentPlan) are wired here.
      const fleetRepo = config.fleetRepo.kind === 'github' ? { repository: `${config.fleetRepo.owner}/${config.fleetRepo.repo}` } : {};
      routes.push(githubWebhookRoutes({ db: db.pool, webhookSecret: config.github.webhookSecret, onMainMoved: () => undefined, onPullRequest: () => Promise.resolve(), ...fleetRepo }));
    }
    const server = await startHttpServer({ port: config.port, routes, log, onResponse: (timing) => metrics.observeRequest(timing) });
    log.info({ url: server.url, stripeWebhook: config.stripe !== null }, 'control plane started');
    return {
      url: server.url,
      stripeWebhook: config.stripe !== null,
      close: async () => {
        await server.close();
        await bot?.stop();
        await stopWorkers(stop, workers);
        await db.close();
        log.info({}, 'control plane stopped');
      },
    };
  } catch (error) {
    await bot?.stop();
    await stopWorkers(stop, workers);
    await db.close();
    throw error;
  }
}

/** The stripe client's host, port and protocol for STRIPE_API_URL; Stripe's own when unset. */
function stripeApiRoot(apiUrl: string | null): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (apiUrl === null) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
}

async function stopWorkers(stop: AbortController, workers: readonly WorkerLoop[]): Promise<void> {
  stop.abort();
  await Promise.all(workers.map((w) => w.done));
}

/**
 * What /readyz asks: the control database answers a query, and main of the fleet repo exists.
 * Only main's head is read, not its tree: probes come every few seconds and a large fleet's
 * tree is thousands of files; the workers report a tree that does not load.
 */
function readinessChecks(db: ControlDb, repo: FleetRepo & ChangeRequests) {
  return [
    {
      name: 'database',
      check: async () => {
        await db.pool.query('SELECT 1');
      },
    },
    {
      name: 'fleetRepo',
      check: async () => {
        if ((await repo.head(MAIN)) === null) throw new Error(`the fleet repo has no ${MAIN} branch`);
      },
    },
  ];
}
