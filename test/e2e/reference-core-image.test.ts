import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithHosts, docker, generateClientKey, generateHostKey, startTestHost, stopAllTestHosts, type TestHost } from '../hosts/index.js';
import { importModuleImage, relayToHost } from '../images/module-image.js';
import { applyModuleMigrations } from '../modules/migrations.js';
import { testDatabase } from '../pg/database.js';
import { startTelegramEmulator, type TelegramEmulator } from '../telegram/emulator.js';
import { TestUser } from '../telegram/user.js';

const BOT = { token: '7171:image-test-token', id: 7171, username: 'ref_core_image_bot' };
const OWNER = 4001;
const PORT = 18_480;

/**
 * The reference core as a container: its test image (node + bundle, `docker import`ed, no
 * registry) runs on a real test host with host networking, polls the emulator through a relay
 * on the host's veth, uses a tenant database on the test PostgreSQL, and is healthy.
 */
describeWithHosts('reference core image on a test host', () => {
  let host: TestHost;
  let tg: TelegramEmulator;
  let relay: Awaited<ReturnType<typeof relayToHost>>;

  beforeAll(async () => {
    const hostKey = await generateHostKey();
    const client = await generateClientKey();
    host = await startTestHost({ hostKeyFile: hostKey.privateKeyFile, authorizedKeys: client.publicKey });
    tg = await startTelegramEmulator(BOT);
    relay = await relayToHost(host, Number(new URL(tg.apiRoot).port));
  }, 120_000);

  afterAll(async () => {
    await relay?.close();
    await tg?.close();
    await stopAllTestHosts();
  }, 60_000);

  it('answers /start through the emulator with the version baked into the image, records the user, and is healthy', async (ctx) => {
    const db = await testDatabase(ctx);
    await applyModuleMigrations(db.pool, 'core', '1.1.0');
    const began = Date.now();
    const { tag, tags } = await importModuleImage(host, 'core', '1.1.0');
    const importMs = Date.now() - began;
    expect(tags).toEqual(['buckfleet-test/ref-core:1.1.0', 'ghcr.io/buckfleet/core:1.1.0']);

    // The container reaches this machine at the root side of the host's veth.
    const databaseUrl = new URL(db.url);
    databaseUrl.hostname = relay.address;
    const env = {
      BOT_TOKEN: BOT.token,
      DATABASE_URL: databaseUrl.toString(),
      OWNER_ID: String(OWNER),
      CHATS: JSON.stringify([{ id: -100_111, type: 'supergroup', title: 'Served' }]),
      TELEGRAM_API_ROOT: `http://${relay.address}:${relay.port}`,
      PORT: String(PORT),
    };
    const run = await docker(host, ['run', '-d', '--name', 'core', '--network', 'host', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), tag]);
    expect(run.exitCode, run.stderr).toBe(0);

    const user = new TestUser(tg, BOT.token, 5005, { firstName: 'Margaret' });
    await user.send('/start');
    const logs = async () => {
      const r = await docker(host, ['logs', 'core']);
      const state = await docker(host, ['inspect', '--format', '{{.State.Status}} exit={{.State.ExitCode}} {{.State.Error}}', 'core']);
      return `${state.stdout}\n${r.stdout}\n${r.stderr}`;
    };
    const hello = await user.waitFor('(core 1.1.0)', 30_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\ncontainer logs:\n${await logs()}`);
    });
    expect(hello.text).toBe(`Hello, Margaret! I am ${BOT.username}. (core 1.1.0)`);
    expect((await db.pool.query('SELECT telegram_id FROM core_users')).rows).toEqual([{ telegram_id: '5005' }]);

    // /healthz from outside the container, and module.yaml's health check command inside it.
    const health = await fetch(`http://${host.address}:${PORT}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, version: '1.1.0' });
    const probe = await docker(host, ['exec', 'core', 'node', '/app/index.cjs', 'healthcheck']);
    expect(probe.exitCode).toBe(0);
    // Not root inside, and no secret in what docker keeps of its output.
    expect((await docker(host, ['inspect', '--format', '{{.Config.User}}', 'core'])).stdout.trim()).toBe('1000:1000');
    const output = await logs();
    expect(output).toContain('"msg":"polling"');
    expect(output).not.toContain(BOT.token);
    console.info(`reference core image: imported in ${importMs} ms, answered /start ${Date.now() - began} ms after the import began`);
    await docker(host, ['rm', '-f', 'core']);
  }, 180_000);
});
