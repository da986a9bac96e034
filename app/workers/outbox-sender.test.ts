import { generateX25519Identity } from 'age-encryption';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, type TestContext } from 'vitest';
import type { Renderer } from '../../bot/notifications/index.js';
import { RENDERERS } from '../../bot/notifications/index.js';
import { Secret } from '../../fleet/secret.js';
import { deriveDbPassword } from '../../reconciler/resources/tenant-db/index.js';
import { listenSerially, readBody } from '../../test/fake-http.js';
import { type TestDatabase, testDatabase } from '../../test/pg/database.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../test/telegram/emulator.js';
import { TestUser } from '../../test/telegram/user.js';
import { tenantDatabaseCredentials } from '../bot/credentials.js';
import { PgUserStore } from '../bot/users.js';
import { migrate } from '../db/migrate.js';
import { queueMessage } from '../outbox.js';
import { type OutboxRound, type OutboxSenderDeps, type OutboxSenderWiring, outboxSenderDeps, sendDue, startOutboxSender } from './outbox-sender.js';

const TOKEN = '7000000009:AAoutboxSenderTestTokenOfTheFakeApi0123';
const OWNER = 200001;
const FAST = { perSecond: 200, perChatMs: 10 };

/** A clock the test moves: what is due, leases, backoff and the 429 pause all read it. */
class Clock {
  ms = Date.now();
  readonly now = () => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface World {
  readonly db: TestDatabase;
  readonly logged: string[];
  readonly clock: Clock;
  deps(wiring?: Partial<OutboxSenderWiring>): OutboxSenderDeps;
  queue(key: string, user: number, kind: string, payload: Record<string, unknown>): Promise<boolean>;
  rows(): Promise<{ dedupe_key: string; status: string; attempts: number; last_error: string | null; next_attempt_at: Date | null; message_id: string | null }[]>;
}

async function world(ctx: TestContext, apiRoot: string): Promise<World> {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const logged: string[] = [];
  const clock = new Clock();
  const line = (fields: object, message: string) => logged.push(`${message} ${JSON.stringify(fields)}`);
  return {
    db,
    logged,
    clock,
    deps: (wiring = {}) =>
      outboxSenderDeps({
        pool: db.pool,
        telegram: { token: new Secret(TOKEN), apiRoot },
        databaseCredentials: null,
        log: { info: line, warn: line },
        now: clock.now,
        random: () => 0.5,
        limits: FAST,
        ...wiring,
      }),
    queue: (dedupeKey, telegramUserId, kind, payload) => queueMessage(db.pool, { dedupeKey, telegramUserId, kind, payload }),
    rows: async () =>
      (await db.pool.query(`SELECT dedupe_key, status, attempts, last_error, next_attempt_at, message_id FROM outbox ORDER BY id`)).rows as Awaited<ReturnType<World['rows']>>,
  };
}

/** Rounds until one finds nothing to do. */
async function drain(deps: OutboxSenderDeps, maxRounds = 30): Promise<OutboxRound[]> {
  const rounds: OutboxRound[] = [];
  for (let i = 0; i < maxRounds; i += 1) {
    const round = await sendDue(deps);
    rounds.push(round);
    if (round.claimed === 0 && round.skipped === 0) return rounds;
  }
  throw new Error(`the outbox did not drain in ${maxRounds} rounds`);
}

async function emulator(ctx: TestContext): Promise<TelegramEmulator> {
  const e = await startTelegramEmulator({ token: TOKEN, id: 7_000_000_009, username: 'buckfleet_outbox_bot' });
  ctx.onTestFinished(() => e.close());
  return e;
}

/** A plain test kind: the text is the payload's. */
const NOTE: Renderer = (payload) => ({ text: String((payload as { text: string }).text) });
const withNote = new Map([...RENDERERS, ['test.note', NOTE]]);

interface ApiCall {
  readonly method: string;
  readonly chat: number;
  readonly text: string;
  readonly at: number;
}

/**
 * A tiny Bot API for what the emulator does not do: answers per call from `answer` (default: a
 * sent message), records every call with when it arrived.
 */
async function fakeBotApi(ctx: TestContext, answer: (call: ApiCall, res: ServerResponse) => boolean = () => false) {
  const calls: ApiCall[] = [];
  let nextId = 500;
  const api = await listenSerially(async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse((await readBody(req)) || '{}') as { chat_id?: number; text?: string; message_id?: number };
    const method = /\/bot[^/]+\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '?';
    const call = { method, chat: Number(body.chat_id), text: body.text ?? '', at: Date.now() };
    calls.push(call);
    if (answer(call, res)) return;
    json(res, 200, { ok: true, result: { message_id: method === 'sendMessage' ? nextId++ : body.message_id, date: 0, chat: { id: call.chat, type: 'private' }, text: call.text } });
  });
  ctx.onTestFinished(async () => {
    api.server.closeAllConnections();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  });
  return { url: api.url, calls };
}

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

describe('outbox sender', () => {
  it('sends each due row once, in its recipient’s language; a dedupe key queued twice is one message', async (ctx) => {
    const tg = await emulator(ctx);
    const w = await world(ctx, tg.apiRoot);
    const users = new PgUserStore(w.db.pool);
    await users.seen({ id: 200002, languageCode: 'ru-RU' });
    const payload = { tenant: 'alpha-shop', paidThrough: '2026-04-01T00:00:00Z', daysLeft: 3 };
    expect(await w.queue('billing.reminder:alpha-shop:2026-04-01:3', OWNER, 'billing.reminder', payload)).toBe(true);
    expect(await w.queue('billing.reminder:alpha-shop:2026-04-01:3', OWNER, 'billing.reminder', payload)).toBe(false);
    await w.queue('billing.reminder:bravo-news:2026-04-01:3', 200002, 'billing.reminder', { ...payload, tenant: 'bravo-news' });

    const deps = w.deps();
    const rounds = await drain(deps);
    expect(rounds[0]).toMatchObject({ claimed: 2, sent: 2, failed: 0 });
    const owner = await new TestUser(tg, TOKEN, OWNER).messages();
    expect(owner.map((m) => m.text)).toEqual(['⏰ Your bot alpha-shop is paid through 2026-04-01: 3 days left. Renew now to keep it running without a break.']);
    expect(owner[0]?.buttons).toEqual([[{ text: '💳 Renew', data: 'my:renew:alpha-shop' }]]);
    expect((await new TestUser(tg, TOKEN, 200002).messages()).map((m) => m.text)).toEqual([expect.stringMatching(/^⏰ Ваш бот bravo-news оплачен по 2026-04-01: осталось 3 дня\./)]);
    expect((await w.rows()).map((r) => [r.status, r.attempts, r.message_id !== null])).toEqual([
      ['sent', 0, true],
      ['sent', 0, true],
    ]);
    // Nothing is sent again by later rounds, nor by a second sender.
    expect(await drain(w.deps())).toEqual([expect.objectContaining({ claimed: 0 })]);
    expect(await new TestUser(tg, TOKEN, OWNER).messages()).toHaveLength(1);
  });

  it('a deploy is one message edited step by step; running closes it, and the next deploy gets a new one', async (ctx) => {
    const tg = await emulator(ctx);
    const w = await world(ctx, tg.apiRoot);
    await w.db.pool.query(`INSERT INTO orders (tenant, payload) VALUES ('alpha-shop', '{"tenant":"alpha-shop","botUsername":"alpha_shop_bot"}')`);
    await w.queue('alpha-shop:r1:alpha-shop/database.ensure', OWNER, 'deploy.progress', { tenant: 'alpha-shop', step: 1, of: 2, kind: 'database.ensure' });
    await w.queue('alpha-shop:r1:alpha-shop/stack.deploy', OWNER, 'deploy.progress', { tenant: 'alpha-shop', step: 2, of: 2, kind: 'stack.deploy' });
    await w.queue('alpha-shop:running:r1', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    const deps = w.deps();
    const user = new TestUser(tg, TOKEN, OWNER);

    // One row of a person per round: their messages go out in the order queued.
    expect(await sendDue(deps)).toMatchObject({ claimed: 1, sent: 1 });
    const first = await user.messages();
    expect(first).toHaveLength(1);
    expect(first[0]?.text).toMatch(/^⚙️ Setting up your bot alpha-shop: step 1 of 2 done\.\n\n✅ Payment received\n/);
    await sendDue(deps);
    const second = await user.messages();
    expect(second.map((m) => m.messageId)).toEqual([first[0]?.messageId]);
    expect(second[0]?.text).toContain('step 2 of 2 done.');
    expect(second[0]?.text).toContain('✅ Health check\n⏳ Running');
    await sendDue(deps);
    const running = await user.messages();
    expect(running.map((m) => m.messageId)).toEqual([first[0]?.messageId]);
    expect(running[0]?.text).toMatch(/^✅ Your bot alpha-shop is up and running!/);
    expect(running[0]?.text).toContain('Open it in Telegram: @alpha_shop_bot\nSend /admin in your bot to open its admin panel.');
    expect(running[0]?.buttons[0]).toEqual([{ text: 'Open @alpha_shop_bot', url: 'https://t.me/alpha_shop_bot' }]);
    expect((await w.db.pool.query(`SELECT * FROM progress_messages`)).rows).toEqual([]);

    await w.queue('alpha-shop:r2:alpha-shop/stack.deploy', OWNER, 'deploy.progress', { tenant: 'alpha-shop', step: 1, of: 1, kind: 'stack.deploy' });
    await drain(deps);
    const later = await user.messages();
    expect(later).toHaveLength(2);
    expect(later[0]?.text).toMatch(/^✅ Your bot alpha-shop is up and running!/);
    expect(later[1]?.text).toMatch(/^⚙️ Setting up your bot alpha-shop: step 1 of 1 done\./);
    expect((await w.db.pool.query(`SELECT telegram_user_id::int AS user, topic, message_id::int AS id FROM progress_messages`)).rows).toEqual([
      { user: OWNER, topic: 'deploy:alpha-shop', id: later[1]?.messageId },
    ]);
    expect((await w.rows()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('replaces a topic message that is gone with a new one, and keeps the new one', async (ctx) => {
    const api = await fakeBotApi(ctx, (call, res) =>
      call.method === 'editMessageText' ? json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' }) : false,
    );
    const w = await world(ctx, api.url);
    await w.db.pool.query(`INSERT INTO progress_messages (telegram_user_id, topic, message_id) VALUES ($1, 'deploy:alpha-shop', 77)`, [OWNER]);
    await w.queue('alpha-shop:r1:alpha-shop/stack.deploy', OWNER, 'deploy.progress', { tenant: 'alpha-shop', step: 1, of: 2, kind: 'stack.deploy' });
    expect(await sendDue(w.deps())).toMatchObject({ sent: 1 });
    expect(api.calls.map((c) => c.method)).toEqual(['editMessageText', 'sendMessage']);
    expect((await w.db.pool.query(`SELECT message_id::int AS id FROM progress_messages`)).rows).toEqual([{ id: 500 }]);
  });

  it('a 429 pauses all sending for retry_after and puts the rows back, uncounted; then they go out', async (ctx) => {
    let limited = true;
    const api = await fakeBotApi(ctx, (_call, res) =>
      limited ? json(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } }) : false,
    );
    const w = await world(ctx, api.url);
    await w.queue('a', 300001, 'test.note', { text: 'to A' });
    await w.queue('b', 300002, 'test.note', { text: 'to B' });
    const deps = w.deps({ renderers: withNote });
    const start = w.clock.ms;

    const first = await sendDue(deps);
    expect(first).toMatchObject({ claimed: 2, sent: 0, deferred: 2, pausedUntil: new Date(start + 7_000) });
    const rows = await w.rows();
    for (const row of rows) expect(row).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: new Date(start + 7_000) });
    // A row whose call came out of the queue after the 429 was not tried at all.
    const calls = api.calls.length;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(rows.filter((r) => r.last_error === 'sendMessage: 429 Too Many Requests: retry after 7')).toHaveLength(calls);
    expect(rows.filter((r) => r.last_error === null)).toHaveLength(2 - calls);

    // Still paused: no call at all.
    w.clock.advance(6_000);
    expect(await sendDue(deps)).toMatchObject({ claimed: 0, pausedUntil: new Date(start + 7_000) });
    expect(api.calls).toHaveLength(calls);

    limited = false;
    w.clock.advance(1_000);
    expect(await sendDue(deps)).toMatchObject({ claimed: 2, sent: 2, pausedUntil: null });
    expect(api.calls.slice(calls).map((c) => c.text).sort()).toEqual(['to A', 'to B']);
    expect((await w.rows()).map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 0],
      ['sent', 0],
    ]);
  });

  it('a 403 marks the user blocked and skips the row; their next rows are skipped at claim time, until they write again', async (ctx) => {
    const blocked = new Set([300003]);
    const api = await fakeBotApi(ctx, (call, res) =>
      blocked.has(call.chat) ? json(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }) : false,
    );
    const w = await world(ctx, api.url);
    const users = new PgUserStore(w.db.pool);
    await users.seen({ id: 300003 });
    const deps = w.deps({ renderers: withNote });
    await w.queue('1', 300003, 'test.note', { text: 'first' });
    expect(await sendDue(deps)).toMatchObject({ claimed: 1, skipped: 1, sent: 0 });
    expect(await users.isBlocked(300003)).toBe(true);
    expect(api.calls).toHaveLength(1);

    await w.queue('2', 300003, 'test.note', { text: 'second' });
    await w.queue('3', 300004, 'test.note', { text: 'to someone else' });
    expect(await sendDue(deps)).toMatchObject({ claimed: 1, sent: 1, skipped: 1 });
    expect(api.calls.map((c) => c.chat)).toEqual([300003, 300004]);
    expect((await w.rows()).map((r) => [r.dedupe_key, r.status, r.attempts, r.last_error])).toEqual([
      ['1', 'skipped', 0, 'sendMessage: 403 Forbidden: bot was blocked by the user'],
      ['2', 'skipped', 0, 'the recipient has blocked the bot'],
      ['3', 'sent', 0, null],
    ]);

    blocked.clear();
    await users.seen({ id: 300003 });
    await w.queue('4', 300003, 'test.note', { text: 'welcome back' });
    expect(await sendDue(deps)).toMatchObject({ sent: 1 });
    expect(api.calls.at(-1)).toMatchObject({ chat: 300003, text: 'welcome back' });
  });

  it('other failures are retried with growing waits, then the row fails with a reason that never holds the token', async (ctx) => {
    const api = await fakeBotApi(ctx, (call, res) => {
      if (call.chat === 300005) return json(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      if (call.chat === 300006) {
        // The connection dies: grammY's HttpError, whose cause names the URL with the token in it.
        res.socket?.destroy();
        return true;
      }
      return false;
    });
    const w = await world(ctx, api.url);
    const deps = w.deps({ renderers: withNote, settings: { maxAttempts: 3, backoff: { baseMs: 1_000, maxMs: 60_000 } } });
    await w.queue('server-error', 300005, 'test.note', { text: 'x' });
    await w.queue('network', 300006, 'test.note', { text: 'y' });
    await w.queue('bad-payload', 300007, 'billing.reminder', { tenant: 'alpha-shop' });
    await w.queue('unknown-kind', 300008, 'test.from_the_future', {});
    const start = w.clock.ms;

    expect(await sendDue(deps)).toMatchObject({ claimed: 4, retrying: 3, failed: 1 });
    const after1 = await w.rows();
    expect(after1.map((r) => [r.dedupe_key, r.status, r.attempts, r.next_attempt_at?.getTime() ?? null])).toEqual([
      ['server-error', 'pending', 1, start + 1_000],
      ['network', 'pending', 1, start + 1_000],
      // A payload that does not fit its kind will never render: failed at once, uncounted.
      ['bad-payload', 'failed', 0, null],
      ['unknown-kind', 'pending', 1, start + 1_000],
    ]);
    expect(after1[0]?.last_error).toBe('sendMessage: 500 Internal Server Error');
    expect(after1[1]?.last_error).toMatch(/^Network request for 'sendMessage' failed!/);
    expect(after1[1]?.last_error).toContain('/bot[REDACTED]/sendMessage failed');
    expect(after1[2]?.last_error).toMatch(/^PayloadError: billing\.reminder: paidThrough/);
    expect(after1[3]?.last_error).toBe('UnknownKindError: no renderer for outbox kind test.from_the_future');

    expect(await sendDue(deps)).toMatchObject({ claimed: 0 });
    w.clock.advance(1_000);
    expect(await sendDue(deps)).toMatchObject({ claimed: 3, retrying: 3 });
    expect((await w.rows()).filter((r) => r.status === 'pending').map((r) => [r.attempts, r.next_attempt_at?.getTime()])).toEqual(Array(3).fill([2, start + 3_000]));
    w.clock.advance(2_000);
    expect(await sendDue(deps)).toMatchObject({ claimed: 3, failed: 3 });
    const final = await w.rows();
    expect(final.map((r) => [r.status, r.attempts])).toEqual([
      ['failed', 3],
      ['failed', 3],
      ['failed', 0],
      ['failed', 3],
    ]);
    const secret = TOKEN.split(':')[1] ?? TOKEN;
    for (const text of [...final.map((r) => r.last_error ?? ''), ...w.logged]) expect(text).not.toContain(secret);
    expect(w.logged.join('\n')).toContain('outbox message failed: out of attempts');
    expect(api.calls.filter((c) => c.chat === 300006)).toHaveLength(3);
  });

  it('keeps to the limits: one call a second per chat, and the overall pace, across rounds', async (ctx) => {
    const api = await fakeBotApi(ctx);
    const w = await world(ctx, api.url);
    for (const n of [1, 2, 3]) await w.queue(`a${n}`, 300010, 'test.note', { text: `A${n}` });
    for (const chat of [300011, 300012, 300013]) await w.queue(`to-${chat}`, chat, 'test.note', { text: String(chat) });
    const deps = w.deps({ renderers: withNote, limits: { perSecond: 4, perChatMs: 1_000 } });
    // Where each call starts (a grammY transformer runs as the request is made): what the limits are about.
    const starts: { chat: number; at: number }[] = [];
    deps.api.config.use((prev, method, payload, signal) => {
      starts.push({ chat: Number((payload as { chat_id?: number }).chat_id), at: Date.now() });
      return prev(method, payload, signal);
    });
    await drain(deps);
    expect(api.calls.filter((c) => c.chat === 300010).map((c) => c.text)).toEqual(['A1', 'A2', 'A3']);
    expect(starts).toHaveLength(6);
    const gaps = (list: { at: number }[]) => list.slice(1).map((c, i) => c.at - list[i]!.at);
    // Lower bounds only: a slow machine is slower, never faster (Date.now() is whole ms).
    for (const gap of gaps(starts.filter((c) => c.chat === 300010))) expect(gap).toBeGreaterThanOrEqual(998);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(248);
  });

  it('database credentials go out once per tenant, after its first running message, and nowhere else', async (ctx) => {
    const tg = await emulator(ctx);
    const w = await world(ctx, tg.apiRoot);
    const identity = new Secret(await generateX25519Identity());
    const resolve = tenantDatabaseCredentials({ identity, adminUrl: new Secret(w.db.url), stackHost: null });
    const password = deriveDbPassword(identity, 'alpha-shop');
    await w.queue('alpha-shop:running:r1', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    await w.queue('alpha-shop:running:r2', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    await drain(w.deps({ databaseCredentials: resolve }));
    // A second process, later, has nothing to add.
    await w.queue('alpha-shop:running:r3', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    await drain(w.deps({ databaseCredentials: resolve }));

    const messages = await new TestUser(tg, TOKEN, OWNER).messages();
    expect(messages.map((m) => m.text.split('\n')[0])).toEqual([
      '✅ Your bot alpha-shop is up and running!',
      '🔐 The database of your bot alpha-shop:',
      '✅ Your bot alpha-shop is up and running!',
      '✅ Your bot alpha-shop is up and running!',
    ]);
    const url = new URL(w.db.url);
    expect(messages[1]?.text).toContain(`Host: ${url.hostname}\nPort: ${url.port}\nDatabase: bf_alpha_shop\nUser: bf_alpha_shop\nPassword: ${password}\n\nSave these details`);
    expect(messages.filter((m) => m.text.includes(password))).toHaveLength(1);
    expect((await w.db.pool.query(`SELECT tenant, telegram_user_id::int AS user, sent_at IS NOT NULL AS sent, message_id::int AS id FROM credentials_sent`)).rows).toEqual([
      { tenant: 'alpha-shop', user: OWNER, sent: true, id: messages[1]?.messageId },
    ]);

    // Not in any table of the control database, nor in a log line.
    const tables = (await w.db.pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.t);
    for (const table of tables) {
      const dump = (await w.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`)).rows.map((r) => r.row).join('\n');
      expect(dump, table).not.toContain(password);
    }
    expect(w.logged.join('\n')).not.toContain(password);
    expect(w.logged.join('\n')).toContain('database credentials sent (once)');
  });

  it('credentials that cannot be derived hold back no running message: it goes alone, and a later one brings them', async (ctx) => {
    const tg = await emulator(ctx);
    const w = await world(ctx, tg.apiRoot);
    let broken = true;
    const identity = new Secret(await generateX25519Identity());
    const real = tenantDatabaseCredentials({ identity, adminUrl: new Secret(w.db.url), stackHost: null });
    const deps = w.deps({ databaseCredentials: (tenant) => (broken ? Promise.reject(new Error('the age identity is unreadable')) : real(tenant)) });
    await w.queue('alpha-shop:running:r1', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    expect(await sendDue(deps)).toMatchObject({ sent: 1 });
    expect(w.logged.join('\n')).toContain('database credentials could not be derived; sent later');
    expect((await w.db.pool.query(`SELECT * FROM credentials_sent`)).rows).toEqual([]);
    broken = false;
    await w.queue('alpha-shop:running:r2', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    await drain(deps);
    const texts = (await new TestUser(tg, TOKEN, OWNER).messages()).map((m) => m.text.split('\n')[0]);
    expect(texts).toEqual(['✅ Your bot alpha-shop is up and running!', '✅ Your bot alpha-shop is up and running!', '🔐 The database of your bot alpha-shop:']);
  });

  it('credentials Telegram refused are not recorded as sent: the retry sends them, and the running message only once', async (ctx) => {
    let refuse = true;
    const api = await fakeBotApi(ctx, (call, res) =>
      refuse && call.text.startsWith('🔐') ? json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }) : false,
    );
    const w = await world(ctx, api.url);
    const identity = new Secret(await generateX25519Identity());
    const deps = w.deps({ databaseCredentials: tenantDatabaseCredentials({ identity, adminUrl: new Secret(w.db.url), stackHost: null }) });
    await w.queue('alpha-shop:running:r1', OWNER, 'deploy.running', { tenant: 'alpha-shop' });
    expect(await sendDue(deps)).toMatchObject({ retrying: 1 });
    expect((await w.db.pool.query(`SELECT * FROM credentials_sent`)).rows).toEqual([]);
    const [row] = await w.rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, message_id: '500', last_error: 'sendMessage: 502 Bad Gateway' });

    refuse = false;
    w.clock.advance(60_000);
    expect(await sendDue(deps)).toMatchObject({ sent: 1 });
    expect(api.calls.map((c) => c.text.split(' ')[0])).toEqual(['✅', '🔐', '🔐']);
    expect((await w.rows())[0]).toMatchObject({ status: 'sent', message_id: '500' });
    expect((await w.db.pool.query(`SELECT message_id::int AS id FROM credentials_sent WHERE sent_at IS NOT NULL`)).rows).toEqual([{ id: 501 }]);
  });

  it('senders side by side share the outbox: every row once, each person’s messages in the order queued', async (ctx) => {
    const tg = await emulator(ctx);
    const w = await world(ctx, tg.apiRoot);
    for (let n = 1; n <= 8; n += 1) {
      await w.queue(`a${n}`, 300020, 'test.note', { text: `A${n}` });
      await w.queue(`b${n}`, 300021, 'test.note', { text: `B${n}` });
    }
    const stop = new AbortController();
    const rounds: OutboxRound[] = [];
    const loop = startOutboxSender(w.deps({ renderers: withNote }), { signal: stop.signal, intervalMs: 20, onRound: (r) => rounds.push(r) });
    await drain(w.deps({ renderers: withNote }), 100);
    const deadline = Date.now() + 10_000;
    while ((await w.rows()).some((r) => r.status !== 'sent') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await loop.done;
    expect((await new TestUser(tg, TOKEN, 300020).messages()).map((m) => m.text)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
    expect((await new TestUser(tg, TOKEN, 300021).messages()).map((m) => m.text)).toEqual(['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8']);
    expect(rounds.some((r) => r.sent > 0)).toBe(true);
  });
});
