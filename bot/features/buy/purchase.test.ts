import { execFileSync } from 'node:child_process';
import { armor, Decrypter } from 'age-encryption';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stripeWebhookRoutes } from '../../../app/http/routes/stripe.js';
import { startHttpServer } from '../../../app/http/server.js';
import { processInbox } from '../../../app/workers/stripe-inbox.js';
import { StripePayments } from '../../../billing/stripe-api.js';
import { secretsFile, tenantFile } from '../../../fleet/paths.js';
import { MAIN } from '../../../fleet/repo/types.js';
import { Secret } from '../../../fleet/secret.js';
import { startFakeStripe } from '../../../test/fake-stripe/index.js';
import { TEST_IDENTITY } from '../../../test/fleet-fixtures.js';
import { waitUntil } from '../../../test/hosts/wait.js';
import { checkoutCompletedEvent, deliver, signed, TEST_WEBHOOK_SECRET } from '../../../test/stripe-webhook.js';
import { BOT_TOKEN, type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { BotMessage } from '../../../test/telegram/user.js';

/** A customer's bot token as @BotFather hands it out; getMe answers for it in the emulator. */
const TOKEN = '7123456789:AAHcarolShopTokenFromBotFather_0123456';
/** The part of it that is secret: nothing may hold it but the sealed value. */
const SECRET_PART = TOKEN.split(':')[1] ?? '';

async function open(sealed: string): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(TEST_IDENTITY);
  return d.decrypt(armor.decode(sealed), 'text');
}

/** Every row of every table of the control database, as text. */
async function allRows(world: BotWorld): Promise<string> {
  const tables = await world.db.pool.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const texts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await world.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
    texts.push(...rows.rows.map((r) => `${name}: ${r.row}`));
  }
  return texts.join('\n');
}

/** Every commit, diff and message of every ref of the fleet repo. */
const repoHistory = (world: BotWorld): string => execFileSync('git', ['-C', world.fleet.gitDir, 'log', '--all', '-p', '--format=%H%n%B'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const hasUrlButton = (m: BotMessage) => m.buttons.flat().some((b) => b.url !== undefined);

describe('buying a multi-bot (emulator, fake Stripe, real webhook)', () => {
  it('goes from the menu to a Checkout link, and a signed checkout.session.completed puts the tenant on main with the sealed token', async (ctx) => {
    const stripe = await startFakeStripe({ prices: ['price_basic123'] });
    ctx.onTestFinished(() => stripe.close());
    const payments = new StripePayments({ secretKey: new Secret(stripe.secretKey), ...stripe.clientOptions, maxNetworkRetries: 0 });
    const world = await startBotWorld(ctx, {
      payments,
      manifests: (m) => void (m.fleet.mergePolicy = { default: 'review', kinds: { 'tenant.create': 'auto', 'billing.record': 'auto' } }),
    });
    world.emulator.customerBots.set(TOKEN, { id: 7_123_456_789, username: 'carol_shop_bot' });
    const carol = world.user(300_001, { firstName: 'Carol', username: 'carol_owner' });

    await carol.send('/start');
    await carol.waitFor('Hello, Carol');
    await carol.press('Buy a multi-bot');
    const plans = await carol.waitFor('choose a plan');
    expect(plans.buttons.flat().map((b) => b.text)).toEqual(['Basic — $5.00/month', 'Pro — $20.00/month', '✖️ Cancel']);
    await carol.press('Basic');
    await carol.waitFor('Now choose a name');
    await carol.send('Carol-Shop');
    const modules = await carol.waitFor('Choose the modules');
    expect(modules.text).toContain('Multi-bot — always included');
    expect(modules.buttons.flat().map((b) => b.text)).toEqual(['▫️ Welcome messages', 'Continue ▶️', '✖️ Cancel']);
    await carol.press('Welcome messages');
    await carol.waitFor((m) => m.messageId === modules.messageId && m.buttons.flat().some((b) => b.text === '✅ Welcome messages'));
    await carol.press('Continue');
    await carol.waitFor('Modules: Multi-bot, Welcome messages');
    await carol.waitFor('Last step');

    // The first Checkout fails (Stripe overloaded): the order is kept and "Try again" works.
    stripe.failNext(1, { status: 500, type: 'api_error', message: 'An unknown error occurred' });
    await carol.send(TOKEN);
    const failed = await carol.waitFor('could not create a payment link');
    expect(failed.text).toContain('Your order is saved.\nBot: @carol_shop_bot\nName: carol-shop\nPlan: Basic — $5.00/month\nModules: Multi-bot, Welcome messages');
    expect(failed.buttons.flat().map((b) => b.text)).toEqual(['🔄 Try again', '🏦 Pay manually']);
    // The conversation, still waiting, keeps its replay log in bot_state: the update that carried
    // the token is there, rewritten by the token guard, with the token sealed. The session is
    // written when the update's handling ends, just after the reply above was sent.
    let midway = '';
    await waitUntil('the conversation state after the token', 10_000, async () => (midway = await allRows(world)).includes('[bot token removed]'));
    expect(midway).toContain('[bot token removed]');
    expect(midway).toContain('BEGIN AGE ENCRYPTED FILE');
    expect(midway.includes(SECRET_PART)).toBe(false);
    await carol.press('Try again');
    const pay = await carol.waitFor((m) => m.messageId === failed.messageId && hasUrlButton(m));
    expect(pay.text).toContain('Pay for the first month');
    const card = pay.buttons.flat().find((b) => b.url !== undefined);
    expect(card?.text).toBe('💳 Pay $5.00 by card');
    expect(pay.buttons.flat().find((b) => b.data !== undefined)).toEqual({ text: '🏦 Pay manually', data: 'pay:manual:carol-shop:purchase' });

    // One Checkout, for this order; its link is the button's.
    const sessions = stripe.checkoutSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.session).toMatchObject({ client_reference_id: 'carol-shop', metadata: { tenant: 'carol-shop', telegram_user_id: '300001', plan: 'basic', kind: 'purchase' }, url: card?.url });
    // "Checking the token…" became the order and its payment: one progress message, edited.
    expect((await carol.messages()).some((m) => m.text.includes('Checking the token'))).toBe(false);

    const order = await world.deps.orders.get('carol-shop');
    expect(order).toMatchObject({
      tenant: 'carol-shop',
      telegramUserId: 300_001,
      telegramUsername: 'carol_owner',
      botUsername: 'carol_shop_bot',
      plan: 'basic',
      modules: [
        { name: 'core', version: '1.1.0' },
        { name: 'welcome', version: '1.0.0' },
      ],
      chats: [],
    });
    expect(await open(order?.secrets.BOT_TOKEN ?? '')).toBe(TOKEN);

    // Stripe says it is paid: the real webhook records it, the inbox creates the tenant.
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), routes: [stripeWebhookRoutes({ db: world.db.pool, webhookSecret: new Secret(TEST_WEBHOOK_SECRET) })] });
    ctx.onTestFinished(() => server.close());
    const event = checkoutCompletedEvent('evt_1CarolPaid', { tenant: 'carol-shop', telegramUserId: 300_001, customer: 'cus_Carol001', subscription: 'sub_Carol001', created: '2026-03-15T10:00:00Z' });
    expect((await deliver(server.url, signed(event))).status).toBe(200);
    const inbox = { pool: world.db.pool, repo: world.fleet.repo, now: () => new Date('2026-03-15T10:00:05Z'), log: pino({ level: 'silent' }), random: () => 0.5, adminIds: [] };
    expect(await processInbox(inbox, { limit: 10 })).toEqual({ processed: 1, rejected: 0, retrying: 0 });

    const files = (await world.fleet.repo.read((await world.fleet.repo.head(MAIN)) ?? '')).files;
    const tenant = parse(files.get(tenantFile('carol-shop')) ?? '') as { owner: unknown; plan: string; modules: Record<string, { version: string }> };
    expect(tenant.owner).toEqual({ telegramUserId: 300_001, username: 'carol_owner' });
    expect(tenant.plan).toBe('basic');
    expect(Object.fromEntries(Object.entries(tenant.modules).map(([n, m]) => [n, m.version]))).toEqual({ core: '1.1.0', welcome: '1.0.0' });
    const secrets = parse(files.get(secretsFile('carol-shop')) ?? '') as { values: { BOT_TOKEN: string } };
    expect(await open(secrets.values.BOT_TOKEN)).toBe(TOKEN);

    // The buyer is told at once, on the message the deploy's progress will edit.
    const paid = await world.db.pool.query('SELECT telegram_user_id, kind, payload FROM outbox WHERE kind = $1', ['purchase.paid']);
    expect(paid.rows).toEqual([{ telegram_user_id: '300001', kind: 'purchase.paid', payload: { tenant: 'carol-shop' } }]);

    // The plaintext token is nowhere: not in the chat, the repo, the logs, or any table.
    const chat = JSON.stringify(world.emulator.server.getUpdatesHistory(BOT_TOKEN));
    // The history does hold what Carol typed, so the token's absence means it was deleted.
    expect(chat).toContain('Carol-Shop');
    for (const [where, text] of [
      ['chat', chat],
      ['fleet repo', repoHistory(world)],
      ['logs', world.logged.join('\n')],
      ['control database', await allRows(world)],
    ] as const) {
      expect(text.includes(SECRET_PART), `the token is in the ${where}`).toBe(false);
    }
  }, 60_000);
});
