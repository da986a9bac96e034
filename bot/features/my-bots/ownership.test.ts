import { afterEach, describe, expect, it } from 'vitest';
import { StripePayments } from '../../../billing/stripe-api.js';
import { Secret } from '../../../fleet/secret.js';
import { type FakeStripe, startFakeStripe } from '../../../test/fake-stripe/index.js';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import { myBotsFeature } from './index.js';
import { mainHead, openPrs, watchAnswers } from './test-support.js';

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const OUTDATED = 'This button is out of date. Send /start for a fresh menu.';

/** Every action on alpha-shop, as its owner's buttons would carry it; each would change something for the owner. */
const CRAFTED = [
  'my:bot:alpha-shop',
  'my:pay:alpha-shop',
  'my:renew:alpha-shop',
  'my:mods:alpha-shop',
  'my:i:alpha-shop:polls',
  'my:rms:alpha-shop',
  'my:rm:alpha-shop:welcome',
  'my:rmy:alpha-shop:welcome',
  'my:u:alpha-shop:core:1.2.0',
  'my:chats:alpha-shop',
  'my:cadd:alpha-shop',
  'my:cdel:alpha-shop:-1001234567890',
  'my:token:alpha-shop',
  'my:restart:alpha-shop',
  'upd:alpha-shop:core:1.2.0',
  // Malformed: a slug that is no slug, extra fields, an unknown verb.
  'my:bot:Alpha-Shop',
  'my:rmy:alpha-shop:welcome:extra',
  'my:drop:alpha-shop',
];

describe('My bots: only the owner acts on a bot (emulator)', () => {
  it("answers another user's crafted callbacks for alpha-shop as outdated buttons and changes nothing", async (ctx) => {
    fake = await startFakeStripe();
    const payments = new StripePayments({ secretKey: new Secret(fake.secretKey), ...fake.clientOptions, maxNetworkRetries: 0 });
    const world = await startBotWorld(ctx, {
      features: [myBotsFeature],
      payments,
      manifests: (m) => {
        m.tenants['alpha-shop']!.billing.autoRenew = false;
        m.catalog.core!.versions['1.2.0'] = { image: 'ghcr.io/acme/core:1.2.0', releasedAt: '2026-03-10T00:00:00Z' };
        m.catalog.polls = { name: 'polls', title: { en: 'Polls' }, versions: { '2.0.0': { image: 'ghcr.io/acme/polls:2.0.0', releasedAt: '2026-03-01T00:00:00Z' } } };
      },
    });
    const answers = watchAnswers(world);
    const head = await mainHead(world);

    const bob = world.user(200_002);
    await bob.send('/mybots');
    const list = await bob.waitFor('Your bots');
    for (const data of CRAFTED) await bob.pressData(list, data);
    await bob.send('-1001234567890');
    await bob.waitFor("I don't know that command");

    expect(answers).toEqual(CRAFTED.map(() => OUTDATED));
    // Nothing was said or edited beyond the answers: the list is as it was, and no dialogue started.
    const after = await bob.messages();
    expect(after.map((m) => m.text)).toEqual([list.text, "I don't know that command. Send /start to see what I can do."]);
    expect(await mainHead(world)).toBe(head);
    expect(await openPrs(world)).toEqual([]);
    expect((await world.db.pool.query(`SELECT 1 FROM tenant_operations`)).rowCount).toBe(0);
    expect((await world.db.pool.query(`SELECT 1 FROM bot_state WHERE key LIKE 'conversation:%'`)).rowCount).toBe(0);
    expect(fake.requests).toEqual([]);

    // The owner's own press of the same data does act: the refusals above were about ownership.
    const alice = world.user(200_001);
    await alice.send('/mybots');
    const own = await alice.waitFor('Your bots');
    await alice.pressData(own, 'my:restart:alpha-shop');
    await alice.waitFor('The restart of alpha-shop is queued');
    await alice.pressData(own, 'my:i:alpha-shop:polls');
    await alice.waitFor('Sent for review: installing Polls 2.0.0 on alpha-shop');
    expect(await openPrs(world)).toHaveLength(1);
  });
});
