import { afterEach, describe, expect, it } from 'vitest';
import { StripePayments } from '../../../billing/stripe-api.js';
import { Secret } from '../../../fleet/secret.js';
import { type FakeStripe, startFakeStripe } from '../../../test/fake-stripe/index.js';
import { type BotWorldOptions, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import { myBotsFeature } from './index.js';
import { openBot } from './test-support.js';

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function withStripe(extra: BotWorldOptions = {}): Promise<BotWorldOptions> {
  fake = await startFakeStripe({ prices: ['price_basic123'] });
  const payments = new StripePayments({ secretKey: new Secret(fake.secretKey), ...fake.clientOptions, maxNetworkRetries: 0 });
  return { features: [myBotsFeature], payments, ...extra };
}

async function openPayment(user: TestUser, slug: string): Promise<void> {
  const view = await openBot(user, slug);
  await user.pressData(view, `my:pay:${slug}`);
}

describe('My bots: renewing and managing payment (emulator, fake Stripe)', () => {
  it('offers a renewal Checkout for the plan price on the existing customer, the Customer Portal and manual payment', async (ctx) => {
    const world = await startBotWorld(ctx, await withStripe({ manifests: (m) => void (m.tenants['alpha-shop']!.billing.autoRenew = false) }));
    const alice = world.user(200_001);
    await openPayment(alice, 'alpha-shop');
    const offer = await alice.waitFor('Payment for alpha-shop: plan Basic, 5.00 USD a month. Paid through 2026-04-04.');
    const [session] = fake!.checkoutSessions();
    expect(fake!.checkoutSessions()).toHaveLength(1);
    expect(session?.lineItems).toEqual([{ price: 'price_basic123', quantity: 1 }]);
    expect(session?.session).toMatchObject({ customer: 'cus_Alpha001', client_reference_id: 'alpha-shop', metadata: { tenant: 'alpha-shop', kind: 'renewal', plan: 'basic', telegram_user_id: '200001' } });
    const [portal] = fake!.portalSessions();
    expect(portal).toMatchObject({ customer: 'cus_Alpha001', return_url: world.deps.paymentLinks.portalReturnUrl });
    expect(offer.buttons.flat()).toEqual([
      { text: '💳 Pay by card', url: session?.session.url },
      { text: '⚙️ Manage payment', url: portal?.url },
      { text: '🏦 Pay manually', data: 'pay:manual:alpha-shop:renewal' },
      { text: '⬅️ Back to the bot', data: 'my:bot:alpha-shop' },
    ]);
  });

  it('offers only the Portal while the subscription renews by itself, and answers the renewal button of a reminder in a new message', async (ctx) => {
    const world = await startBotWorld(ctx, await withStripe());
    const alice = world.user(200_001);
    await alice.send('/mybots');
    const list = await alice.waitFor('Your bots');
    // The button a billing reminder carries.
    await alice.pressData(list, 'my:renew:alpha-shop');
    const offer = await alice.waitFor('The subscription renews by itself');
    expect(offer.messageId).not.toBe(list.messageId);
    expect(fake!.checkoutSessions()).toEqual([]);
    expect(offer.buttons.flat().map((b) => b.text)).toEqual(['⚙️ Manage payment', '⬅️ Back to the bot']);
    expect(offer.buttons.flat()[0]?.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
  });

  it('without Stripe, or for a plan without a price, offers manual payment; says so when Stripe cannot be reached', async (ctx) => {
    const world = await startBotWorld(ctx, await withStripe({ manifests: (m) => void (m.tenants['alpha-shop']!.billing.autoRenew = false) }));
    const bob = world.user(200_002);
    await openPayment(bob, 'bravo-news');
    const offer = await bob.waitFor('Payment for bravo-news: plan Pro, 20.00 USD a month.');
    expect(offer.buttons.flat().map((b) => b.data ?? b.url)).toEqual(['pay:manual:bravo-news:renewal', 'my:bot:bravo-news']);
    expect(fake!.requests).toEqual([]);

    await fake!.close();
    const alice = world.user(200_001);
    await openPayment(alice, 'alpha-shop');
    const down = await alice.waitFor('cannot be reached right now');
    expect(down.buttons.flat().map((b) => b.data)).toEqual(['pay:manual:alpha-shop:renewal', 'my:bot:alpha-shop']);
    expect(world.logged.join('\n')).toContain('payment link could not be made');
    expect(world.logged.join('\n')).not.toContain(fake!.secretKey);
  });
});
