import { pino } from 'pino';
import Stripe from 'stripe';
import { describe, expect, it, type TestContext } from 'vitest';
import { Secret } from '../../../fleet/secret.js';
import { testDatabase } from '../../../test/pg/database.js';
import { deliver, signed, stripeEvent, TEST_WEBHOOK_SECRET } from '../../../test/stripe-webhook.js';
import { migrate } from '../../db/migrate.js';
import { startHttpServer } from '../server.js';
import { STRIPE_WEBHOOK_PATH, stripeWebhookRoutes } from './stripe.js';
import { FIVE_MB, rawPost } from './test-support.js';

/**
 * Hostile requests at `/webhooks/stripe` that stripe.test.ts does not already send (it covers a
 * forged signature, a body changed after signing, a stale timestamp, no or a garbled header, a
 * signed non-event, other content types and a body just over 1 MiB). Each is refused with a
 * clear status and reason, and nothing reaches the inbox.
 */

async function startServer(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  // Verification reached: the route's own refusal line at warn (a size refusal never gets that far).
  let verified = 0;
  const log = pino({ level: 'warn' }, { write: (line: string) => void (line.includes('stripe webhook refused') && (verified += 1)) });
  let recorded = 0;
  const routes = [stripeWebhookRoutes({ db: db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET), onRecorded: () => (recorded += 1) })];
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', log, routes });
  ctx.onTestFinished(() => server.close());
  const rows = async () => (await db.pool.query<{ id: string }>('SELECT id FROM stripe_events')).rows;
  return { url: server.url, rows, recorded: () => recorded, verified: () => verified };
}

const paid = stripeEvent('evt_1HostileOne', 'invoice.paid', { id: 'in_hostile_1', object: 'invoice', customer: 'cus_Hostile1' });

describe('POST /webhooks/stripe, hostile input', () => {
  it('refuses a 5 MB body by its Content-Length with 413 before reading it, quickly, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = signed(paid);
    // Not one byte of the body is sent: a 413 can only come from the announced size.
    const answer = await rawPost(`${server.url}${STRIPE_WEBHOOK_PATH}`, { headers: { 'content-type': 'application/json', 'stripe-signature': d.signature }, announce: FIVE_MB });
    expect(answer.status).toBe(413);
    expect(answer.ms).toBeLessThan(2000);
    expect(server.verified()).toBe(0);
    expect(await server.rows()).toEqual([]);
    expect(server.recorded()).toBe(0);
  });

  it('refuses a 5 MB body streamed without a Content-Length with 413 once past the limit, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = signed(paid);
    const answer = await rawPost(`${server.url}${STRIPE_WEBHOOK_PATH}`, { headers: { 'content-type': 'application/json', 'stripe-signature': d.signature, 'transfer-encoding': 'chunked' }, chunks: { size: 64 * 1024, count: FIVE_MB / (64 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.ms).toBeLessThan(5000);
    expect(server.verified()).toBe(0);
    expect(await server.rows()).toEqual([]);
  });

  // One server for all of these: each is refused, so the inbox must still be empty after the last.
  const refusals = [
    ['a truncated body (the first half of a signed event)', () => ((d) => ({ ...d, body: d.body.slice(0, Math.floor(d.body.length / 2)) }))(signed(paid)), 'bad_signature'],
    ['a signed body that is not JSON', () => signedRaw('not json {'.repeat(3)), 'not_an_event'],
    ['a signed body that is broken JSON', () => signedRaw('{"id":"evt_1Broken","type":"invoice.paid",'), 'not_an_event'],
    ['a signed JSON string', () => signed('evt_1JustAString'), 'not_an_event'],
    ['a signed JSON array', () => signed([paid]), 'not_an_event'],
    ['a signed JSON null', () => signed(null), 'not_an_event'],
    ['a signed event whose id is not evt_ (SQL in it)', () => signed({ ...paid, id: "evt_1'); DROP TABLE stripe_events; --" }), 'not_an_event'],
    ['a signed event with an over-long type', () => signed({ ...paid, type: 'x'.repeat(101) }), 'not_an_event'],
    ['a signed event without a type', () => signed({ id: 'evt_1NoType', object: 'event' }), 'not_an_event'],
    ['a signature over the event for another secret, with many v1 entries', () => ((d) => ({ ...d, signature: `${d.signature}${',v1=00'.repeat(500)}` }))(signed(paid, { secret: 'whsec_other' })), 'bad_signature'],
    ['a timestamp a day old (replayed)', () => signed(paid, { timestamp: Math.floor(Date.now() / 1000) - 86_400 }), 'stale'],
  ] as const;

  it(`refuses ${refusals.length} kinds of signed-looking junk with 400 and its reason, recording nothing`, async (ctx) => {
    const server = await startServer(ctx);
    for (const [what, make, reason] of refusals) {
      const answer = await deliver(server.url, make());
      expect(answer.status, what).toBe(400);
      expect(answer.body, what).toEqual({ error: reason, message: expect.stringMatching(/^[^\n]+$/) as string });
    }
    expect(server.verified()).toBe(refusals.length);
    expect(await server.rows()).toEqual([]);
    expect(server.recorded()).toBe(0);
  });

  it('refuses an empty body and a body without a content type, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const empty = await deliver(server.url, signedRaw(''));
    expect(empty).toEqual({ status: 400, body: { error: 'not_an_event', message: expect.any(String) as string } });
    const untyped = await rawPost(`${server.url}${STRIPE_WEBHOOK_PATH}`, { headers: { 'stripe-signature': signed(paid).signature }, chunks: { size: 10, count: 1 } });
    expect(untyped.status).toBe(415);
    expect(await server.rows()).toEqual([]);
    expect(server.recorded()).toBe(0);
  });

  it('refuses a Stripe-Signature header over the header size limit with 431, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = signed(paid);
    const answer = await deliver(server.url, { ...d, signature: `${d.signature},v1=${'a'.repeat(64 * 1024)}` });
    expect(answer.status).toBe(431);
    expect(await server.rows()).toEqual([]);
  });

  it('after all of that, still records a good event', async (ctx) => {
    const server = await startServer(ctx);
    await deliver(server.url, signed(paid, { secret: 'whsec_forged' }));
    expect(await deliver(server.url, signed(paid))).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await server.rows()).toEqual([{ id: 'evt_1HostileOne' }]);
  });
});

/** A body signed exactly as given (no JSON.stringify), for bodies that are not JSON values. */
function signedRaw(body: string): { body: string; signature: string } {
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: TEST_WEBHOOK_SECRET }) };
}
