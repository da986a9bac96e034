import { describe, expect, it } from 'vitest';
import { startBotWorld } from '../../../test/telegram/bot-world.js';
import type { BotMessage } from '../../../test/telegram/user.js';
import { sendAndWait } from '../my-bots/test-support.js';

/**
 * A payment reference is free text a customer sends that an admin then reads in a notification.
 * Shell syntax and quotes are kept as they came (it is data, stored as a query parameter); line
 * breaks and invisible control characters are not: a second line could pass itself off as one
 * of the notification's own lines ("Amount: …"), and a right-to-left override could reverse what
 * the admin reads. (manual-payment.test.ts covers the length limit and another customer's bot.)
 */

/** Stands for a message the user pressed a button on (the handler reads only the data). */
const SOME_MESSAGE: BotMessage = { messageId: 1, text: '', buttons: [], raw: {} };

describe('manual payment references (emulator)', () => {
  it('keeps shell syntax and quotes as they are, and stores the reference as one line without control characters', async (ctx) => {
    const world = await startBotWorld(ctx);
    const alice = world.user(200_001, { firstName: 'Alice' });
    await alice.pressData(SOME_MESSAGE, 'pay:manual:alpha-shop:renewal');
    await alice.waitFor('Manual payment to renew alpha-shop');
    await sendAndWait(alice, `TX-77 $(reboot) "q" 'q'\nAmount: $500.00\r\n\tapproved\u202e\u0000 ok `, 'Thank you! Your proof of payment for alpha-shop is with the admins.');

    // U+0000 arrives as U+FFFD (bot/nul-free.ts): PostgreSQL stores no NUL; the proof used to fail on it.
    const expected = `TX-77 $(reboot) "q" 'q' Amount: $500.00 approved \uFFFD ok`;
    const stored = await world.db.pool.query<{ reference: string }>('SELECT reference FROM manual_payments');
    expect(stored.rows).toEqual([{ reference: expected }]);
    const notices = await world.db.pool.query<{ reference: string }>(`SELECT payload->>'reference' AS reference FROM outbox WHERE kind = 'admin.manual_payment'`);
    expect(notices.rows.length).toBeGreaterThan(0);
    for (const row of notices.rows) expect(row.reference).toBe(expected);
    expect(world.logged).toEqual([]);
  });

  it('refuses a reference that is nothing but line breaks and control characters, storing nothing', async (ctx) => {
    const world = await startBotWorld(ctx);
    const alice = world.user(200_001, { firstName: 'Alice' });
    await alice.pressData(SOME_MESSAGE, 'pay:manual:alpha-shop:renewal');
    await alice.waitFor('Manual payment to renew alpha-shop');
    await sendAndWait(alice, '\u200b\n\u202e', 'Please send');
    expect((await world.db.pool.query('SELECT 1 FROM manual_payments')).rowCount).toBe(0);
  });
});
