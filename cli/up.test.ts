import { spawn } from 'node:child_process';
import { access, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';
import { deliver, invoicePaidEvent, signed, stripeEvent, TEST_WEBHOOK_SECRET } from '../test/stripe-webhook.js';
import { testDatabase } from '../test/pg/database.js';
import { tempDir } from './testing.js';
import { spawnUp, type UpProcess } from '../test/up-process.js';
import { startTelegramEmulator } from '../test/telegram/emulator.js';
import { TestUser } from '../test/telegram/user.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NO_DOCKER = 'unix:///nonexistent/buckfleet-test/docker.sock';
/** What `up` prints once when the local provider has no docker (the reason is docker's own words, or that docker is missing). */
/** A newcomer without a bot token is told how to add one, instead of a failed start. */
const BOT_OFF_NOTE = 'The Telegram bot is off: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN to its token, then restart.';
const NO_DOCKER_NOTE = expect.stringMatching(
  /^The reconciler is off: no docker for the local provider \((docker at unix:\/\/\/nonexistent\/buckfleet-test\/docker\.sock does not answer: .+|docker is not installed .+)\): start docker, set BUCKFLEET_LOCAL_DOCKER_HOST, or set DIGITALOCEAN_TOKEN, then restart\.$/,
) as string;

/**
 * `buckfleet up` as its own process, from sources, with a fresh BUCKFLEET_HOME (under the OS
 * temp folder: the embedded database cannot live under /root) and a test database; resolves
 * once it prints its URL.
 */
async function startUp(ctx: TestContext, extraEnv: Record<string, string> = {}, args: readonly string[] = []): Promise<UpProcess & { home: string; dbUrl: string; query: (sql: string) => Promise<unknown[]> }> {
  const db = await testDatabase(ctx);
  const home = await tempDir('up');
  ctx.onTestFinished(() => rm(home, { recursive: true, force: true }));
  const env = {
    BUCKFLEET_HOME: home,
    PORT: '0',
    DATABASE_URL: db.url,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    // A docker that is never there, whatever this machine has: the reconciler role says it is off.
    BUCKFLEET_LOCAL_DOCKER_HOST: NO_DOCKER,
    ...extraEnv,
  };
  const up = await spawnUp(ctx, env, args);
  const query = async (sql: string): Promise<unknown[]> => (await db.pool.query<Record<string, unknown>>(sql)).rows;
  return { ...up, home, dbUrl: db.url, query };
}

/** `buckfleet up` expected to stop by itself at once (a refused start): its exit code and stderr. */
async function upFailing(ctx: TestContext, env: Record<string, string>, args: readonly string[] = []): Promise<{ home: string; code: number | null; stderr: string }> {
  const home = await tempDir('up-bad');
  ctx.onTestFinished(() => rm(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/entry.ts', 'up', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BUCKFLEET_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { home, code, stderr };
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('buckfleet up', () => {
  it('serves /healthz and /readyz on a fresh home, with a new local fleet repo, and exits 0 on SIGTERM', async (ctx) => {
    const up = await startUp(ctx);
    expect(up.out).toEqual([
      `created a local fleet repo in ${join(up.home, 'fleet.git')}`,
      'Stripe webhooks are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to serve POST /webhooks/stripe',
      NO_DOCKER_NOTE,
      BOT_OFF_NOTE,
      `buckfleet control plane on ${up.url}`,
    ]);
    await access(join(up.home, 'fleet.git', 'HEAD'));

    expect((await fetch(`${up.url}/healthz`)).status).toBe(200);
    const readyz = await fetch(`${up.url}/readyz`);
    expect(await readyz.json()).toEqual({ status: 'ready', failing: [], checks: { database: { ok: true }, fleetRepo: { ok: true } } });
    expect(readyz.status).toBe(200);
    // Without a webhook secret nothing could be verified, so the route is not there.
    expect((await deliver(up.url, signed(stripeEvent('evt_1Off', 'invoice.paid', {})))).status).toBe(404);
    // Every migration of the package, in order, each once.
    const shipped = (await readdir(join(ROOT, 'migrations'))).filter((f) => f.endsWith('.sql')).sort().map((f) => ({ name: f.replace(/\.sql$/, '') }));
    expect(shipped.length).toBeGreaterThanOrEqual(3);
    expect(await up.query(`SELECT name FROM pgmigrations ORDER BY id`)).toEqual(shipped);

    const stopping = Date.now();
    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(10_000);
  });

  it('with Stripe configured, records a signed event and its inbox worker processes it at once', async (ctx) => {
    const up = await startUp(ctx, { STRIPE_SECRET_KEY: 'sk_test_buckfleet0123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    expect(up.out).toEqual([`created a local fleet repo in ${join(up.home, 'fleet.git')}`, NO_DOCKER_NOTE, BOT_OFF_NOTE, `buckfleet control plane on ${up.url}`]);
    const event = invoicePaidEvent('evt_1UpNobody', {
      tenant: 'zulu-nobody',
      customer: 'cus_Nobody001',
      subscription: 'sub_Nobody001',
      invoice: 'in_Nobody0001',
      start: '2026-03-15T00:00:00Z',
      end: '2026-04-15T00:00:00Z',
    });
    expect(await deliver(up.url, signed(event))).toEqual({ status: 200, body: { received: true, duplicate: false } });

    // The new fleet has no tenants, so billing/ refuses the event; what matters here is that the
    // webhook woke the worker and it handled the event well before its 5 s poll.
    const rows = await eventually(
      () => up.query(`SELECT id, processed_at IS NOT NULL AS processed, last_error FROM stripe_events`),
      (r) => r.length === 1 && (r[0] as { processed: boolean }).processed,
      3_000,
    );
    expect(rows).toEqual([{ id: 'evt_1UpNobody', processed: true, last_error: expect.stringMatching(/^unknown_tenant: /) as string }]);

    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
  });

  it('with --roles http serves HTTP and does not start the reconciler (no word about docker), and exits 0 on SIGTERM', async (ctx) => {
    const up = await startUp(ctx, {}, ['--roles', 'http']);
    expect(up.out).toEqual([
      `created a local fleet repo in ${join(up.home, 'fleet.git')}`,
      'Stripe webhooks are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to serve POST /webhooks/stripe',
      'roles of this process: http',
      `buckfleet control plane on ${up.url}`,
    ]);
    expect((await fetch(`${up.url}/readyz`)).status).toBe(200);
    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
  });

  it('refuses an unknown role before starting anything, naming it, exit 1', async (ctx) => {
    const { home, code, stderr } = await upFailing(ctx, { PORT: '0' }, ['--roles', 'http,reconciller']);
    expect(code).toBe(1);
    expect(stderr).toBe('buckfleet: --roles: unknown role "reconciller" (the roles are http, bot, reconciler, outbox, billing, rollouts)\n');
    // Nothing was started: no embedded database, no fleet repo.
    expect(await readdir(home)).toEqual([]);
  });

  it('refuses to start on a malformed variable, naming it, exit 1', async (ctx) => {
    const { code, stderr } = await upFailing(ctx, { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toBe('buckfleet: PORT: must be a TCP port number (0-65535; 0 picks a free one)\n');
  });

  it('runs the bot by long polling when TELEGRAM_BOT_TOKEN is set: /start is answered, and the outbox sender delivers a queued row once', async (ctx) => {
    const emulator = await startTelegramEmulator(OWN_BOT);
    ctx.onTestFinished(() => emulator.close());
    const up = await startUp(ctx, { TELEGRAM_BOT_TOKEN: OWN_BOT.token, TELEGRAM_API_ROOT: emulator.apiRoot });
    const user = new TestUser(emulator, OWN_BOT.token, 400_001, { firstName: 'Polly' });
    await user.send('/start');
    await user.waitFor('Hello, Polly', 20_000);
    await up.query(
      `INSERT INTO outbox (dedupe_key, telegram_user_id, kind, payload, created_at, attempts)
       VALUES ('reminder:alpha-shop:3', 400001, 'billing.reminder', '{"tenant":"alpha-shop","paidThrough":"2026-04-01T00:00:00.000Z","daysLeft":3}', now(), 0)`,
    );
    await user.waitFor('paid through 2026-04-01: 3 days left', 20_000);
    expect(await eventually(() => up.query(`SELECT sent_at IS NOT NULL AS sent FROM outbox WHERE dedupe_key = 'reminder:alpha-shop:3'`), (rows) => JSON.stringify(rows) === '[{"sent":true}]')).toEqual([{ sent: true }]);
    expect((await user.messages()).filter((m) => m.text.includes('3 days left'))).toHaveLength(1);
    up.child.kill('SIGTERM');
    expect((await up.exited).code, up.stderr()).toBe(0);
  });

  it('in webhook mode registers /webhooks/telegram with the secret token and answers only requests that carry it', async (ctx) => {
    const emulator = await startTelegramEmulator(OWN_BOT);
    ctx.onTestFinished(() => emulator.close());
    const port = await freePort();
    const up = await startUp(ctx, {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-for-tests_123',
      TELEGRAM_BOT_TOKEN: OWN_BOT.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
    });
    const user = new TestUser(emulator, OWN_BOT.token, 400_002, { firstName: 'Webster' });
    await user.send('/start');
    await user.waitFor('Hello, Webster', 20_000);

    const forged = { update_id: 999_999, message: { message_id: 1, date: 1, chat: { id: 400_003, type: 'private' }, from: { id: 400_003, is_bot: false, first_name: 'Mallory' }, text: '/start' } };
    for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'wrong-secret' }] as Record<string, string>[]) {
      const answer = await fetch(`${up.url}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(forged) });
      expect(answer.status).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await new TestUser(emulator, OWN_BOT.token, 400_003).messages()).toEqual([]);
    expect(await up.query(`SELECT id FROM telegram_users ORDER BY id`)).toEqual([{ id: '400002' }]);
  });
});

const OWN_BOT = { token: '7000000002:AAupTestTokenForTheEmulator0123456789', id: 7_000_000_002, username: 'buckfleet_up_bot' };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
