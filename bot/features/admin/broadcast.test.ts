import { describe, expect, it } from 'vitest';
import { ADMIN_ID, FIXTURE_NOW } from '../../../test/fleet-fixtures.js';
import { type BotWorld, startBotWorld } from '../../../test/telegram/bot-world.js';
import { adminFeature } from './index.js';

interface Row {
  dedupe_key: string;
  telegram_user_id: string;
  payload: { text: string };
}

const broadcasts = async (world: BotWorld): Promise<Row[]> =>
  (await world.db.pool.query<Row>(`SELECT dedupe_key, telegram_user_id, payload FROM outbox WHERE kind = 'broadcast' ORDER BY telegram_user_id, dedupe_key`)).rows;

describe('broadcasts (emulator)', () => {
  it('reach each reachable user once, however often Send is pressed; a module audience reaches its owners only', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    // Users the bot has seen: alpha-shop's owner (core + welcome), bravo-news' owner (core), a
    // visitor, and one who blocked the bot.
    for (const id of [200_001, 200_002, 300_005, 300_006]) await world.deps.users.seen({ id });
    await world.db.pool.query(`UPDATE telegram_users SET blocked_at = now() WHERE id = 300006`);

    const admin = world.user(ADMIN_ID);
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');
    await admin.press('Broadcast');
    const choose = await admin.waitFor('Who should get the broadcast?');
    expect(choose.buttons.map((row) => row.map((b) => b.text))).toEqual([
      ['Everyone who uses the bot (4)'],
      ['Owners of bots with core (2)'],
      ['Owners of bots with welcome (1)'],
      ['✖️ Cancel'],
    ]);
    await admin.pressData(choose, 'adm:bc:all');
    await admin.waitFor('Send the text of the broadcast to everyone who uses the bot');
    await admin.send('x'.repeat(4097));
    await admin.waitFor('A broadcast is plain text of 1 to 4,096 characters');
    const text = 'Maintenance tonight at 22:00 UTC.\nYour bots stay up.';
    await admin.send(text);
    await admin.waitFor('Preview for everyone who uses the bot: 4 people get the message below.');
    const preview = await admin.waitFor((m) => m.text === text);
    expect(preview.buttons.flat().map((b) => [b.text, b.data])).toEqual([
      ['📣 Send (4)', 'adm:bc:ok'],
      ['✖️ Cancel', 'adm:cancel'],
    ]);
    await admin.send('another text');
    await admin.waitFor('A broadcast preview is waiting for Send or Cancel above.');

    // An earlier Send that crashed after queueing its first recipient: the keys make the retry finish, not repeat.
    const id = `${ADMIN_ID}-${preview.messageId}`;
    await world.deps.outbox.queue({ dedupeKey: `broadcast:${id}:${ADMIN_ID}`, telegramUserId: ADMIN_ID, kind: 'broadcast', payload: { text } });
    await Promise.all([admin.pressData(preview, 'adm:bc:ok'), admin.pressData(preview, 'adm:bc:ok')]);
    await admin.waitFor('The broadcast is queued for 4 people');
    await admin.waitFor('This preview is out of date');
    expect(await broadcasts(world)).toEqual(
      [ADMIN_ID, 200_001, 200_002, 300_005].map((user) => ({ dedupe_key: `broadcast:${id}:${user}`, telegram_user_id: String(user), payload: { text } })),
    );
    // Pressed once more, later: still nothing new.
    await admin.pressData(preview, 'adm:bc:ok');
    await admin.next('This preview is out of date');
    expect(await broadcasts(world)).toHaveLength(4);

    await admin.press('Admin home');
    await admin.waitFor((m) => m.text.includes('Fleet overview') && m.buttons.length > 0);
    await admin.press('Broadcast');
    await admin.next('Who should get the broadcast?');
    await admin.press('Owners of bots with welcome');
    await admin.waitFor('Send the text of the broadcast to owners of bots with welcome');
    await admin.send('Welcome 1.1 is out.');
    const second = await admin.waitFor((m) => m.text === 'Welcome 1.1 is out.');
    await admin.pressData(second, 'adm:bc:ok');
    await admin.waitFor('The broadcast is queued for one person');
    const rows = await broadcasts(world);
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.payload.text === 'Welcome 1.1 is out.')).toEqual([{ dedupe_key: `broadcast:${ADMIN_ID}-${second.messageId}:200001`, telegram_user_id: '200001', payload: { text: 'Welcome 1.1 is out.' } }]);
  });

  it('Cancel drops the draft: its Send button then sends nothing', async (ctx) => {
    const world = await startBotWorld(ctx, { features: [adminFeature], now: () => new Date(FIXTURE_NOW) });
    const admin = world.user(ADMIN_ID);
    await admin.send('/admin');
    await admin.waitFor('Fleet overview');
    await admin.press('Broadcast');
    await admin.waitFor('Who should get the broadcast?');
    await admin.press('Everyone');
    await admin.waitFor('Send the text of the broadcast');
    await admin.send('Never mind.');
    const preview = await admin.waitFor((m) => m.text === 'Never mind.');
    await admin.pressData(preview, 'adm:cancel');
    await admin.waitFor('Cancelled.');
    await admin.pressData(preview, 'adm:bc:ok');
    await admin.waitFor('This preview is out of date');
    expect(await broadcasts(world)).toEqual([]);
    expect((await world.db.pool.query(`SELECT key FROM bot_state WHERE key LIKE 'admin-input:%'`)).rows).toEqual([]);
  });
});
