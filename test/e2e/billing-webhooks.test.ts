import { pino } from 'pino';
import { describe, expect, it, type TestContext } from 'vitest';
import { migrate } from '../../app/db/migrate.js';
import { stripeWebhookRoutes } from '../../app/http/routes/stripe.js';
import { startHttpServer } from '../../app/http/server.js';
import { PgOrderStore } from '../../app/orders.js';
import { processInbox } from '../../app/workers/stripe-inbox.js';
import { billingFile, tenantFile } from '../../fleet/paths.js';
import { MAIN } from '../../fleet/repo/types.js';
import { Secret } from '../../fleet/secret.js';
import { fleetFiles, validFleetManifests } from '../fleet-fixtures.js';
import { makeTempBareRepo } from '../git.js';
import { testDatabase } from '../pg/database.js';
import { delta, EVENTS, order, shuffled } from '../stripe-scenario.js';
import { deliver, signed, TEST_WEBHOOK_SECRET } from '../stripe-webhook.js';

const NOW = new Date('2026-07-21T00:00:00Z');

/**
 * A whole control plane path per run: a fresh control database and fleet repo, the real webhook
 * on a free port, the pending order the bot would have stored, every delivery signed as Stripe
 * signs it and POSTed, then the inbox worked until nothing is left. Returns main's manifests.
 */
async function run(ctx: TestContext, deliveries: readonly unknown[]): Promise<{ billing: string; tenant: string; rows: number }> {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const manifests = validFleetManifests();
  manifests.fleet.mergePolicy = { default: 'review', kinds: { 'tenant.create': 'auto', 'billing.record': 'auto' } };
  const fleet = await makeTempBareRepo(Object.fromEntries(fleetFiles(manifests)));
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
    routes: [stripeWebhookRoutes({ db: db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET) })],
  });
  try {
    await new PgOrderStore(db.pool).put(order);
    for (const event of deliveries) expect((await deliver(server.url, signed(event))).status).toBe(200);
    const deps = {
      pool: db.pool,
      repo: fleet.repo,
      now: () => NOW,
      log: pino({ level: 'silent' }),
      random: () => 0.5,
      adminIds: [],
      backoff: { baseMs: 1, maxMs: 5 },
      waitingBackoff: { baseMs: 1, maxMs: 5 },
    };
    for (let round = 0; ; round += 1) {
      const report = await processInbox(deps, { limit: 100 });
      const pending = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM stripe_events WHERE processed_at IS NULL');
      if (pending.rows[0]?.n === '0') break;
      if (round > 200) throw new Error(`the inbox never drained: ${JSON.stringify(report)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // None was rejected for good: processed events keep an error only when rejected.
    const rejected = await db.pool.query('SELECT id, last_error FROM stripe_events WHERE processed_at IS NOT NULL AND last_error IS NOT NULL');
    expect(rejected.rows).toEqual([]);
    const head = await fleet.repo.head(MAIN);
    const files = (await fleet.repo.read(head ?? '')).files;
    const rows = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM stripe_events');
    return { billing: files.get(billingFile(delta.tenant)) ?? '', tenant: files.get(tenantFile(delta.tenant)) ?? '', rows: Number(rows.rows[0]?.n) };
  } finally {
    await server.close();
    await fleet.cleanup();
  }
}

describe('Stripe webhooks end to end: duplicated and shuffled deliveries', () => {
  it('give byte-identical manifests to the in-order single delivery', async (ctx) => {
    const once = await run(ctx, EVENTS);
    expect(once.rows).toBe(EVENTS.length);
    expect(once.billing).toContain('paidThrough: 2026-07-20T10:00:00Z');
    expect(once.tenant).toContain(`slug: ${delta.tenant}`);

    for (const seed of [1, 7]) {
      const threeTimes = shuffled([...EVENTS, ...EVENTS, ...EVENTS], seed);
      const again = await run(ctx, threeTimes);
      // Every delivery was acknowledged, each event recorded once.
      expect(again.rows).toBe(EVENTS.length);
      expect(again.billing).toBe(once.billing);
      expect(again.tenant).toBe(once.tenant);
    }
  }, 120_000);
});
