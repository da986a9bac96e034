import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/pg/database.js';
import { botMessagesTo, stopAfterEach } from '../../../test/modules/chats.js';
import { applyModuleMigrations } from '../../../test/modules/migrations.js';
import { startTelegramEmulator } from '../../../test/telegram/emulator.js';
import { WorkerSchemaError } from '../../kit/src/worker.js';
import { startScheduledPosts } from './app.js';

const BOT = { token: '6161:posts-test-token', id: 6161, username: 'ref_posts_bot' };
const CHANNEL = { id: -100_900, type: 'channel' as const, title: 'News' };
const UNLISTED = -100_901;

const cleanups = { push: stopAfterEach() };


describe('scheduled-posts sends each due post to the tenant chats once', () => {
  it('sends nothing early, each post once when due (two workers, repeated passes), and refuses a chat the tenant does not list', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'scheduled-posts', '1.0.0');
    const tg = await startTelegramEmulator(BOT);
    cleanups.push(() => tg.close());
    await db.pool.query(
      `INSERT INTO scheduled_posts (chat_id, text, due_at) VALUES
       ($1, 'Second post', '2030-01-01T12:05:00Z'), ($1, 'First post', '2030-01-01T12:00:00Z'), ($2, 'Elsewhere', '2030-01-01T11:00:00Z')`,
      [CHANNEL.id, UNLISTED],
    );
    let now = new Date('2030-01-01T11:59:59Z');
    const env = { BOT_TOKEN: BOT.token, DATABASE_URL: db.url, CHATS: JSON.stringify([CHANNEL]), TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0', POLL_SECONDS: '3600' };
    const lines: string[] = [];
    const one = await startScheduledPosts(env, { now: () => now, log: (l) => lines.push(l) });
    cleanups.push(() => one.stop());
    const two = await startScheduledPosts(env, { now: () => now, log: (l) => lines.push(l) });
    cleanups.push(() => two.stop());
    expect(botMessagesTo(tg, CHANNEL.id)).toEqual([]);

    now = new Date('2030-01-01T12:00:00Z');
    const at12 = await Promise.all([one.pass(), two.pass()]);
    expect(at12.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(botMessagesTo(tg, CHANNEL.id)).toEqual(['First post']);

    now = new Date('2030-01-01T12:10:00Z');
    await Promise.all([one.pass(), two.pass(), one.pass()]);
    expect(botMessagesTo(tg, CHANNEL.id)).toEqual(['First post', 'Second post']);
    expect(botMessagesTo(tg, UNLISTED)).toEqual([]);

    const rows = await db.pool.query<{ text: string; sent: boolean; message_id: string | null; error: string | null }>(
      'SELECT text, sent_at IS NOT NULL AS sent, message_id, error FROM scheduled_posts ORDER BY due_at',
    );
    expect(rows.rows).toEqual([
      { text: 'Elsewhere', sent: false, message_id: null, error: "the chat is not one of the tenant's chats" },
      { text: 'First post', sent: true, message_id: expect.any(String) as string, error: null },
      { text: 'Second post', sent: true, message_id: expect.any(String) as string, error: null },
    ]);
    expect(lines.join('\n')).not.toContain(BOT.token);
    expect((await fetch(`http://127.0.0.1:${one.healthPort}/healthz`)).status).toBe(200);
  });

  it('refuses to start before its migration is applied', async (ctx) => {
    const db = await testDatabase(ctx);
    const tg = await startTelegramEmulator(BOT);
    cleanups.push(() => tg.close());
    const failed = await startScheduledPosts({ BOT_TOKEN: BOT.token, DATABASE_URL: db.url, TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WorkerSchemaError);
    expect((failed as WorkerSchemaError).missing).toEqual(['scheduled_posts']);
  });
});
