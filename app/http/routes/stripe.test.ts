import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, type TestContext } from 'vitest';
import { MAIN } from '../../../fleet/repo/types.js';
import { Secret } from '../../../fleet/secret.js';
import { validFleetFiles } from '../../../test/fleet-fixtures.js';
import { makeTempBareRepo } from '../../../test/git.js';
import { testDatabase } from '../../../test/pg/database.js';
import { migrate } from '../../db/migrate.js';
import { startHttpServer } from '../server.js';
import { healthRoutes } from './health.js';
import { stripeWebhookRoutes } from './stripe.js';
import { deliver, signed, stripeEvent, TEST_WEBHOOK_SECRET } from '../../../test/stripe-webhook.js';

/** The real server on a free port, over a migrated test database and a local fleet repo. */
async function startServer(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const fleet = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) }));
  let recorded = 0;
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log,
    bodyLimit: 1024 * 1024,
    routes: [
      healthRoutes({
        checks: [
          { name: 'database', check: async () => void (await db.pool.query('SELECT 1')) },
          { name: 'fleetRepo', check: async () => void (await fleet.repo.head(MAIN)) },
        ],
      }),
      stripeWebhookRoutes({ db: db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET), onRecorded: () => (recorded += 1) }),
    ],
  });
  ctx.onTestFinished(async () => {
    await server.close();
    await fleet.cleanup();
  });
  const rows = async () =>
    (await db.pool.query<{ id: string; type: string; payload: unknown; processed_at: Date | null }>('SELECT id, type, payload, processed_at FROM stripe_events ORDER BY id')).rows;
  return { url: server.url, rows, logs, recorded: () => recorded };
}

const CARD = '4242424242424242';
const paid = stripeEvent('evt_1PaidAlpha', 'invoice.paid', {
  id: 'in_alpha_0002',
  object: 'invoice',
  customer: 'cus_Alpha001',
  payment_settings: { card_number_for_the_log_test: CARD },
});
const now = () => Math.floor(Date.now() / 1000);

describe('POST /webhooks/stripe', () => {
  it('records a signed event once and answers 200; a redelivery is acknowledged and changes nothing', async (ctx) => {
    const server = await startServer(ctx);
    const delivery = signed(paid);

    expect(await deliver(server.url, delivery)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await server.rows()).toEqual([{ id: 'evt_1PaidAlpha', type: 'invoice.paid', payload: paid, processed_at: null }]);

    expect(await deliver(server.url, signed(paid))).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(await server.rows()).toHaveLength(1);
    expect(server.recorded()).toBe(1);
  });

  it.for([
    ['a forged signature', () => signed(paid, { secret: 'whsec_someone_else' }), {}, 'bad_signature'],
    ['a body modified after signing', () => ({ ...signed(paid), body: JSON.stringify({ ...paid, type: 'charge.refunded' }) }), {}, 'bad_signature'],
    ['a timestamp older than the tolerance', () => signed(paid, { timestamp: now() - 301 }), {}, 'stale'],
    ['no signature header', () => signed(paid), { 'stripe-signature': null }, 'unsigned'],
    ['a garbled signature header', () => signed(paid), { 'stripe-signature': 'not a signature' }, 'bad_signature'],
    ['a signed body that is no event', () => signed({ hello: 'world' }), {}, 'not_an_event'],
  ] as const)('refuses %s with 400 and records nothing', async ([, make, headers, reason], ctx) => {
    const server = await startServer(ctx);
    const answer = await deliver(server.url, make(), headers);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: reason, message: expect.stringMatching(/^[^\n]+$/) as string });
    expect(await server.rows()).toEqual([]);
    expect(server.recorded()).toBe(0);
  });

  it('accepts a signature just inside the tolerance', async (ctx) => {
    const server = await startServer(ctx);
    expect((await deliver(server.url, signed(paid, { timestamp: now() - 240 }))).status).toBe(200);
  });

  it('refuses another content type with 415 and records nothing', async (ctx) => {
    const server = await startServer(ctx);
    const answer = await deliver(server.url, signed(paid), { 'content-type': 'text/plain' });
    expect(answer.status).toBe(415);
    const form = await deliver(server.url, signed(paid), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(await server.rows()).toEqual([]);
  });

  it('refuses a body over the limit with 413 and records nothing', async (ctx) => {
    const server = await startServer(ctx);
    const big = stripeEvent('evt_1Big', 'invoice.paid', { padding: 'x'.repeat(1024 * 1024) });
    const answer = await deliver(server.url, signed(big));
    expect(answer.status).toBe(413);
    expect(await server.rows()).toEqual([]);
  });

  it('logs the event id with a request id, never the secret, the signature or the body', async (ctx) => {
    const server = await startServer(ctx);
    const delivery = signed(paid);
    await deliver(server.url, delivery);
    await deliver(server.url, signed(paid, { secret: 'whsec_someone_else' }));
    const text = server.logs.join('');
    expect(text).toContain('"event":"evt_1PaidAlpha"');
    expect(text).toMatch(/"reqId":"[0-9a-f-]{36}"/);
    expect(text).toContain('"reason":"bad_signature"');
    for (const secret of [TEST_WEBHOOK_SECRET, delivery.signature, CARD, 'cus_Alpha001']) expect(text).not.toContain(secret);
  });
});

describe('GET /healthz and /readyz', () => {
  it('answer 200 while the database and the fleet repo answer', async (ctx) => {
    const server = await startServer(ctx);
    const healthz = await fetch(`${server.url}/healthz`);
    expect(healthz.status).toBe(200);
    expect(healthz.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: 'ready', failing: [], checks: { database: { ok: true }, fleetRepo: { ok: true } } });
  });

  it('/readyz answers 503 naming the failing check; /healthz stays 200', async (ctx) => {
    const log = pino({ level: 'silent' });
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      log,
      routes: [
        healthRoutes({
          timeoutMs: 200,
          checks: [
            { name: 'database', check: () => Promise.reject(new Error('connect ECONNREFUSED postgres://buckfleet:hunter2@db:5432/x')) },
            { name: 'fleetRepo', check: () => new Promise<void>(() => undefined) },
          ],
        }),
      ],
    });
    ctx.onTestFinished(() => server.close());
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({
      status: 'unready',
      failing: ['database', 'fleetRepo'],
      checks: {
        database: { ok: false, error: 'connect ECONNREFUSED postgres://[REDACTED]@db:5432/x' },
        fleetRepo: { ok: false, error: 'no answer within 200 ms' },
      },
    });
  });
});
