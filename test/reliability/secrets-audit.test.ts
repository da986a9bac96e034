import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { type ControlPlane, startControlPlane } from '../../app/control-plane.js';
import { openReconciler, type ReconcilerHandle } from '../../app/reconciler.js';
import { parseRoles } from '../../app/roles.js';
import { Secret } from '../../fleet/secret.js';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { deriveDbPassword } from '../../reconciler/resources/tenant-db/index.js';
import { dropTenantDatabases } from '../e2e/assertions.js';
import { startWorld, type World } from '../e2e/world.js';
import { type FakeStripe, startFakeStripe } from '../fake-stripe/index.js';
import { TEST_IDENTITY } from '../fleet-fixtures.js';
import { describeWithHosts } from '../hosts/index.js';
import { captureLog } from '../log-capture.js';
import { adminUrl } from '../pg/database.js';
import { type Corpus, findSecrets } from '../secrets-scan.js';
import { databaseCorpora, gitCorpora } from '../secrets-sources.js';
import { checkoutCompletedEvent, deliver, signed, TEST_WEBHOOK_SECRET } from '../stripe-webhook.js';
import { startTelegramEmulator, type TelegramEmulator } from '../telegram/emulator.js';
import { type BotMessage, TestUser } from '../telegram/user.js';

/** The test runs the reconcile passes itself, on a reconciler whose log it captures too. */
const WITHOUT_RECONCILER = parseRoles('http,bot,outbox,billing,rollouts');
const OWN_BOT = { token: '7000000003:AAbuckfleetSecretsAuditBotToken_0123', id: 7_000_000_003, username: 'buckfleet_audit_bot' };
const TOKEN = '7234567891:AAHeveAuditTokenFromBotFather_55512345';
const PRICE = 'price_basicAudit';
const EVE = 300_601;

/**
 * The secrets audit: a whole purchase — /start in the bot, a signed Stripe event, the deploy to a
 * real test host, the credentials message — with every log line of the control plane and the
 * reconciler captured, then every place buckfleet writes is searched for every secret of the
 * run: the fleet repo's every object and PR record, every column of every control table (the
 * outbox among them), every message a bot sent but the one that hands the customer their
 * database credentials, every request to Stripe. A second test plants a canary in each of those
 * places and shows the same scan finds it there, so a clean result means clean, not unread.
 */
describeWithHosts('secrets audit: after a purchase, no secret is in git, logs, PR records, tables or messages', () => {
  let world: World;
  let stripe: FakeStripe;
  let emulator: TelegramEmulator;
  let plane: ControlPlane;
  let reconciler: ReconcilerHandle;
  let eve: TestUser;
  let slug = '';
  let credentials: BotMessage | null = null;
  const captured = captureLog();
  const githubWebhookSecret = randomBytes(18).toString('base64url');

  /** Everything buckfleet wrote, as texts to search, less the credentials message. */
  const collect = async (): Promise<Corpus[]> => [
    ...(await gitCorpora(world.repo.gitDir)),
    ...(await databaseCorpora(world.env.DATABASE_URL ?? '')),
    ...captured.lines.map((text, i) => ({ source: `log line ${i}`, text })),
    // What the bots sent (the stored copy carries the bot token it came with: scan the message only).
    ...emulator.server.storage.botMessages
      .filter((m) => m.messageId !== credentials?.messageId)
      .map((m) => ({ source: `bot message ${m.messageId}`, text: JSON.stringify(m.message) })),
    ...emulator.calls.map((c, i) => ({ source: `bot call ${i} ${c.method}`, text: JSON.stringify(c.body) })),
    ...stripe.requests.map((r, i) => ({ source: `stripe request ${i} ${r.method} ${r.path}`, text: JSON.stringify(r.body) })),
  ];

  beforeAll(async () => {
    world = await startWorld([], { fleet: (f) => void ((f.plans as { basic: Record<string, unknown> }).basic.stripePriceId = PRICE) });
    slug = `eve-${world.suffix}`;
    stripe = await startFakeStripe({ prices: [PRICE] });
    emulator = await startTelegramEmulator(OWN_BOT);
    emulator.customerBots.set(TOKEN, { id: 7_234_567_891, username: 'eve_audit_bot' });
    const env = {
      ...world.env,
      PORT: '0',
      TELEGRAM_BOT_TOKEN: OWN_BOT.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
      GITHUB_WEBHOOK_SECRET: githubWebhookSecret,
    };
    plane = await startControlPlane(loadConfig(env), world.home, { log: captured.log, roles: WITHOUT_RECONCILER });
    reconciler = await openReconciler(loadConfig(env), world.home, { log: captured.log });
    eve = new TestUser(emulator, OWN_BOT.token, EVE, { firstName: 'Eve', username: 'eve_owner' });
  }, 120_000);

  afterAll(async () => {
    await plane?.close();
    await reconciler?.close();
    await emulator?.close();
    await stripe?.close();
    if (slug !== '') await dropTenantDatabases([slug]);
    await world?.close();
  }, 120_000);

  it('buys, deploys and hands over credentials; then no secret is anywhere else', async () => {
    await eve.send('/start');
    await eve.waitFor('Hello, Eve');
    await eve.press('Buy a multi-bot');
    await eve.waitFor('choose a plan');
    await eve.press('Basic');
    await eve.waitFor('Now choose a name');
    await eve.send(slug);
    await eve.waitFor('Choose the modules');
    await eve.press('Continue');
    await eve.waitFor('Last step');
    await eve.send(TOKEN);
    await eve.waitFor((m) => m.text.includes('Pay for the first month'));
    const event = checkoutCompletedEvent('evt_1EveAuditPaid', { tenant: slug, telegramUserId: EVE, customer: 'cus_EveAudit01', subscription: 'sub_EveAudit01', created: new Date().toISOString() });
    if (plane.url === null) throw new Error('the control plane runs the http role here');
    expect((await deliver(plane.url, signed(event))).status).toBe(200);
    await eve.waitFor(`Payment received for ${slug}`, 20_000);
    let status = '';
    for (let i = 0; i < 4 && status !== 'ready'; i++) status = (await reconcilePass(reconciler.deps)).owners.find((o) => o.owner === slug)?.status ?? 'absent';
    expect(status).toBe('ready');
    await eve.waitFor((m) => m.text.includes(`Your bot ${slug} is up and running`), 30_000);
    const handedOver = await eve.waitFor(`The database of your bot ${slug}`, 30_000);
    credentials = handedOver;

    const dbPassword = deriveDbPassword(new Secret(TEST_IDENTITY), slug);
    // The one message meant to carry a secret does carry it: the password scanned for is the real one.
    expect(handedOver.text).toContain(`Password: ${dbPassword}`);
    const sshKey = await readFile(world.env.SSH_PRIVATE_KEY_FILE ?? '', 'utf8');
    const secrets = {
      'customer bot token': TOKEN,
      'customer bot token, secret part': TOKEN.split(':')[1] ?? '',
      'own bot token, secret part': OWN_BOT.token.split(':')[1] ?? '',
      'tenant database password': dbPassword,
      'database server admin password': decodeURIComponent(new URL(adminUrl()).password),
      'Stripe secret key': stripe.secretKey,
      'Stripe webhook secret': TEST_WEBHOOK_SECRET,
      'GitHub webhook secret': githubWebhookSecret,
      'age identity': TEST_IDENTITY,
      'DigitalOcean token': world.cloud.token,
      // The longest line of the key's body: any copy of the key holds it.
      'SSH private key': sshKey.split('\n').reduce((a, b) => (b.length > a.length && !b.startsWith('-----') ? b : a), ''),
    };
    const corpora = await collect();
    // Sanity: every kind of source was read, and the logs are the real ones (a deploy was logged).
    expect(corpora.filter((c) => c.source.startsWith('git objects')).length).toBe(1);
    expect(corpora.some((c) => c.source.startsWith('git dir file buckfleet/prs/'))).toBe(true);
    expect(corpora.some((c) => c.source === 'database table public.outbox')).toBe(true);
    expect(captured.lines.length).toBeGreaterThan(10);
    expect(corpora.filter((c) => c.source.startsWith('bot message')).length).toBeGreaterThan(5);
    expect(findSecrets(secrets, corpora)).toEqual([]);
  }, 300_000);

  it('positive control: a canary planted in each source is found there by the same scan', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const plants = {
      'git blob': `${canary}-git`,
      'pr record': `${canary}-pr`,
      'control table': `${canary}-table`,
      log: `${canary}-log`,
      'bot message': `${canary}-bot`,
    };
    execFileSync('git', ['-C', world.repo.gitDir, 'hash-object', '-w', '--stdin'], { input: plants['git blob'] });
    const pr = (await world.repo.repo.listOpen())[0] ?? null;
    if (pr !== null) await world.repo.repo.ensureComment(pr.number, 'canary', plants['pr record']);
    else await writeFile(join(world.repo.gitDir, 'buckfleet', 'prs', 'canary.json'), plants['pr record']);
    const db = new pg.Client({ connectionString: world.env.DATABASE_URL });
    await db.connect();
    await db.query('CREATE TABLE audit_canary (v text)');
    await db.query('INSERT INTO audit_canary VALUES ($1)', [plants['control table']]);
    await db.end();
    captured.log.warn({ detail: plants.log }, 'planted');
    await fetch(`${emulator.apiRoot}/bot${OWN_BOT.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: EVE, text: plants['bot message'] }),
    });
    const found = findSecrets(plants, await collect());
    expect(found.map((f) => `${f.secret} @ ${f.source.replace(/\d+/g, 'N')}`).sort()).toEqual(
      [
        'bot message @ bot message N',
        'control table @ database table public.audit_canary',
        'git blob @ git objects (all, reachable or not)',
        'log @ log line N',
        `pr record @ git dir file buckfleet/prs/${pr === null ? 'canary' : 'N'}.json`,
      ].sort(),
    );
  }, 60_000);
});
