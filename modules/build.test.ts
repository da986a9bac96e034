import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { botMessagesTo, stopAfterEach } from '../test/modules/chats.js';
import { applyModuleMigrations } from '../test/modules/migrations.js';
import { testDatabase } from '../test/pg/database.js';
import { startTelegramEmulator } from '../test/telegram/emulator.js';
import { TestUser } from '../test/telegram/user.js';
import { buildModule, bundledModules } from './build.js';

const out = mkdtempSync(join(tmpdir(), 'bf-bundles-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const stopLater = stopAfterEach();
const BOT = { token: '8181:bundle-test-token', id: 8181, username: 'ref_bundle_bot' };

/**
 * The bundles are what the images run, so they are run here as `node index.cjs` with nothing
 * beside them: bundling changes code (esbuild once renamed abort-controller's AbortSignal class,
 * and every getMe of grammY failed in the bundle while the sources worked).
 */
describe('module bundles (modules/build.ts)', () => {
  it('finds the three reference modules', async () => {
    expect(await bundledModules()).toEqual(['core', 'scheduled-posts', 'welcome']);
  });

  it('core bundle, run by plain node, answers /start through the emulator and stops on SIGTERM', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const tg = await startTelegramEmulator(BOT);
    stopLater(() => tg.close());
    const bundle = await buildModule('core', out);
    const env = { BOT_TOKEN: BOT.token, DATABASE_URL: db.url, OWNER_ID: '1', TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0', BUCKFLEET_MODULE_VERSION: '1.1.0' };
    const child = execa('node', [bundle], { env, extendEnv: false, cwd: out, reject: false });
    stopLater(async () => void (child.kill('SIGKILL'), await child));
    const user = new TestUser(tg, BOT.token, 9009, { firstName: 'Kath' });
    await user.send('/start');
    expect((await user.waitFor('(core 1.1.0)', 15_000)).text).toBe('Hello, Kath! I am ref_bundle_bot. (core 1.1.0)');
    child.kill('SIGTERM');
    const ended = await child;
    expect(ended.exitCode).toBe(0);
    expect(ended.stdout).toContain('"msg":"polling"');
  }, 60_000);

  it('scheduled-posts bundle sends a due post; a bad environment exits 1 naming the variable', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'scheduled-posts', '1.0.0');
    await db.pool.query("INSERT INTO scheduled_posts (chat_id, text, due_at) VALUES (-100123, 'From the bundle', now() - interval '1 minute')");
    const tg = await startTelegramEmulator(BOT);
    stopLater(() => tg.close());
    const bundle = await buildModule('scheduled-posts', out);
    const env = { BOT_TOKEN: BOT.token, DATABASE_URL: db.url, CHATS: '[{"id":-100123,"type":"channel"}]', TELEGRAM_API_ROOT: tg.apiRoot, PORT: '0' };
    const child = execa('node', [bundle], { env, extendEnv: false, cwd: out, reject: false });
    stopLater(async () => void (child.kill('SIGKILL'), await child));
    const until = Date.now() + 15_000;
    while (botMessagesTo(tg, -100123).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(botMessagesTo(tg, -100123)).toEqual(['From the bundle']);

    const bad = await execa('node', [bundle], { env: { ...env, DATABASE_URL: 'mysql://u:hunter2@h/d' }, extendEnv: false, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(bad.stderr).not.toContain('hunter2');
  }, 60_000);
});
