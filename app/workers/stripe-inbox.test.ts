import { pino } from 'pino';
import { parse } from 'yaml';
import { describe, expect, it, type TestContext } from 'vitest';
import { billingFile } from '../../fleet/paths.js';
import { MAIN } from '../../fleet/repo/types.js';
import { Secret } from '../../fleet/secret.js';
import type { PendingOrder } from '../../billing/contract.js';
import { daysFrom, FIXTURE_NOW, fleetFiles, sealValue, SHARED_TENANT, TEST_RECIPIENT, validFleetFiles, validFleetManifests } from '../../test/fleet-fixtures.js';
import { makeTempBareRepo } from '../../test/git.js';
import { testDatabase } from '../../test/pg/database.js';
import { migrate } from '../db/migrate.js';
import { PgOrderStore } from '../orders.js';
import { stripeWebhookRoutes } from '../http/routes/stripe.js';
import { checkoutCompletedEvent, deliver, invoicePaidEvent, signed, stripeEvent, TEST_WEBHOOK_SECRET } from '../../test/stripe-webhook.js';
import { startHttpServer } from '../http/server.js';
import { type InboxDeps, processInbox } from './stripe-inbox.js';

/** A renewal of the fixture's shared tenant, or of a tenant nobody has. */
const renewal = (eventId: string, tenant: string, invoice: string, start: string, end: string, customer = tenant === SHARED_TENANT ? 'cus_Alpha001' : 'cus_Nobody001') =>
  invoicePaidEvent(eventId, { tenant, customer, subscription: customer === 'cus_Alpha001' ? 'sub_Alpha001' : `sub_${customer.slice(4)}`, invoice, start, end });

/** A migrated control database, the fixture fleet in a local repo, and the webhook on a free port. */
async function setUp(ctx: TestContext, files: ReadonlyMap<string, string> = validFleetFiles()) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const fleet = await makeTempBareRepo(Object.fromEntries(files));
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
    routes: [stripeWebhookRoutes({ db: db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET) })],
  });
  ctx.onTestFinished(async () => {
    await server.close();
    await fleet.cleanup();
  });
  // Waits far longer than a test: a test that wants an event retried makes it due itself.
  const wait = { baseMs: 600_000, maxMs: 600_000 };
  const deps: InboxDeps = { pool: db.pool, repo: fleet.repo, now: () => new Date(FIXTURE_NOW), log: pino({ level: 'silent' }), random: () => 0.5, adminIds: [], backoff: wait, waitingBackoff: wait };
  const event = async (id: string) =>
    (
      await db.pool.query<{ processed_at: Date | null; attempts: number; last_error: string | null; next_attempt_at: Date | null }>(
        'SELECT processed_at, attempts, last_error, next_attempt_at FROM stripe_events WHERE id = $1',
        [id],
      )
    ).rows[0];
  const billingAtMain = async (slug: string) => {
    const head = await fleet.repo.head(MAIN);
    const text = head === null ? undefined : (await fleet.repo.read(head)).files.get(billingFile(slug));
    return parse(text ?? 'null') as { paidThrough: string; periods: { id: string; start: string; end: string }[] } | null;
  };
  return { db, fleet, url: server.url, deps, event, billingAtMain };
}

describe('the Stripe inbox', () => {
  it('turns a signed invoice.paid posted to the webhook into the paid period on main', async (ctx) => {
    const t = await setUp(ctx);
    const start = daysFrom(FIXTURE_NOW, 20);
    const end = daysFrom(FIXTURE_NOW, 51);
    const delivery = signed(renewal('evt_1RenewAlpha', SHARED_TENANT, 'in_Alpha0002', start, end));
    expect((await deliver(t.url, delivery)).status).toBe(200);

    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 1, rejected: 0, retrying: 0 });

    const billing = await t.billingAtMain(SHARED_TENANT);
    expect(billing?.periods.map((p) => p.id)).toEqual(['in_alpha_0001', 'in_Alpha0002']);
    expect(Date.parse(billing?.paidThrough ?? '')).toBe(Date.parse(end));
    expect(await t.event('evt_1RenewAlpha')).toMatchObject({ processed_at: expect.any(Date) as Date, attempts: 1, last_error: null });

    // Delivered again: acknowledged, nothing to process, main unchanged.
    const head = await t.fleet.repo.head(MAIN);
    expect((await deliver(t.url, delivery)).status).toBe(200);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 0 });
    expect(await t.fleet.repo.head(MAIN)).toBe(head);
  });

  it('a purchase: its invoice, delivered first, waits; the Checkout creates the tenant from the pending order; then the invoice lands', async (ctx) => {
    const manifests = validFleetManifests();
    // The fixture reviews purchases; a fleet that sells by itself merges them.
    manifests.fleet.mergePolicy = { default: 'review', kinds: { 'billing.record': 'auto', 'tenant.create': 'auto' } };
    const t = await setUp(ctx, fleetFiles(manifests));
    const order: PendingOrder = {
      tenant: 'charlie-cafe',
      telegramUserId: 200_003,
      plan: 'basic',
      modules: [{ name: 'core' }],
      chats: [],
      secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, '7000000003:AAH_charlie-cafe_test_token_0123456789') },
      createdAt: FIXTURE_NOW,
    };
    await new PgOrderStore(t.db.pool).put(order);
    const ids = { tenant: 'charlie-cafe', customer: 'cus_Charlie001', subscription: 'sub_Charlie001' };
    const end = daysFrom(FIXTURE_NOW, 31);
    const invoice = invoicePaidEvent('evt_1BuyInvoice', { ...ids, invoice: 'in_Charlie0001', start: FIXTURE_NOW, end, kind: 'purchase' });
    expect((await deliver(t.url, signed(invoice))).status).toBe(200);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 1 });
    expect(await t.event('evt_1BuyInvoice')).toMatchObject({ processed_at: null, last_error: expect.stringMatching(/^BillingEventWaitingError: /) as string });

    expect((await deliver(t.url, signed(checkoutCompletedEvent('evt_1BuyCheckout', { ...ids, telegramUserId: 200_003, created: FIXTURE_NOW })))).status).toBe(200);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 1, rejected: 0, retrying: 0 });
    expect((await t.billingAtMain('charlie-cafe'))?.periods).toEqual([]);
    const completed = await t.db.pool.query('SELECT event_id, completed_at IS NOT NULL AS done FROM orders');
    expect(completed.rows).toEqual([{ event_id: 'evt_1BuyCheckout', done: true }]);

    await t.db.pool.query(`UPDATE stripe_events SET next_attempt_at = now() WHERE id = 'evt_1BuyInvoice'`);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 1, rejected: 0, retrying: 0 });
    const billing = await t.billingAtMain('charlie-cafe');
    expect(billing?.periods.map((p) => p.id)).toEqual(['in_Charlie0001']);
    expect(Date.parse(billing?.paidThrough ?? '')).toBe(Date.parse(end));
  });

  it('marks an event for an unknown tenant processed with its error, audits it, and changes nothing', async (ctx) => {
    const t = await setUp(ctx);
    const head = await t.fleet.repo.head(MAIN);
    const delivery = signed(renewal('evt_1Nobody', 'zulu-nobody', 'in_Nobody0001', daysFrom(FIXTURE_NOW, 0), daysFrom(FIXTURE_NOW, 30)));
    expect((await deliver(t.url, delivery)).status).toBe(200);

    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 1, retrying: 0 });
    const row = await t.event('evt_1Nobody');
    expect(row).toMatchObject({ processed_at: expect.any(Date) as Date, attempts: 1, next_attempt_at: null });
    const audit = await t.db.pool.query<{ actor: string; action: string; subject: string; detail: { type: string; reason: string; error: string } }>(
      'SELECT actor, action, subject, detail FROM audit_log',
    );
    expect(audit.rows).toEqual([{ actor: 'stripe', action: 'stripe.event_rejected', subject: 'evt_1Nobody', detail: { type: 'invoice.paid', reason: expect.any(String) as string, error: row?.last_error } }]);
    // last_error is "<reason>: <message>", the reason code billing/ gave.
    expect(row?.last_error?.startsWith(`${audit.rows[0]?.detail.reason}: `)).toBe(true);
    expect(await t.fleet.repo.head(MAIN)).toBe(head);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 0 });
  });

  it('lets an event of a customer not on file wait for its Checkout, and rejects it once it has waited three days', async (ctx) => {
    const t = await setUp(ctx);
    const head = await t.fleet.repo.head(MAIN);
    const refund = stripeEvent('evt_1EarlyRefund', 'charge.refunded', { id: 'ch_Early0001', object: 'charge', amount_refunded: 200, currency: 'usd', customer: 'cus_NotYet001', metadata: {} });
    expect((await deliver(t.url, signed(refund))).status).toBe(200);

    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 1 });
    expect(await t.event('evt_1EarlyRefund')).toMatchObject({ processed_at: null, last_error: expect.stringMatching(/^BillingEventCustomerPendingError: Stripe customer cus_NotYet001 is in no billing\.yaml yet/) as string });

    // Received just under three days ago: it still waits.
    await t.db.pool.query(`UPDATE stripe_events SET received_at = now() - interval '71 hours', next_attempt_at = now() WHERE id = 'evt_1EarlyRefund'`);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 1 });

    await t.db.pool.query(`UPDATE stripe_events SET received_at = now() - interval '73 hours', next_attempt_at = now() WHERE id = 'evt_1EarlyRefund'`);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 1, retrying: 0 });
    expect(await t.event('evt_1EarlyRefund')).toMatchObject({ processed_at: expect.any(Date) as Date, last_error: expect.stringMatching(/^unknown_tenant: .*its customer cus_NotYet001 is in no billing\.yaml/) as string });
    const audit = await t.db.pool.query<{ detail: { reason: string } }>(`SELECT detail FROM audit_log WHERE subject = 'evt_1EarlyRefund'`);
    expect(audit.rows.map((r) => r.detail.reason)).toEqual(['unknown_tenant']);
    expect(await t.fleet.repo.head(MAIN)).toBe(head);
  });

  it('retries an event whose fleet repo cannot be read, later, with the error kept', async (ctx) => {
    const t = await setUp(ctx);
    const delivery = signed(renewal('evt_1RepoDown', SHARED_TENANT, 'in_Alpha0002', daysFrom(FIXTURE_NOW, 20), daysFrom(FIXTURE_NOW, 51)));
    expect((await deliver(t.url, delivery)).status).toBe(200);
    const broken: InboxDeps = { ...t.deps, repo: Object.assign(Object.create(t.fleet.repo) as typeof t.fleet.repo, { head: () => Promise.reject(new Error('git: repository locked')) }) };

    expect(await processInbox(broken, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 1 });
    const row = await t.event('evt_1RepoDown');
    expect(row).toMatchObject({ processed_at: null, attempts: 1, last_error: 'Error: git: repository locked' });
    // 5 s base wait, jitter 0.5 → exactly 5 s after now (the database's clock).
    expect((row?.next_attempt_at?.getTime() ?? 0) - Date.now()).toBeGreaterThan(3_000);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 0, rejected: 0, retrying: 0 });

    // Due again: the next attempt succeeds.
    await t.db.pool.query('UPDATE stripe_events SET next_attempt_at = now() WHERE id = $1', ['evt_1RepoDown']);
    expect(await processInbox(t.deps, { limit: 10 })).toEqual({ processed: 1, rejected: 0, retrying: 0 });
    expect(await t.event('evt_1RepoDown')).toMatchObject({ attempts: 2, last_error: null, next_attempt_at: null });
  });

  it('shares the inbox between workers running at once: each event is handled by one', async (ctx) => {
    const t = await setUp(ctx);
    for (const [i, tenant] of [SHARED_TENANT, 'zulu-one', 'zulu-two', 'zulu-three'].entries()) {
      const customer = i === 0 ? 'cus_Alpha001' : `cus_Zulu00${i}`;
      const delivery = signed(renewal(`evt_1Many${i}`, tenant, `in_Many000${i}`, daysFrom(FIXTURE_NOW, 20), daysFrom(FIXTURE_NOW, 51), customer));
      expect((await deliver(t.url, delivery)).status).toBe(200);
    }
    const reports = await Promise.all([processInbox(t.deps, { limit: 10 }), processInbox(t.deps, { limit: 10 })]);
    const sum = (key: 'processed' | 'rejected' | 'retrying') => reports.reduce((n, r) => n + r[key], 0);
    expect({ processed: sum('processed'), rejected: sum('rejected'), retrying: sum('retrying') }).toEqual({ processed: 1, rejected: 3, retrying: 0 });
    const audit = await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    expect(audit.rows).toEqual([{ n: 3 }]);
  });
});
