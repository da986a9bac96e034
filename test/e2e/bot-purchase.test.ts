import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../app/config.js';
import { type ControlPlane, startControlPlane } from '../../app/control-plane.js';
import { parseRoles } from '../../app/roles.js';
import { tenantFile } from '../../fleet/paths.js';
import { MAIN } from '../../fleet/repo/types.js';
import type { TenantManifest } from '../../fleet/schema/index.js';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { type FakeStripe, startFakeStripe } from '../fake-stripe/index.js';
import { describeWithHosts, type TestHost } from '../hosts/index.js';
import { checkoutCompletedEvent, deliver, signed, TEST_WEBHOOK_SECRET } from '../stripe-webhook.js';
import { startTelegramEmulator, type TelegramEmulator } from '../telegram/emulator.js';
import { type BotMessage, TestUser } from '../telegram/user.js';
import { containers, dropTenantDatabases, tenantTables } from './assertions.js';
import { startWorld, type World } from './world.js';

/** The test runs the reconcile passes itself, one at a time: no loop beside them. */
const WITHOUT_RECONCILER = parseRoles('http,bot,outbox,billing,rollouts');

/** The buckfleet bot itself, as the emulator knows it. */
const OWN_BOT = { token: '7000000002:AAbuckfleetE2ePurchaseBotToken_0123', id: 7_000_000_002, username: 'buckfleet_e2e_bot' };
/** The customer's bot token from @BotFather; its secret part may appear nowhere but sealed. */
const TOKEN = '7234567890:AAHdianaShopTokenFromBotFather_987654';
const SECRET_PART = TOKEN.split(':')[1] ?? '';
const PRICE = 'price_basicE2E';
const DIANA = 300_501;

/**
 * The whole purchase as a customer lives it, with every part real but the remote APIs: the
 * control plane in-process (its HTTP server, the bot long-polling the Telegram emulator, the
 * Stripe inbox, the outbox sender), a fake Stripe and a fake DigitalOcean whose droplets are
 * real test hosts (sshd + dockerd in network namespaces), the shared test PostgreSQL, a real
 * fleet repo. The reconciler runs its passes in the test, as its loop would.
 */
describeWithHosts('buying a multi-bot in Telegram: from /start to a running bot, then a module', () => {
  let world: World;
  let stripe: FakeStripe;
  let emulator: TelegramEmulator;
  let plane: ControlPlane;
  let diana: TestUser;
  let slug = '';
  const hostOf = (name: string): TestHost => {
    const h = world.hosts.get(name);
    if (!h) throw new Error(`no test host for droplet ${name}`);
    return h;
  };
  const mainFiles = async () => (await world.repo.repo.read((await world.repo.repo.head(MAIN)) ?? '')).files;
  /** Reconcile passes until the tenant is ready (a shared host boots first), at most `max`. */
  const reconcileUntilReady = async (max = 4): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < max; i++) {
      const report = await reconcilePass((await world.reconciler()).deps);
      const mine = report.owners.find((o) => o.owner === slug);
      seen.push(`${mine?.status ?? 'absent'}${mine?.error ? ` (${mine.error})` : ''}`);
      if (mine?.status === 'ready') return seen;
    }
    return seen;
  };

  beforeAll(async () => {
    world = await startWorld([], { fleet: (f) => void ((f.plans as { basic: Record<string, unknown> }).basic.stripePriceId = PRICE) });
    slug = `diana-${world.suffix}`;
    stripe = await startFakeStripe({ prices: [PRICE] });
    emulator = await startTelegramEmulator(OWN_BOT);
    emulator.customerBots.set(TOKEN, { id: 7_234_567_890, username: 'diana_shop_bot' });
    const config = loadConfig({
      ...world.env,
      PORT: '0',
      TELEGRAM_BOT_TOKEN: OWN_BOT.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
    });
    plane = await startControlPlane(config, world.home, { log: pino({ level: 'silent' }), roles: WITHOUT_RECONCILER });
    diana = new TestUser(emulator, OWN_BOT.token, DIANA, { firstName: 'Diana', username: 'diana_owner' });
  }, 120_000);

  afterAll(async () => {
    await plane?.close();
    await emulator?.close();
    await stripe?.close();
    if (slug !== '') await dropTenantDatabases([slug]);
    await world?.close();
  }, 120_000);

  it('takes the order in the bot, is paid through a signed Stripe event, deploys, and tells the customer with working credentials', async () => {
    await diana.send('/start');
    await diana.waitFor('Hello, Diana');
    await diana.press('Buy a multi-bot');
    await diana.waitFor('choose a plan');
    await diana.press('Basic');
    await diana.waitFor('Now choose a name');
    await diana.send(slug);
    await diana.waitFor('Choose the modules');
    await diana.press('Continue');
    await diana.waitFor('Last step');
    await diana.send(TOKEN);
    const pay = await diana.waitFor((m) => m.text.includes('Pay for the first month') && m.buttons.flat().some((b) => b.url !== undefined));
    const [checkout] = stripe.checkoutSessions();
    expect(checkout?.session).toMatchObject({ client_reference_id: slug, metadata: { tenant: slug, telegram_user_id: String(DIANA), plan: 'basic', kind: 'purchase' } });
    expect(pay.buttons.flat().find((b) => b.url !== undefined)?.url).toBe(checkout?.session.url);

    // Stripe confirms: the webhook records it and answers at once; the inbox puts the tenant on main.
    const event = checkoutCompletedEvent('evt_1DianaPaid', { tenant: slug, telegramUserId: DIANA, customer: 'cus_Diana001', subscription: 'sub_Diana001', created: new Date().toISOString() });
    if (plane.url === null) throw new Error('the control plane runs the http role here');
    expect((await deliver(plane.url, signed(event))).status).toBe(200);
    const paid = await diana.waitFor(`Payment received for ${slug}`, 20_000);
    const tenant = parse((await mainFiles()).get(tenantFile(slug)) ?? 'null') as TenantManifest | null;
    expect(tenant?.owner.telegramUserId).toBe(DIANA);
    expect(tenant?.placement).toEqual({ type: 'shared', host: 'shared-1' });
    expect(Object.keys(tenant?.modules ?? {})).toEqual(['core']);

    // The reconciler deploys it: the shared host boots, the database, the stack, the health check.
    expect((await reconcileUntilReady()).at(-1)).toBe('ready');
    const stack = await containers(hostOf('bf-host-shared-1'), `bf-${slug}`);
    expect(stack.map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);

    // One message followed it all: "payment received", edited step by step into "running".
    const running = await diana.waitFor((m) => m.messageId === paid.messageId && m.text.includes('is up and running'), 30_000);
    expect(running.text).toContain(`Your bot ${slug} is up and running`);
    expect(running.text).toContain('Open it in Telegram: @diana_shop_bot');
    // The credentials arrive once, as their own message after it; nothing else was sent about this deploy.
    const credentials = await diana.waitFor(`The database of your bot ${slug}`, 30_000);
    const after = (await diana.messages()).filter((m) => m.messageId > paid.messageId);
    expect(after.map((m) => m.messageId)).toEqual([credentials.messageId]);

    // The credentials are the ones the stack uses: they open the tenant's database and see its tables.
    const field = (name: string) => new RegExp(`${name}: (\\S+)`).exec(credentials.text)?.[1] ?? '';
    const client = new pg.Client({ host: field('Host'), port: Number(field('Port')), database: field('Database'), user: field('User'), password: field('Password') });
    await client.connect();
    try {
      const tables = await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      expect(tables.rows.map((r) => r.t)).toEqual(await tenantTables(slug));
    } finally {
      await client.end();
    }
    const password = field('Password');
    expect(password.length).toBeGreaterThan(16);

    // Secrets: the bot token and the database password are in no commit, PR or control table.
    const history = execFileSync('git', ['-C', world.repo.gitDir, 'log', '--all', '-p', '--format=%H%n%B'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const admin = new pg.Client({ connectionString: world.env.DATABASE_URL });
    await admin.connect();
    let rows = '';
    try {
      const tables = await admin.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
      for (const { name } of tables.rows) rows += (await admin.query<{ r: string }>(`SELECT t::text AS r FROM "${name}" t`)).rows.map((r) => r.r).join('\n');
    } finally {
      await admin.end();
    }
    for (const [where, text] of [['fleet repo', history], ['control database', rows]] as const) {
      expect(text.includes(SECRET_PART), `the bot token is in the ${where}`).toBe(false);
      expect(text.includes(password), `the database password is in the ${where}`).toBe(false);
    }
  }, 300_000);

  it('installs a module from "My bots": the change lands on main, the stack gains it, the customer is told', async () => {
    await diana.send('/mybots');
    await diana.waitFor('Your bots');
    await diana.press(slug);
    await diana.waitFor((m) => m.text.includes('Chats and channels:') && m.text.includes(slug));
    await diana.press('Install a module');
    await diana.waitFor(`Modules you can add to ${slug}`);
    await diana.press('➕ Welcome messages');
    await diana.waitFor(`Done: installing Welcome messages 1.0.0 on ${slug}`);
    const tenant = parse((await mainFiles()).get(tenantFile(slug)) ?? 'null') as TenantManifest;
    expect(Object.keys(tenant.modules).sort()).toEqual(['core', 'welcome']);

    const before = new Set((await diana.messages()).map((m: BotMessage) => m.messageId));
    expect((await reconcileUntilReady()).at(-1)).toBe('ready');
    const stack = await containers(hostOf('bf-host-shared-1'), `bf-${slug}`);
    expect(stack.map((c) => `${c.service}:${c.running}`)).toEqual(['core:true', 'welcome:true']);
    expect(await tenantTables(slug)).toContain('greetings');
    // This deploy has its own progress message, ending in "running"; the credentials are not sent again.
    await diana.waitFor((m) => !before.has(m.messageId) && m.text.includes(`Your bot ${slug} is up and running`), 30_000);
    expect((await diana.messages()).filter((m) => m.text.includes(`The database of your bot ${slug}`))).toHaveLength(1);
  }, 300_000);
});
