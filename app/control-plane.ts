import type { Logger } from 'pino';
import { StripePayments, stripeApiRoot } from '../billing/stripe-api.js';
import { type BotService, startBotService } from './bot/service.js';
import { type ChangeRequests, type FleetRepo, MAIN } from '../fleet/repo/types.js';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import { type ControlDb, openControlDb } from './db/open.js';
import { openFleetRepo } from './fleet-repo.js';
import { githubWebhookRoutes } from './http/routes/github.js';
import { commentPlan, dryRunPlanner, type PlanFleet } from './plan-comment.js';
import { healthRoutes } from './http/routes/health.js';
import { createMetrics } from './metrics.js';
import { stripeWebhookRoutes } from './http/routes/stripe.js';
import { type HttpServer, type RouteGroup, startHttpServer } from './http/server.js';
import { tenantDatabaseCredentialsFromConfig } from './bot/credentials.js';
import { type ReconcilerRole, reconcilerUnavailable, startReconcilerRole, wireReconciler } from './reconciler.js';
import { releaseDeps } from './releases.js';
import { type Role, ROLES, RolesError, rolesProblem } from './roles.js';
import { startBillingClock } from './workers/billing-clock.js';
import { startRolloutWorker } from './workers/rollouts.js';
import { outboxSenderDeps, startOutboxSender } from './workers/outbox-sender.js';
import { startStripeInbox } from './workers/stripe-inbox.js';
import type { WorkerLoop } from './workers/loop.js';

/**
 * The control plane service (`buckfleet up`): the control database (migrated), the fleet repo,
 * and the roles this process runs (app/roles.ts): the HTTP server, the bot, the reconciler loop
 * with the operations worker, the outbox sender, the billing workers, the rollout worker. Each role
 * is one block below; processes running different roles share only PostgreSQL.
 */

export interface ControlPlane {
  /** Null when this process does not run the http role. */
  readonly url: string | null;
  readonly roles: ReadonlySet<Role>;
  /** Whether POST /webhooks/stripe is served (STRIPE_WEBHOOK_SECRET is set, http role). */
  readonly stripeWebhook: boolean;
  /** One line each for the operator: a role that is off here, and why (no docker for the local provider). */
  readonly notes: readonly string[];
  /**
   * Graceful stop: no new work is taken (workers and the reconciler stop between items and steps;
   * a step waiting on a host ends as Waiting, journaled), in-flight requests finish, the item in
   * progress finishes, then the database closes.
   */
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  readonly log: Logger;
  /** Runs before the fleet repo is opened: `up` creates the local one there when missing. */
  readonly prepareFleetRepo?: () => Promise<void>;
  /** What this process runs (`--roles`); every role when absent. */
  readonly roles?: ReadonlySet<Role>;
}

export async function startControlPlane(config: Config, cwd: string, opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log;
  const roles = opts.roles ?? new Set(ROLES);
  const problem = rolesProblem(roles, { mode: config.telegram.mode, botTokenSet: config.telegram.botToken !== null });
  if (problem !== null) throw new RolesError(problem);
  const db = await openControlDb(config, { log, cwd });
  const stop = new AbortController();
  // Everything started that must be waited for on stop: worker loops and the reconciler role.
  const running: { readonly done: Promise<void> }[] = [];
  const notes: string[] = [];
  let bot: BotService | null = null;
  let server: HttpServer | null = null;
  const stopAll = async () => {
    // First: no new work anywhere. Requests in flight, the bot's update in progress and each
    // worker's current item still finish below; only then does the database close.
    stop.abort();
    await server?.close();
    await bot?.stop();
    await Promise.all(running.map((r) => r.done));
    await db.close();
  };
  try {
    await migrate(db.url, { log });
    await opts.prepareFleetRepo?.();
    const repo = await openFleetRepo(config, cwd);
    const common = { pool: db.pool, repo, now: () => new Date(), log, random: Math.random };
    // One registry per control plane; the reconciler loop's wiring reports passes with metrics.timeReconcilePass.
    const metrics = createMetrics({ db: db.pool, log });

    let reconciler: ReconcilerRole | null = null;
    // Plans PRs for the comment when the fleet repo has no plan workflow; only where the reconciler's world is wired.
    let planner: PlanFleet | null = null;
    if (roles.has('reconciler')) {
      const handle = await wireReconciler(config, cwd, db, { log, stopping: stop.signal });
      const unavailable = reconcilerUnavailable(handle);
      if (unavailable !== null) {
        // Said once, here, instead of hosts that never finish "booting" pass after pass.
        log.warn({ reason: unavailable }, 'the reconciler is off');
        notes.push(`The reconciler is off: ${unavailable}, then restart.`);
      } else {
        reconciler = startReconcilerRole(handle, { signal: stop.signal, log, aroundPass: (pass) => metrics.timeReconcilePass(pass) });
        planner = dryRunPlanner(handle.deps);
        running.push(reconciler);
      }
    }
    // A push to main or a retry pressed in the bot: a pass at once when this process reconciles;
    // otherwise the reconciler processes notice main moved within their poll (5 s).
    const kickReconciler = () => reconciler?.kick();

    let inbox: WorkerLoop | null = null;
    if (roles.has('billing')) {
      inbox = startStripeInbox({ ...common, adminIds: config.adminTelegramIds }, { signal: stop.signal });
      running.push(inbox, startBillingClock(common, { signal: stop.signal }));
    }
    if (roles.has('rollouts')) {
      running.push(startRolloutWorker(releaseDeps(db.pool, repo, { extraAdmins: config.adminTelegramIds, log, now: common.now }), { signal: stop.signal }));
    }
    if (roles.has('bot') && config.telegram.botToken === null) {
      notes.push('The Telegram bot is off: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN to its token, then restart.');
    }
    if (roles.has('bot')) {
      const payments = config.stripe === null ? null : new StripePayments({ secretKey: config.stripe.secretKey, ...stripeApiRoot(config.stripe.apiUrl), log });
      bot = await startBotService(config, { pool: db.pool, repo, payments, recipient: config.ageRecipient, log, kickReconciler });
    }
    // Without a bot token nothing can be sent: rows wait in the outbox until one is configured.
    if (roles.has('outbox') && config.telegram.botToken !== null) {
      const databaseCredentials = await tenantDatabaseCredentialsFromConfig(config, cwd, db.url);
      const telegram = { token: config.telegram.botToken, apiRoot: config.telegram.apiRoot };
      running.push(startOutboxSender(outboxSenderDeps({ pool: db.pool, telegram, databaseCredentials, log }), { signal: stop.signal }));
    }

    const stripeWebhook = roles.has('http') && config.stripe !== null;
    if (roles.has('http')) {
      const routes: RouteGroup[] = [healthRoutes({ checks: readinessChecks(db, repo) }), metrics.routes(), ...(bot?.routes ?? [])];
      // Without a webhook secret nothing could be verified: the route is not served at all (404).
      // An event recorded here is handled at once by this process's inbox, or within the poll of another's.
      if (config.stripe !== null) routes.push(stripeWebhookRoutes({ db: db.pool, webhookSecret: config.stripe.webhookSecret, onRecorded: () => inbox?.kick() }));
      if (config.github.webhookSecret !== null) {
        const fleetRepo = config.fleetRepo.kind === 'github' ? { repository: `${config.fleetRepo.owner}/${config.fleetRepo.repo}` } : {};
        const onPullRequest = async (number: number, headSha: string): Promise<void> => {
          if (planner === null) {
            log.info({ pr: number }, 'no plan comment: this process does not run the reconciler role');
            return;
          }
          const outcome = await commentPlan({ repo, plan: planner, log }, number, headSha);
          log.info({ pr: number, outcome }, 'plan comment');
        };
        routes.push(githubWebhookRoutes({ db: db.pool, webhookSecret: config.github.webhookSecret, onMainMoved: kickReconciler, onPullRequest, ...fleetRepo }));
      }
      server = await startHttpServer({ port: config.port, routes, log, onResponse: (timing) => metrics.observeRequest(timing) });
    }
    log.info({ url: server?.url ?? null, roles: [...roles], reconciling: reconciler !== null, stripeWebhook }, 'control plane started');
    return {
      url: server?.url ?? null,
      roles,
      stripeWebhook,
      notes,
      close: async () => {
        await stopAll();
        log.info({}, 'control plane stopped');
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
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
