import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/pg/database.js';
import { botMessagesTo, stopAfterEach } from '../../../test/modules/chats.js';
import { applyModuleMigrations } from '../../../test/modules/migrations.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram/emulator.js';
import { TestUser } from '../../../test/telegram/user.js';
import { startCore, type RunningCore } from './app.js';
import { createCoreBot, UNKNOWN_COMMAND } from './bot.js';
import { ConfigError, loadConfig } from './config.js';
import { createLog } from './log.js';
import { SchemaMissingError } from './store.js';

const BOT = { token: '4242:core-test-token', id: 4242, username: 'ref_core_bot' };
const OWNER = 1001;
const SERVED = { id: -100_500, type: 'supergroup' as const, title: 'Served group' };
const UNLISTED = -100_600;

const cleanups = { push: stopAfterEach() };

function capturedLog() {
  const lines: string[] = [];
  return { lines, log: createLog('core', [BOT.token], (l) => lines.push(l)) };
}

function env(emulator: TelegramEmulator, databaseUrl: string, version = '1.1.0'): NodeJS.ProcessEnv {
  return {
    BOT_TOKEN: BOT.token,
    DATABASE_URL: databaseUrl,
    OWNER_ID: String(OWNER),
    CHATS: JSON.stringify([SERVED]),
    TELEGRAM_API_ROOT: emulator.apiRoot,
    PORT: '0',
    BUCKFLEET_MODULE_VERSION: version,
  };
}

async function emulator(): Promise<TelegramEmulator> {
  const e = await startTelegramEmulator(BOT);
  cleanups.push(() => e.close());
  return e;
}

async function running(e: Record<string, string | undefined>, log = capturedLog().log): Promise<RunningCore> {
  const core = await startCore(e, log);
  cleanups.push(() => core.stop());
  return core;
}


describe('core (the reference multi-bot) on the Telegram emulator and a tenant database', () => {
  it('answers /start with its version and records the user; a second /start counts, not duplicates', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const tg = await emulator();
    const { lines, log } = capturedLog();
    await running(env(tg, db.url), log);
    const user = new TestUser(tg, BOT.token, 2002, { firstName: 'Ada', username: 'ada_l' });

    await user.send('/start');
    const hello = await user.waitFor('(core 1.1.0)');
    expect(hello.text).toBe('Hello, Ada! I am ref_core_bot. (core 1.1.0)');
    await user.send('/start');
    await user.next('(core 1.1.0)');

    const rows = await db.pool.query<{ telegram_id: string; first_name: string; username: string; starts: number }>('SELECT telegram_id, first_name, username, starts FROM core_users');
    expect(rows.rows).toEqual([{ telegram_id: '2002', first_name: 'Ada', username: 'ada_l', starts: 2 }]);
    expect(lines.join('\n')).not.toContain(BOT.token);
    expect(lines.some((l) => l.includes('"msg":"polling"'))).toBe(true);
  });

  it('shows the admin panel to the owner only; anyone else gets the unknown-command answer', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const tg = await emulator();
    await running(env(tg, db.url));
    const stranger = new TestUser(tg, BOT.token, 2003);
    const owner = new TestUser(tg, BOT.token, OWNER);

    await stranger.send('/start');
    await stranger.waitFor('(core 1.1.0)');
    await stranger.send('/admin');
    const refused = await stranger.next();
    expect(refused.text).toBe(UNKNOWN_COMMAND);
    await stranger.send('/nosuchcommand');
    expect((await stranger.next()).text).toBe(UNKNOWN_COMMAND);

    await owner.send('/admin');
    const panel = await owner.waitFor('Admin panel');
    expect(panel.text).toBe(['Admin panel (core 1.1.0)', 'Users: 1 (1 new in 7 days)', 'Chats served: 1', `• Served group (${SERVED.id})`, 'Joins in 7 days: 0'].join('\n'));
    expect(panel.buttons.flat().map((b) => b.text)).toEqual(['Refresh']);
    expect((await stranger.messages()).some((m) => m.text.includes('Admin panel'))).toBe(false);
  });

  it('serves the chats CHATS lists and ignores any other group', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const tg = await emulator();
    await running(env(tg, db.url));
    const inGroup = (chatId: number) => tg.server.getClient(BOT.token, { userId: 2004, chatId, type: 'supergroup', firstName: 'Grace', userName: 'grace_h', chatTitle: 'g' });

    // Updates are handled in order: once the served group's answer is there, the unlisted
    // group's /start (sent first) has been handled too.
    const unlisted = inGroup(UNLISTED);
    await unlisted.sendCommand(unlisted.makeCommand('/start'));
    const served = inGroup(SERVED.id);
    await served.sendCommand(served.makeCommand('/start'));
    const until = Date.now() + 10_000;
    while (botMessagesTo(tg, SERVED.id).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 30));

    expect(botMessagesTo(tg, SERVED.id)).toEqual(['Hello, Grace! I am ref_core_bot. (core 1.1.0)']);
    expect(botMessagesTo(tg, UNLISTED)).toEqual([]);
    // Only the served group's /start recorded the user once.
    const rows = await db.pool.query<{ starts: number }>('SELECT starts FROM core_users WHERE telegram_id = 2004');
    expect(rows.rows).toEqual([{ starts: 1 }]);
  });

  it('answers GET /healthz 200 while Telegram and the database answer, 503 naming the database once it is gone', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.0.0');
    const tg = await emulator();
    const core = await running(env(tg, db.url, '1.0.0'));
    const health = () => fetch(`http://127.0.0.1:${core.healthPort}/healthz`);

    const ok = await health();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, version: '1.0.0' });
    await db.drop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, version: '1.0.0', failing: ['database'] });
  });

  it('refuses to start without its migrations, saying which tables are missing', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.0.0');
    const tg = await emulator();
    const failed = await startCore(env(tg, db.url, '1.1.0'), capturedLog().log).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(SchemaMissingError);
    expect((failed as SchemaMissingError).missing).toEqual(['core_chat_joins']);
  });

  it('refuses to start when Telegram refuses the token', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const tg = await emulator();
    const failed = await startCore({ ...env(tg, db.url), BOT_TOKEN: '999:revoked' }, capturedLog().log).catch((error: unknown) => error);
    expect(String(failed)).toMatch(/401/);
    expect(String(failed)).not.toContain('999:revoked');
  });
});

describe('core records joins to served chats (1.1.0) for other modules', () => {
  const me = { id: BOT.id, is_bot: true as const, first_name: BOT.username, username: BOT.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false };
  const newcomer = { id: 3003, is_bot: false, first_name: 'Linus', username: 'linus_t' };
  const date = 1_760_000_000;

  it('one row per join, though Telegram tells it as a service message and a chat_member update, twice', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const config = loadConfig({ BOT_TOKEN: BOT.token, DATABASE_URL: db.url, OWNER_ID: String(OWNER), CHATS: JSON.stringify([SERVED]), BUCKFLEET_MODULE_VERSION: '1.1.0' });
    const bot = createCoreBot({ config, db: db.pool, log: capturedLog().log, botInfo: me });
    const chat = { id: SERVED.id, type: 'supergroup' as const, title: SERVED.title };
    const serviceMessage = (update_id: number, chatId = SERVED.id) => ({
      update_id,
      message: { message_id: update_id, date, chat: { ...chat, id: chatId }, from: newcomer, new_chat_members: [newcomer, { id: 77, is_bot: true, first_name: 'OtherBot' }] },
    });
    const chatMember = {
      update_id: 11,
      chat_member: { chat, from: newcomer, date: date + 2, old_chat_member: { status: 'left' as const, user: newcomer }, new_chat_member: { status: 'member' as const, user: newcomer } },
    };

    await bot.handleUpdate(serviceMessage(10));
    await bot.handleUpdate(serviceMessage(10)); // redelivered after a restart
    await bot.handleUpdate(chatMember);
    await bot.handleUpdate(serviceMessage(12, UNLISTED));

    const rows = await db.pool.query<{ update_id: string; chat_id: string; user_id: string; first_name: string }>('SELECT update_id, chat_id, user_id, first_name FROM core_chat_joins');
    expect(rows.rows).toEqual([{ update_id: '10', chat_id: String(SERVED.id), user_id: '3003', first_name: 'Linus' }]);
  });
});

describe('core configuration', () => {
  it('names every bad variable without printing its value', () => {
    const error = (() => {
      try {
        loadConfig({ BOT_TOKEN: 'has space', DATABASE_URL: 'mysql://u:hunter2@h/db', CHATS: '[{"id":1}]' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['BOT_TOKEN', 'DATABASE_URL', 'OWNER_ID', 'CHATS']);
    expect(String(error)).not.toContain('hunter2');
    expect(String(error)).toContain('OWNER_ID: is not set');
  });
});
