import { openControlDb } from '../app/db/open.js';
import { stripeWebhookRoutes } from '../app/http/routes/stripe.js';
import { startHttpServer } from '../app/http/server.js';
import { processLog } from '../app/log.js';
import { createMetrics } from '../app/metrics.js';
import { Secret } from '../fleet/secret.js';
import { TEST_WEBHOOK_SECRET } from '../test/stripe-webhook.js';

/**
 * The server side of `npm run bench:webhooks`, in a process of its own so that the load
 * generator does not share its event loop: the `/webhooks/stripe` route as app/control-plane.ts
 * mounts it (the same pool a DATABASE_URL gets, the process logger at info, the request metrics),
 * on 127.0.0.1. The database URL comes in BENCH_DATABASE_URL (migrated by the parent); the URL
 * it listens on goes out as one JSON line on stdout. SIGTERM closes it.
 *
 * Not started: the Stripe inbox worker (`onRecorded` only counts). The benchmark measures
 * acknowledging and recording; the Git work of an event happens later, elsewhere.
 */

const url = process.env.BENCH_DATABASE_URL;
if (url === undefined || url === '') throw new Error('BENCH_DATABASE_URL is not set: run this through bench/webhooks.bench.ts');
const log = processLog(process.env.LOG_LEVEL ?? 'info');
const db = await openControlDb({ database: { kind: 'url', url: new Secret(url) }, home: '.' }, { log });
const metrics = createMetrics({ db: db.pool, log });
const server = await startHttpServer({
  port: 0,
  host: '127.0.0.1',
  log,
  routes: [stripeWebhookRoutes({ db: db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET) })],
  onResponse: (timing) => metrics.observeRequest(timing),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await db.close();
    process.exit(0);
  })();
});
