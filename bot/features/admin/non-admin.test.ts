import { describe, expect, it } from 'vitest';
import { DEDICATED_TENANT, FIXTURE_NOW, SHARED_TENANT } from '../../../test/fleet-fixtures.js';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import type { TestUser } from '../../../test/telegram/user.js';
import { ADMIN_ACTION_TYPES, parseAdminData } from './callback-data.js';

const ADMIN = 100_001;

/** Sends text and waits for the one message the bot answers it with. */
async function replyTo(user: TestUser, text: string): Promise<string> {
  const before = (await user.messages()).length;
  await user.send(text);
  await expect.poll(async () => (await user.messages()).length).toBe(before + 1);
  return (await user.messages()).at(-1)?.text ?? '';
}
/** alpha-shop's owner: a customer, not an admin. */
const CUSTOMER = 200_001;

describe('admin buttons and commands for a non-admin (emulator, the whole bot)', () => {
  it('answer exactly as unknown commands and outdated buttons do, and change nothing anywhere', async (ctx) => {
    const world = await startBotWorld(ctx, { now: () => new Date(FIXTURE_NOW) });
    // Every button answer the bot gives, as Telegram would receive it.
    const answers: string[] = [];
    world.bot.api.config.use((prev, method, payload, signal) => {
      if (method === 'answerCallbackQuery') answers.push((payload as { text?: string }).text ?? '');
      return prev(method, payload, signal);
    });

    // Something for each admin action to act on, had it been allowed to.
    const submitted = await world.deps.changes.submit({ id: 'test:suspend-bravo', kind: 'tenant.suspend', slug: DEDICATED_TENANT, requestedBy: { type: 'cli', user: 'ops' } });
    if (submitted.status !== 'open') throw new Error(`expected an open PR, got ${submitted.status}`);
    const pr = submitted.pr.number;
    const payment = await world.deps.manualPayments.submit({ tenant: SHARED_TENANT, telegramUserId: CUSTOMER, kind: 'renewal', photoFileId: 'proof-photo-1', reference: null, amount: 500, currency: 'usd' });
    if (payment === null) throw new Error('payment not stored');
    await world.db.pool.query(
      `INSERT INTO tenant_status (tenant, conditions, failures, next_attempt_at) VALUES ($1, $2::jsonb, 3, '2030-01-01T00:00:00Z')`,
      [SHARED_TENANT, JSON.stringify({ Ready: { status: false, reason: 'StepFailed', message: 'stack.deploy failed' } })],
    );
    // An admin's broadcast draft waiting for Send: a non-admin's Send must not fire it.
    const admin = world.user(ADMIN);
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');
    await admin.press('Broadcast');
    await admin.waitFor('Who should get the broadcast?');
    await admin.press('Everyone who uses the bot');
    await admin.waitFor('Send the text of the broadcast');
    await admin.send('Admins only see this draft.');
    const preview = await admin.waitFor((m) => m.text === 'Admins only see this draft.');

    const mainBefore = await world.fleet.repo.head('main');
    const answersBefore = answers.length;
    const customer = world.user(CUSTOMER, { firstName: 'Alice' });

    expect(await replyTo(customer, '/admin')).toBe("I don't know that command. Send /start to see what I can do.");

    const crafted = [
      'admin:home',
      'adm:home',
      'adm:prs',
      `adm:pr:ok:${pr}`,
      `adm:pr:no:${pr}`,
      'adm:mps',
      `adm:mp:ok:${payment.id}`,
      `adm:mp:no:${payment.id}`,
      `adm:mp:show:${payment.id}`,
      'adm:find',
      `adm:t:show:${SHARED_TENANT}`,
      `adm:t:suspend:${SHARED_TENANT}`,
      `adm:t:resume:${SHARED_TENANT}`,
      `adm:t:retry:${SHARED_TENANT}`,
      'adm:bc',
      'adm:bc:all',
      'adm:bc:mod:welcome',
      'adm:bc:ok',
      'adm:cancel',
    ];
    // Every kind of admin button is among them.
    expect(new Set(crafted.map((d) => parseAdminData(d)?.type).filter((t) => t !== undefined))).toEqual(new Set(ADMIN_ACTION_TYPES));

    const messagesBefore = (await customer.messages()).length;
    for (const [i, data] of crafted.entries()) {
      // The admin's preview message id: a customer who guessed it gets nothing more.
      await customer.pressData({ messageId: preview.messageId, text: 'x', buttons: [], raw: {} }, data);
      await expect.poll(() => answers.length, { timeout: 10_000 }).toBe(answersBefore + i + 1);
    }
    expect(answers.slice(answersBefore)).toEqual(crafted.map(() => 'This button is out of date. Send /start for a fresh menu.'));
    // The search it could not start does not catch its next text either.
    expect(await replyTo(customer, SHARED_TENANT)).toBe("I don't know that command. Send /start to see what I can do.");
    expect((await customer.messages()).length).toBe(messagesBefore + 1);

    expect(await world.fleet.repo.head('main')).toBe(mainBefore);
    expect((await world.deps.changes.getPr(pr)).state).toBe('open');
    expect(await world.deps.changes.listOpen()).toHaveLength(1);
    expect(await world.deps.manualPayments.get(payment.id)).toMatchObject({ status: 'pending', decidedBy: null });
    expect((await world.db.pool.query(`SELECT count(*)::int AS n FROM outbox`)).rows[0]).toEqual({ n: 0 });
    expect((await world.db.pool.query(`SELECT failures, next_attempt_at FROM tenant_status WHERE tenant = $1`, [SHARED_TENANT])).rows[0]).toEqual({ failures: 3, next_attempt_at: new Date('2030-01-01T00:00:00Z') });
    expect(world.emulator.calls.filter((c) => c.method === 'sendPhoto')).toEqual([]);
    expect((await world.db.pool.query(`SELECT key FROM bot_state WHERE key LIKE 'admin-input:%'`)).rows).toEqual([{ key: `admin-input:${ADMIN}` }]);
    // The admin's own draft is still there, and only the admin's Send sends it.
    await admin.pressData(preview, 'adm:bc:ok');
    await admin.waitFor('The broadcast is queued');
    expect((await world.db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'broadcast'`)).rows[0]).toEqual({ n: 2 });
  });
});
