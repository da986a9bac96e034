import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { loadConfig } from '../app/config.js';
import { freePort } from '../app/db/embedded.js';
import { migrate } from '../app/db/migrate.js';
import { Secret } from '../fleet/secret.js';
import { startFakeDigitalOcean } from '../test/fake-do/index.js';
import { startFakeGitHub } from '../test/fake-github/index.js';
import { FakeStripe } from '../test/fake-stripe/index.js';
import { makeTempBareRepo } from '../test/git.js';
import { testDatabase } from '../test/pg/database.js';
import { startTelegramEmulator } from '../test/telegram/emulator.js';
import { runDoctor } from './doctor.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

/**
 * `buckfleet doctor` against the real things and the fakes: real PostgreSQL, a real local fleet
 * repo, fake DigitalOcean, Stripe and GitHub, the Telegram emulator, real key files.
 */

const OWN_BOT = { token: '7000000031:AAdoctorTestTokenForTheEmulator012345', id: 7_000_000_031, username: 'buckfleet_doctor_bot' };
const WEBHOOK = 'whsec_doctorTestWebhookSecret0123456789';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Everything configured and working; `env` is what a good setup sets. */
async function world(ctx: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'buckfleet-doctor-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const fleet = await makeTempBareRepo({ ...VALID_FLEET, 'fleet.yaml': `${VALID_FLEET['fleet.yaml']}secretsRecipient: ${recipient}\n` });
  cleanups.push(fleet.cleanup);
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const doFake = await startFakeDigitalOcean();
  cleanups.push(() => doFake.close());
  const stripe = await FakeStripe.start();
  cleanups.push(() => stripe.close());
  const emulator = await startTelegramEmulator(OWN_BOT);
  cleanups.push(() => emulator.close());
  const sshKey = join(dir, 'ssh_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'doctor-test', '-f', sshKey]);
  const ageFile = join(dir, 'age-identity.txt');
  await writeFile(ageFile, `# test identity\n${identity}\n`, { mode: 0o600 });
  const env: Record<string, string> = {
    BUCKFLEET_HOME: join(dir, 'home'),
    DATABASE_URL: db.url,
    FLEET_REPO: fleet.gitDir,
    DIGITALOCEAN_TOKEN: doFake.token,
    DIGITALOCEAN_API_URL: doFake.url,
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK,
    STRIPE_API_URL: stripe.url,
    TELEGRAM_BOT_TOKEN: OWN_BOT.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    SSH_PRIVATE_KEY_FILE: sshKey,
    AGE_IDENTITY_FILE: ageFile,
  };
  const doctor = async (overrides: Record<string, string> = {}) => {
    const io = captureIo(dir, { ...env, ...overrides });
    const code = await run(['doctor'], io);
    return { code, out: io.out(), err: io.err() };
  };
  return { dir, env, db, doFake, stripe, fleet, sshKey, ageFile, recipient, doctor };
}

/** No configured secret may appear in what doctor printed. */
function expectNoSecret(lines: readonly string[], env: Record<string, string>): void {
  const text = lines.join('\n');
  const dbPassword = new URL(env.DATABASE_URL ?? 'postgres://x@y/z').password;
  for (const secret of [env.DIGITALOCEAN_TOKEN, env.STRIPE_SECRET_KEY, WEBHOOK, env.TELEGRAM_BOT_TOKEN, dbPassword]) {
    if (secret !== undefined && secret !== '') expect(text).not.toContain(secret);
  }
  expect(text).not.toContain('AGE-SECRET-KEY-');
}

describe('buckfleet doctor', () => {
  it('all good: one ✓ line per configured connection, – for GitHub (a local fleet repo), exit 0', async (ctx) => {
    const w = await world(ctx);
    const r = await w.doctor();
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([
      expect.stringMatching(/^✓ control database: postgres:\/\/.*@127\.0\.0\.1:\d+\/t_[0-9a-f]+: connected, schema up to date \(\d+ migrations\)$/),
      expect.stringMatching(new RegExp(`^✓ fleet repo: ${w.fleet.gitDir}: main [0-9a-f]{12} loads: fleet "acme", 3 tenants, 1 hosts$`)),
      '– GitHub: FLEET_REPO is a local git repo',
      '✓ DigitalOcean: token accepted: account ops@fleet.example (active, droplet limit 25)',
      '✓ Stripe: key accepted (test mode; balance read)',
      `✓ Telegram: bot @${OWN_BOT.username} (id ${OWN_BOT.id}) via ${w.env.TELEGRAM_API_ROOT}`,
      expect.stringMatching(new RegExp(`^✓ SSH key: ${w.sshKey}: \\(ED25519\\) SHA256:\\S+$`)),
      `✓ age identity: ${w.ageFile}: recipient ${w.recipient} (matches fleet.yaml's secretsRecipient)`,
    ]);
    expect(r.code).toBe(0);
    expect(w.doFake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v2/account']);
    expect(w.stripe.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['GET /v1/balance 200']);
    expectNoSecret(r.out, w.env);

    // Pending migrations are news, not a failure: up, release and reconcile apply them.
    await w.db.pool.query(`DELETE FROM pgmigrations WHERE name = (SELECT max(name) FROM pgmigrations)`);
    const pending = await w.doctor();
    expect(pending.out[0]).toMatch(/^✓ control database: .*: connected, 1 of \d+ migrations pending \(\d{4}_\w+\); buckfleet up applies them$/);
    expect(pending.code).toBe(0);
  });

  it('bad tokens and keys: ✗ with the reason, exit 1, no secret printed', async (ctx) => {
    const w = await world(ctx);
    const dbUrl = new URL(w.env.DATABASE_URL!);
    dbUrl.password = 'wrong-db-password-do-not-print';
    await chmod(w.sshKey, 0o644);
    await writeFile(w.ageFile, `${await generateX25519Identity()}\n`, { mode: 0o600 });
    const bad = {
      DATABASE_URL: dbUrl.toString(),
      DIGITALOCEAN_TOKEN: 'dop_v1_wrongTokenDoNotPrint0123456789',
      STRIPE_SECRET_KEY: 'sk_test_wrongKeyDoNotPrint0123456789',
      TELEGRAM_BOT_TOKEN: '7000000099:AAwrongBotTokenDoNotPrint0123456789ab',
    };
    const r = await w.doctor(bad);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      expect.stringMatching(/^✗ control database: .*(password|authentication)/),
      expect.stringMatching(/^✓ fleet repo: /),
      '– GitHub: FLEET_REPO is a local git repo',
      '✗ DigitalOcean: the token was refused (401 Unauthorized): check DIGITALOCEAN_TOKEN',
      '✗ Stripe: the key was refused (401 authentication error): check STRIPE_SECRET_KEY',
      '✗ Telegram: the bot token was refused (401 Unauthorized): check TELEGRAM_BOT_TOKEN',
      `✗ SSH key: ${w.sshKey} is mode 0644; it must be readable by its owner only (chmod 600 ${w.sshKey})`,
      expect.stringMatching(new RegExp(`^✗ age identity: ${w.ageFile} is for age1\\w+, but fleet.yaml's secretsRecipient is ${w.recipient}: secrets sealed to that cannot be opened$`)),
    ]);
    expectNoSecret([...r.out, ...r.err], { ...w.env, ...bad });
    expect(r.out.join('\n')).not.toContain('DoNotPrint');

    // A file that is no key at all.
    await writeFile(w.sshKey, 'not a key\n', { mode: 0o600 });
    await chmod(w.sshKey, 0o600);
    await writeFile(w.ageFile, 'AGE-SECRET-KEY-1NOTAKEY\n', { mode: 0o600 });
    const garbled = await w.doctor();
    expect(garbled.out.slice(6)).toEqual([
      `✗ SSH key: ${w.sshKey} is not a private key ssh can use without a passphrase`,
      `✗ age identity: ${w.ageFile}: its AGE-SECRET-KEY- line does not parse`,
    ]);
  });

  it('unreachable services: ✗ cannot reach, exit 1, within the time limit', async (ctx) => {
    const w = await world(ctx);
    // Free right now: nothing listens there.
    const port = await freePort();
    const r = await w.doctor({
      DATABASE_URL: `postgres://buckfleet:unreachable-pw@127.0.0.1:${port}/control`,
      DIGITALOCEAN_API_URL: `http://127.0.0.1:${port}`,
      STRIPE_API_URL: `http://127.0.0.1:${port}`,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    });
    expect(r.code).toBe(1);
    expect(r.out.slice(0, 6)).toEqual([
      expect.stringMatching(new RegExp(`^✗ control database: the control database at postgres://buckfleet@127\\.0\\.0\\.1:${port}/control is unreachable`)),
      expect.stringMatching(/^✓ fleet repo: /),
      '– GitHub: FLEET_REPO is a local git repo',
      expect.stringMatching(new RegExp(`^✗ DigitalOcean: cannot reach http://127\\.0\\.0\\.1:${port}: `)),
      `✗ Stripe: cannot reach http://127.0.0.1:${port}`,
      `✗ Telegram: cannot reach http://127.0.0.1:${port}`,
    ]);
    expect(r.out.join('\n')).not.toContain('unreachable-pw');
  });

  it('nothing configured but the fleet repo: – lines, exit 0', async () => {
    const fleet = await makeTempBareRepo(VALID_FLEET);
    cleanups.push(fleet.cleanup);
    const home = join(fleet.gitDir, '..', 'home');
    const io = captureIo(join(fleet.gitDir, '..'), { FLEET_REPO: fleet.gitDir, BUCKFLEET_HOME: home });
    expect(await run(['doctor'], io)).toBe(0);
    expect(io.out()).toEqual([
      `– control database: embedded PostgreSQL in ${home} (local mode) is not running; buckfleet up starts it, or set DATABASE_URL`,
      expect.stringMatching(/^✓ fleet repo: /),
      '– GitHub: FLEET_REPO is a local git repo',
      '– DigitalOcean: DIGITALOCEAN_TOKEN is not set (the local provider is used)',
      '– Stripe: STRIPE_SECRET_KEY is not set (manual payments only)',
      '– Telegram: TELEGRAM_BOT_TOKEN is not set (the bot is off)',
      `– SSH key: SSH_PRIVATE_KEY_FILE is not set and ${join(home, 'keys/ssh_ed25519')} is not generated yet (buckfleet up makes it)`,
      `– age identity: AGE_IDENTITY_FILE is not set and ${join(home, 'keys/age-identity.txt')} is not generated yet (buckfleet up makes it)`,
    ]);
  });

  it('GitHub: a valid token reaches the repo; a refused token says so (fake GitHub)', async () => {
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    await github.seed('main', VALID_FLEET);
    const home = await mkdtemp(join(tmpdir(), 'buckfleet-doctor-gh-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const endpoints = { baseUrl: github.url, cloneUrl: `file://${github.gitDir}` };
    const config = (token: string) => loadConfig({ FLEET_REPO: `${github.owner}/${github.repo}`, GITHUB_TOKEN: token, BUCKFLEET_HOME: home });

    const good = await runDoctor(config(github.token), home, { github: endpoints });
    const goodLine = good.find((c) => c.name === 'GitHub');
    expect(goodLine?.state).toBe('ok');
    expect(goodLine?.detail).toMatch(new RegExp(`^token accepted, ${github.owner}/${github.repo} reachable \\(main at [0-9a-f]{12}\\)$`));
    expect(good.find((c) => c.name === 'fleet repo')?.state).toBe('ok');

    const bad = await runDoctor(config('ghp_wrongTokenDoNotPrint0123456789'), home, { github: endpoints });
    const badLine = bad.find((c) => c.name === 'GitHub');
    expect(badLine?.state).toBe('failed');
    expect(badLine?.detail).toMatch(/401 Bad credentials.*set a valid GITHUB_TOKEN$/);
    expect(JSON.stringify(bad)).not.toContain('ghp_wrongTokenDoNotPrint');
  });
});
