import { describe, expect, it } from 'vitest';
import type { PendingOrder } from '../../../billing/contract.js';
import { DEDICATED_TENANT, FIXTURE_NOW, SHARED_TENANT } from '../../../test/fleet-fixtures.js';
import { type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import type { NewManualPayment } from '../../ports.js';
import { adminFeature } from './index.js';

const ADMIN = 100_001;
const SECOND_ADMIN = 100_003;
const now = () => new Date(FIXTURE_NOW);

interface OutboxRow {
  dedupe_key: string;
  telegram_user_id: string;
  kind: string;
  payload: Record<string, unknown>;
}

async function decisions(world: BotWorld): Promise<OutboxRow[]> {
  const result = await world.db.pool.query<OutboxRow>(`SELECT dedupe_key, telegram_user_id, kind, payload FROM outbox WHERE kind LIKE 'billing.manual_%' ORDER BY id`);
  return result.rows;
}

async function submitPayment(world: BotWorld, p: Partial<NewManualPayment> = {}): Promise<number> {
  const stored = await world.deps.manualPayments.submit({ tenant: SHARED_TENANT, telegramUserId: 200_001, kind: 'renewal', photoFileId: 'proof-photo-1', reference: 'TX-1', amount: 500, currency: 'usd', ...p });
  if (stored === null) throw new Error('a payment is already pending');
  return stored.id;
}

/** Opens the admin's list of pending payments; the message of payment `id`. */
async function openPayment(admin: TestUser, id: number) {
  await admin.send('/admin');
  await admin.waitFor('Fleet overview');
  await admin.press('Manual payments');
  return admin.waitFor(`Manual payment #${id}:`);
}

describe('manual payments (emulator)', () => {
  it('approving a renewal records a manual period on main naming the admin, tells the customer once, and a second press adds nothing', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now });
    const id = await submitPayment(world);
    const admin = world.user(ADMIN);
    const message = await openPayment(admin, id);
    expect(message.text).toContain('renewal of alpha-shop');
    expect(message.text).toContain('Amount: 5.00 USD');

    await admin.pressData(message, `adm:mp:show:${id}`);
    await expect.poll(() => world.emulator.calls.filter((c) => c.method === 'sendPhoto').map((c) => [c.body.chat_id, c.body.photo])).toEqual([[ADMIN, 'proof-photo-1']]);

    await admin.pressData(message, `adm:mp:ok:${id}`);
    await admin.waitFor(`Manual payment #${id} approved: alpha-shop is paid through 2026-05-04`);
    const billing = (await world.deps.fleet.current()).tenants.get(SHARED_TENANT)!.billing;
    expect(billing.periods.find((p) => p.id === `manual:${id}`)).toEqual({
      id: `manual:${id}`,
      start: '2026-04-04T00:00:00Z',
      end: '2026-05-04T00:00:00Z',
      source: 'manual',
      amount: { amount: 500, currency: 'usd' },
      approvedBy: ADMIN,
    });
    expect(billing.paidThrough).toBe('2026-05-04T00:00:00Z');
    expect(await world.deps.manualPayments.get(id)).toMatchObject({ status: 'approved', decidedBy: ADMIN });
    const told = await decisions(world);
    expect(told).toEqual([
      { dedupe_key: `manual:${id}:decision`, telegram_user_id: '200001', kind: 'billing.manual_approved', payload: { paymentId: id, tenant: SHARED_TENANT, kind: 'renewal', amount: { amount: 500, currency: 'usd' }, paidThrough: '2026-05-04T00:00:00Z' } },
    ]);

    // The same admin pressing again (a crafted or stale press) is a retry that finds everything done.
    const head = await world.fleet.repo.head('main');
    await admin.pressData(message, `adm:mp:ok:${id}`);
    await admin.next(`Manual payment #${id} approved`);
    expect(await world.fleet.repo.head('main')).toBe(head);
    expect(await decisions(world)).toHaveLength(1);
    // Rejecting an approved payment does nothing either.
    await admin.pressData(message, `adm:mp:no:${id}`);
    await admin.waitFor(`Manual payment #${id} was already approved by admin ${ADMIN}`);
    expect(await world.deps.manualPayments.get(id)).toMatchObject({ status: 'approved' });
    expect(await world.fleet.repo.head('main')).toBe(head);
  });

  it('two admins approving at once record the payment once; the second is told who was first', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now, manifests: (m) => void (m.fleet.admins = [...(m.fleet.admins ?? []), SECOND_ADMIN]) });
    const id = await submitPayment(world);
    const ada = world.user(ADMIN);
    const bob = world.user(SECOND_ADMIN);
    const [adaMessage, bobMessage] = await Promise.all([openPayment(ada, id), openPayment(bob, id)]);
    const periodsBefore = (await world.deps.fleet.current()).tenants.get(SHARED_TENANT)!.billing.periods.length;

    await Promise.all([ada.pressData(adaMessage, `adm:mp:ok:${id}`), bob.pressData(bobMessage, `adm:mp:ok:${id}`)]);
    const outcome = async (user: TestUser) => (await user.waitFor(/approved: alpha-shop is paid through|was already approved by admin/)).text;
    const [adaSays, bobSays] = await Promise.all([outcome(ada), outcome(bob)]);
    const winner = (await world.deps.manualPayments.get(id))!.decidedBy!;
    expect([ADMIN, SECOND_ADMIN]).toContain(winner);
    const [winnerSays, loserSays] = winner === ADMIN ? [adaSays, bobSays] : [bobSays, adaSays];
    expect(winnerSays).toContain('is paid through 2026-05-04');
    expect(loserSays).toBe(`Manual payment #${id} was already approved by admin ${winner}: nothing more to do.`);

    const billing = (await world.deps.fleet.current()).tenants.get(SHARED_TENANT)!.billing;
    expect(billing.periods).toHaveLength(periodsBefore + 1);
    expect(billing.periods.filter((p) => p.source === 'manual' && p.id === `manual:${id}`)).toEqual([expect.objectContaining({ approvedBy: winner })]);
    expect(billing.paidThrough).toBe('2026-05-04T00:00:00Z');
    expect(await decisions(world)).toHaveLength(1);
  });

  it('rejecting tells the customer and writes nothing to the fleet; a later approval by another admin is refused', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now, manifests: (m) => void (m.fleet.admins = [...(m.fleet.admins ?? []), SECOND_ADMIN]) });
    const id = await submitPayment(world, { tenant: DEDICATED_TENANT, telegramUserId: 200_002, photoFileId: null, reference: 'IBAN transfer 42', amount: 2000 });
    const head = await world.fleet.repo.head('main');
    const ada = world.user(ADMIN);
    const message = await openPayment(ada, id);
    expect(message.buttons.flat().map((b) => b.data)).toEqual([`adm:mp:ok:${id}`, `adm:mp:no:${id}`]);
    await ada.pressData(message, `adm:mp:show:${id}`);
    await ada.waitFor(`Manual payment #${id} came without a photo. Reference: IBAN transfer 42`);

    await ada.pressData(message, `adm:mp:no:${id}`);
    await ada.waitFor(`Manual payment #${id} for ${DEDICATED_TENANT} is rejected`);
    expect(await world.deps.manualPayments.get(id)).toMatchObject({ status: 'rejected', decidedBy: ADMIN });
    expect(await decisions(world)).toEqual([expect.objectContaining({ dedupe_key: `manual:${id}:decision`, telegram_user_id: '200002', kind: 'billing.manual_rejected' })]);

    const bob = world.user(SECOND_ADMIN);
    await bob.pressData(message, `adm:mp:ok:${id}`);
    await bob.waitFor(`Manual payment #${id} was already rejected by admin ${ADMIN}`);
    expect(await world.fleet.repo.head('main')).toBe(head);
    expect(await world.deps.manualPayments.get(id)).toMatchObject({ status: 'rejected', decidedBy: ADMIN });
    expect(await decisions(world)).toHaveLength(1);
  });

  it('approving a purchase creates the tenant from its order; a failed change keeps the decision and the retry finishes it, once', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now });
    const order: PendingOrder = {
      tenant: 'charlie-bot',
      telegramUserId: 300_001,
      telegramUsername: 'charlie',
      plan: 'basic',
      // A release the catalog does not have: the tenant.create is refused when it is built.
      modules: [{ name: 'core', version: '9.9.9' }],
      chats: [],
      secrets: { BOT_TOKEN: await world.deps.seal('7000000042:AAH_charlie_test_token_0123456789abcd') },
      createdAt: FIXTURE_NOW,
    };
    await world.deps.orders.put(order);
    const id = await submitPayment(world, { tenant: 'charlie-bot', telegramUserId: 300_001, kind: 'purchase' });
    const admin = world.user(ADMIN);
    const message = await openPayment(admin, id);
    expect(message.text).toContain('purchase of a new bot, charlie-bot');

    await admin.pressData(message, `adm:mp:ok:${id}`);
    const failed = await admin.waitFor(`Your approval of manual payment #${id} is saved, but recording it in the fleet failed`);
    expect(failed.text).toMatch(/core@9\.9\.9 is not released/);
    expect(failed.buttons.flat().map((b) => b.data)).toEqual([`adm:mp:ok:${id}`]);
    expect(await world.deps.manualPayments.get(id)).toMatchObject({ status: 'approved', decidedBy: ADMIN });
    expect(await decisions(world)).toEqual([]);
    expect(await world.deps.changes.listOpen()).toEqual([]);

    // The order is put right; the same button finishes the approval.
    await world.deps.orders.put({ ...order, modules: [{ name: 'core', version: '1.1.0' }] });
    await admin.press('Approve again');
    const waiting = await admin.waitFor(`Manual payment #${id} approved: charlie-bot is created, paid through 2026-04-15`);
    const [pr] = await world.deps.changes.listOpen();
    expect(pr?.labels).toEqual(['tenant.create']);
    expect(waiting.text).toContain(`The change waits for review in PR #${pr!.number}`);
    expect(await decisions(world)).toEqual([expect.objectContaining({ kind: 'billing.manual_approved', telegram_user_id: '300001' })]);

    // Pressing the old Approve again does not rebuild the waiting PR.
    const prHead = pr!.head;
    await admin.pressData(message, `adm:mp:ok:${id}`);
    await admin.next(`The change waits for review in PR #${pr!.number}`);
    expect((await world.deps.changes.getPr(pr!.number)).head).toBe(prHead);
    expect(await world.deps.changes.listOpen()).toHaveLength(1);

    await admin.pressData(waiting, `adm:pr:ok:${pr!.number}`);
    await admin.waitFor(`PR #${pr!.number} is merged`);
    const created = (await world.deps.fleet.current()).tenants.get('charlie-bot')!;
    expect(created.tenant.owner).toEqual({ telegramUserId: 300_001, username: 'charlie' });
    expect(created.billing.periods).toEqual([{ id: `manual:${id}`, start: '2026-03-15T00:00:00Z', end: '2026-04-15T00:00:00Z', source: 'manual', amount: { amount: 500, currency: 'usd' }, approvedBy: ADMIN }]);
    expect(await decisions(world)).toHaveLength(1);
  });
});
