import { describe, expect, it } from 'vitest';
import { ADMIN_ID } from '../../../test/fleet-fixtures.js';
import { type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { BotMessage, TestUser } from '../../../test/telegram/user.js';
import { submitProof } from './submit.js';

const TOKEN = '7456789012:AAHgusShopTokenFromBotFather_012345678';
/** An admin from ADMIN_TELEGRAM_IDS, beside fleet.yaml's. */
const EXTRA_ADMIN = 100_002;
/** Stands for a message the user pressed a button on (the handler reads only the data). */
const SOME_MESSAGE: BotMessage = { messageId: 1, text: '', buttons: [], raw: {} };

async function after(user: TestUser, action: () => Promise<unknown>, test: string): Promise<BotMessage> {
  const before = new Set((await user.messages()).map((m) => m.messageId));
  await action();
  return user.waitFor((m) => !before.has(m.messageId) && m.text.includes(test));
}

const adminMessages = async (world: BotWorld) =>
  (await world.db.pool.query<{ dedupe_key: string; telegram_user_id: string; payload: unknown }>(`SELECT dedupe_key, telegram_user_id, payload FROM outbox WHERE kind = 'admin.manual_payment' ORDER BY dedupe_key`)).rows;

interface PaymentRow {
  id: number;
  tenant: string;
  user: number;
  kind: string;
  photo_file_id: string | null;
  reference: string | null;
  amount: number;
  currency: string;
  status: string;
}

const payments = async (world: BotWorld): Promise<PaymentRow[]> =>
  (await world.db.pool.query<PaymentRow>(`SELECT id::int, tenant, telegram_user_id::int AS user, kind, photo_file_id, reference, amount, currency, status FROM manual_payments ORDER BY id`)).rows;

describe('manual payments, the customer side (emulator)', () => {
  it('takes a photo proof of a purchase, tells every admin once, and refuses a second proof while one waits', async (ctx) => {
    const world = await startBotWorld(ctx, { deps: (d) => ({ ...d, adminIds: [EXTRA_ADMIN] }) });
    world.emulator.customerBots.set(TOKEN, { id: 7_456_789_012, username: 'gus_shop_bot' });
    const gus = world.user(300_007, { firstName: 'Gus', username: 'gus_owner' });
    await after(gus, () => gus.send('/buy'), 'choose a plan');
    await after(gus, () => gus.press('Basic'), 'Now choose a name');
    await after(gus, () => gus.send('gus-shop'), 'Choose the modules');
    await after(gus, () => gus.press('Continue'), 'Last step');
    await gus.send(TOKEN);
    await gus.waitFor((m) => m.text.includes('Your order is saved') && m.buttons.length > 0);

    const instructions = await after(gus, () => gus.press('Pay manually'), 'Manual payment for your new bot gus-shop: $5.00 for the first month.');
    expect(instructions.text).toContain('Pay by bank transfer.');
    await after(gus, () => gus.sendRaw({ sticker: { file_id: 'st', file_unique_id: 'st-u', width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' } }), 'Please send a photo of the receipt');
    const photo = [
      { file_id: 'receipt-small', file_unique_id: 'r-s', width: 90, height: 67 },
      { file_id: 'receipt-large', file_unique_id: 'r-l', width: 1280, height: 960 },
      { file_id: 'receipt-medium', file_unique_id: 'r-m', width: 320, height: 240 },
    ];
    await after(gus, () => gus.sendRaw({ photo }), 'Thank you! Your proof of payment for gus-shop is with the admins.');

    const stored = await payments(world);
    expect(stored).toEqual([{ id: stored[0]?.id, tenant: 'gus-shop', user: 300_007, kind: 'purchase', photo_file_id: 'receipt-large', reference: null, amount: 500, currency: 'usd', status: 'pending' }]);
    const id = Number(stored[0]?.id);
    const payload = { paymentId: id, tenant: 'gus-shop', kind: 'purchase', amount: { amount: 500, currency: 'usd' }, hasPhoto: true, from: { id: 300_007, username: 'gus_owner' } };
    expect(await adminMessages(world)).toEqual([
      { dedupe_key: `manual:${id}:${ADMIN_ID}`, telegram_user_id: String(ADMIN_ID), payload },
      { dedupe_key: `manual:${id}:${EXTRA_ADMIN}`, telegram_user_id: String(EXTRA_ADMIN), payload },
    ]);

    // The old button again: the proof is waiting; nothing more is stored or sent.
    await after(gus, () => gus.press('Pay manually'), 'A proof of payment for gus-shop is already waiting for review.');
    expect(await payments(world)).toHaveLength(1);
    expect(await adminMessages(world)).toHaveLength(2);
  }, 60_000);

  it("takes a text reference for a renewal of the user's own bot, and gives crafted data nothing", async (ctx) => {
    const world = await startBotWorld(ctx);
    const alice = world.user(200_001, { firstName: 'Alice', username: 'alice_shop' });
    await after(alice, () => alice.pressData(SOME_MESSAGE, 'pay:manual:alpha-shop:renewal'), 'Manual payment to renew alpha-shop: $5.00 for one month.');
    await after(alice, () => alice.send('/cancel'), 'Manual payment cancelled');
    await after(alice, () => alice.pressData(SOME_MESSAGE, 'pay:manual:alpha-shop:renewal'), 'Manual payment to renew alpha-shop');
    await after(alice, () => alice.send('x'.repeat(201)), 'That reference is too long: at most 200 characters');
    await after(alice, () => alice.send('  TR-2026-0042  '), 'Thank you! Your proof of payment for alpha-shop is with the admins.');
    const stored = await payments(world);
    expect(stored).toEqual([{ id: stored[0]?.id, tenant: 'alpha-shop', user: 200_001, kind: 'renewal', photo_file_id: null, reference: 'TR-2026-0042', amount: 500, currency: 'usd', status: 'pending' }]);
    expect(await adminMessages(world)).toEqual([
      {
        dedupe_key: `manual:${stored[0]?.id}:${ADMIN_ID}`,
        telegram_user_id: String(ADMIN_ID),
        payload: { paymentId: stored[0]?.id, tenant: 'alpha-shop', kind: 'renewal', amount: { amount: 500, currency: 'usd' }, reference: 'TR-2026-0042', hasPhoto: false, from: { id: 200_001, username: 'alice_shop' } },
      },
    ]);

    // Someone else's bot, an order that does not exist: the same answer, nothing stored.
    const mallory = world.user(300_008, { firstName: 'Mallory' });
    await after(mallory, () => mallory.pressData(SOME_MESSAGE, 'pay:manual:bravo-news:renewal'), "I can't find that order or bot among yours.");
    await after(mallory, () => mallory.pressData(SOME_MESSAGE, 'pay:manual:zulu-shop:purchase'), "I can't find that order or bot among yours.");
    // bravo-news is its owner's, but there is no order of it to pay for as a purchase.
    const bob = world.user(200_002, { firstName: 'Bob' });
    await after(bob, () => bob.pressData(SOME_MESSAGE, 'pay:manual:bravo-news:purchase'), "I can't find that order or bot among yours.");
    expect(await payments(world)).toHaveLength(1);
    expect(await adminMessages(world)).toHaveLength(1);
  }, 60_000);

  it('counts a proof stored by an attempt that stopped before answering as submitted, and tells the admins of it once', async (ctx) => {
    const world = await startBotWorld(ctx);
    const proof = { tenant: 'alpha-shop', kind: 'renewal' as const, photoFileId: null, reference: 'TR-1', from: { id: 200_001, username: 'alice_shop' } };
    expect(await submitProof(world.deps, proof)).toBe('submitted');
    // The conversation replays its external step after a crash: the same proof again.
    expect(await submitProof(world.deps, proof)).toBe('submitted');
    // A different proof while the first waits is refused.
    expect(await submitProof(world.deps, { ...proof, reference: 'TR-2' })).toBe('waiting');
    // Someone who does not own the bot gets nothing stored.
    expect(await submitProof(world.deps, { ...proof, from: { id: 300_009, username: undefined } })).toBe('gone');
    expect(await payments(world)).toHaveLength(1);
    expect((await adminMessages(world)).map((m) => m.dedupe_key)).toEqual([`manual:${(await payments(world))[0]?.id}:${ADMIN_ID}`]);
  });
});
