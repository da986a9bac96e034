import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/pg/database.js';
import { botMessagesTo, stopAfterEach } from '../../../test/modules/chats.js';
import { applyModuleMigrations } from '../../../test/modules/migrations.js';
import { startTelegramEmulator } from '../../../test/telegram/emulator.js';
import { startCore } from '../../core/src/app.js';
import { createLog } from '../../core/src/log.js';
import { WorkerConfigError, WorkerSchemaError } from '../../kit/src/worker.js';
import { loadWelcomeConfig, startWelcome } from './app.js';

const BOT = { token: '5151:welcome-test-token', id: 5151, username: 'ref_welcome_bot' };
const SERVED = { id: -100_700, type: 'supergroup' as const, title: 'Served' };
const UNLISTED = -100_800;

const cleanups = { push: stopAfterEach() };


async function until(test: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('welcome greets members joining the tenant chats, through core 1.1 joins in the tenant database', () => {
  it('core (polling the emulator) records a join; welcome greets it once with the configured text; later passes and a second welcome do not repeat it', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    await applyModuleMigrations(db.pool, 'welcome', '1.0.0');
    const tg = await startTelegramEmulator(BOT);
    cleanups.push(() => tg.close());
    const common = { BOT_TOKEN: BOT.token, DATABASE_URL: db.url, CHATS: JSON.stringify([SERVED]), TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0' };
    const core = await startCore({ ...common, OWNER_ID: '1', BUCKFLEET_MODULE_VERSION: '1.1.0' }, createLog('core', [], () => undefined));
    cleanups.push(() => core.stop());
    const env = { ...common, GREETING: 'Welcome to the group, {name}! Read the rules.', POLL_SECONDS: '3600', BUCKFLEET_MODULE_VERSION: '1.0.0' };
    const welcome = await startWelcome(env, { log: () => undefined });
    cleanups.push(() => welcome.stop());

    // A join, as Telegram tells a group: a service message with new_chat_members, here in a
    // served chat and in one the tenant does not list.
    for (const chatId of [UNLISTED, SERVED.id]) {
      const group = tg.server.getClient(BOT.token, { userId: 3003, chatId, type: 'supergroup', firstName: 'Linus', userName: 'linus_t', chatTitle: 'g' });
      await group.sendMessage({ ...group.makeMessage(''), new_chat_members: [{ id: 3003, is_bot: false, first_name: 'Linus', username: 'linus_t' }] } as never);
    }
    await until(async () => (await db.pool.query('SELECT 1 FROM core_chat_joins')).rowCount === 1, 'core to record the join');

    expect(await welcome.pass()).toEqual({ sent: 1, failed: 0 });
    expect(botMessagesTo(tg, SERVED.id)).toEqual(['Welcome to the group, Linus! Read the rules.']);
    expect(await welcome.pass()).toEqual({ sent: 0, failed: 0 });
    const second = await startWelcome(env, { log: () => undefined });
    cleanups.push(() => second.stop());
    expect(await second.pass()).toEqual({ sent: 0, failed: 0 });
    expect(botMessagesTo(tg, SERVED.id)).toHaveLength(1);
    expect(botMessagesTo(tg, UNLISTED)).toEqual([]);
    const greetings = await db.pool.query<{ sent: boolean; message_id: string | null; error: string | null }>('SELECT sent_at IS NOT NULL AS sent, message_id, error FROM welcome_greetings');
    expect(greetings.rows).toEqual([{ sent: true, message_id: expect.any(String) as string, error: null }]);

    const health = await fetch(`http://127.0.0.1:${welcome.healthPort}/healthz`);
    expect(health.status).toBe(200);
  });

  it('does not greet a join older than ten minutes (welcome was down or just installed)', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    await applyModuleMigrations(db.pool, 'welcome', '1.0.0');
    const tg = await startTelegramEmulator(BOT);
    cleanups.push(() => tg.close());
    await db.pool.query(
      `INSERT INTO core_chat_joins (update_id, chat_id, user_id, first_name, joined_at) VALUES
       (1, $1, 10, 'Old', '2030-01-01T11:49:00Z'), (2, $1, 11, 'Fresh', '2030-01-01T11:51:00Z')`,
      [SERVED.id],
    );
    let now = new Date('2030-01-01T12:00:00Z');
    const env = { BOT_TOKEN: BOT.token, DATABASE_URL: db.url, CHATS: JSON.stringify([SERVED]), TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0', POLL_SECONDS: '3600' };
    const welcome = await startWelcome(env, { now: () => now, log: () => undefined });
    cleanups.push(() => welcome.stop());
    expect(botMessagesTo(tg, SERVED.id)).toEqual(['Welcome, Fresh!']);
    now = new Date('2030-01-01T12:30:00Z');
    expect(await welcome.pass()).toEqual({ sent: 0, failed: 0 });
  });

  it('refuses to start without core 1.1 (no joins table), naming the table', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.0.0');
    await applyModuleMigrations(db.pool, 'welcome', '1.0.0');
    const tg = await startTelegramEmulator(BOT);
    cleanups.push(() => tg.close());
    const failed = await startWelcome({ BOT_TOKEN: BOT.token, DATABASE_URL: db.url, TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WorkerSchemaError);
    expect((failed as WorkerSchemaError).missing).toEqual(['core_chat_joins']);
  });

  it('names bad variables without their values', () => {
    const error = (() => {
      try {
        return loadWelcomeConfig({ DATABASE_URL: 'mysql://u:hunter2@h/d', CHATS: '{"id":1}', POLL_SECONDS: '0', GREETING: 'x'.repeat(4001) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WorkerConfigError);
    expect((error as WorkerConfigError).problems).toEqual([
      'BOT_TOKEN: is not set',
      'DATABASE_URL: must be a postgres:// URL',
      'CHATS: must be a JSON array of chats with numeric ids',
      'POLL_SECONDS: must be a number of seconds (0 < s <= 3600)',
      'GREETING: must be at most 4000 characters',
    ]);
    expect(String(error)).not.toContain('hunter2');
  });
});
