import { identityToRecipient } from 'age-encryption';
import { execa } from 'execa';
import { Api, GrammyError, HttpError } from 'grammy';
import { readdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import Stripe from 'stripe';
import type { Config, KeyFile } from '../app/config.js';
import { stripeApiRoot } from '../billing/stripe-api.js';
import { migrationsDir } from '../app/db/migrate.js';
import { openControlDb } from '../app/db/open.js';
import { type GitHubEndpoints, openFleetRepo, openFleetRepoForReading } from '../app/fleet-repo.js';
import { pathExists } from '../app/fs.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { MAIN } from '../fleet/repo/types.js';
import type { Secret } from '../fleet/secret.js';
import { describeFailure } from '../reconciler/resources/droplet/errors.js';
import { dotsClient } from '../reconciler/resources/droplet/client.js';
import { reachControlDb } from './control-db.js';

/**
 * `buckfleet doctor`: one check per configured connection, each answering in one line what works
 * or what does not and why. A check that is not configured says so and does not fail. No line
 * ever holds a secret: messages from outside are scrubbed of every configured secret, and
 * services' own texts (which may quote a key) are replaced by what their status means.
 */

export type CheckState = 'ok' | 'failed' | 'off';

export interface CheckResult {
  readonly name: string;
  readonly state: CheckState;
  readonly detail: string;
}

export interface DoctorOptions {
  /** GitHub's API and clone URLs when not github.com (the tests' fake). */
  readonly github?: GitHubEndpoints;
  /** Each check's time limit. */
  readonly timeoutMs?: number;
}

const ok = (name: string, detail: string): CheckResult => ({ name, state: 'ok', detail });
const failed = (name: string, detail: string): CheckResult => ({ name, state: 'failed', detail });
const off = (name: string, detail: string): CheckResult => ({ name, state: 'off', detail });

/** A check ran past its time limit: the service neither answered nor refused. */
class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
}

/** Every check, at once, in a fixed order. */
export async function runDoctor(config: Config, cwd: string, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const secrets = configuredSecrets(config);
  const guard = async (name: string, check: () => Promise<CheckResult>): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeoutError(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      });
      const result = await Promise.race([check(), limit]);
      return { ...result, detail: scrub(result.detail, secrets) };
    } catch (error) {
      return failed(name, scrub(error instanceof Error ? error.message : String(error), secrets).split('\n')[0] ?? 'failed');
    } finally {
      clearTimeout(timer);
    }
  };
  // Read once, shared: the fleet check reports it, the age check compares recipients with it.
  const main = loadedFleet(config, cwd, opts.github);
  main.catch(() => undefined); // its failure is the fleet check's to report
  return Promise.all([
    guard('control database', () => checkControlDb(config, cwd)),
    guard('fleet repo', () => checkFleetRepo(config, cwd, main)),
    guard('GitHub', () => checkGitHub(config, cwd, opts.github)),
    guard('DigitalOcean', () => checkDigitalOcean(config)),
    guard('Stripe', () => checkStripe(config)),
    guard('Telegram', () => checkTelegram(config)),
    guard('SSH key', () => checkSshKey(config.sshPrivateKeyFile, cwd)),
    guard('age identity', async () => checkAgeIdentity(config, cwd, (await main.catch(() => null))?.fleet ?? null)),
  ]);
}

/** The line of a result: ✓ works, ✗ does not and why, – not configured. */
export function formatCheck(r: CheckResult): string {
  return `${r.state === 'ok' ? '✓' : r.state === 'failed' ? '✗' : '–'} ${r.name}: ${r.detail}`;
}

function configuredSecrets(config: Config): string[] {
  const all: (Secret | null | undefined)[] = [
    config.database.kind === 'url' ? config.database.url : null,
    config.tenantDatabase.kind === 'url' ? config.tenantDatabase.url : null,
    config.github.token,
    config.github.webhookSecret,
    config.telegram.botToken,
    config.telegram.webhookSecret,
    config.stripe?.secretKey,
    config.stripe?.webhookSecret,
    config.cloud.kind === 'digitalocean' ? config.cloud.token : null,
  ];
  return all.filter((s): s is Secret => s !== null && s !== undefined).map((s) => s.reveal());
}

const scrub = (text: string, secrets: readonly string[]) => secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('[REDACTED]')), text);

async function checkControlDb(config: Config, cwd: string): Promise<CheckResult> {
  const name = 'control database';
  if (config.database.kind === 'url') {
    // openControlDb's errors name the server, never the password.
    const db = await openControlDb(config, { cwd });
    try {
      return ok(name, `${db.description}: connected, ${await migrationState(db.pool)}`);
    } finally {
      await db.close();
    }
  }
  // Local mode: the embedded server is `buckfleet up`'s; doctor joins it but never starts one.
  const reached = await reachControlDb(config, cwd);
  if (!reached.ok) return off(name, `embedded PostgreSQL in ${config.home} (local mode) is not running; buckfleet up starts it, or set DATABASE_URL`);
  try {
    return ok(name, `embedded PostgreSQL of buckfleet up (local mode): connected, ${await migrationState(reached.query)}`);
  } finally {
    await reached.close();
  }
}

/** Migrations are applied by every command that writes (up, release, reconcile), so pending ones are news, not a failure. */
async function migrationState(db: { query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }> }): Promise<string> {
  const files = (await readdir(migrationsDir())).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
  const table = await db.query<{ t: string | null }>(`SELECT to_regclass('pgmigrations')::text AS t`);
  const applied = table.rows[0]?.t == null ? new Set<string>() : new Set((await db.query<{ name: string }>('SELECT name FROM pgmigrations')).rows.map((r) => r.name));
  const pending = files.filter((f) => !applied.has(f));
  if (pending.length === 0) return `schema up to date (${files.length} migrations)`;
  return `${pending.length} of ${files.length} migrations pending (${pending.join(', ')}); buckfleet up applies them`;
}

async function loadedFleet(config: Config, cwd: string, github: GitHubEndpoints | undefined): Promise<{ revision: string; fleet: Fleet | null; problems: number }> {
  const repo = await openFleetRepoForReading(config, cwd, github);
  const snapshot = await repo.readMain();
  const loaded = loadFleet(snapshot);
  const writer = await openFleetRepo(config, cwd, github);
  const revision = (await writer.head(MAIN)) ?? '(none)';
  return loaded.ok ? { revision, fleet: loaded.fleet, problems: 0 } : { revision, fleet: null, problems: loaded.issues.length };
}

type MainFleet = Awaited<ReturnType<typeof loadedFleet>>;

async function checkFleetRepo(config: Config, cwd: string, main: Promise<MainFleet>): Promise<CheckResult> {
  const where = config.fleetRepo.kind === 'github' ? `${config.fleetRepo.owner}/${config.fleetRepo.repo}` : resolve(cwd, config.fleetRepo.path);
  const { revision, fleet, problems } = await main;
  if (fleet === null) return failed('fleet repo', `${where}: main ${revision.slice(0, 12)} does not validate (${problems} problems; buckfleet validate lists them)`);
  return ok('fleet repo', `${where}: main ${revision.slice(0, 12)} loads: fleet "${fleet.config.name}", ${fleet.tenants.size} tenants, ${fleet.hosts.size} hosts`);
}

async function checkGitHub(config: Config, cwd: string, github: GitHubEndpoints | undefined): Promise<CheckResult> {
  if (config.fleetRepo.kind !== 'github') return off('GitHub', 'FLEET_REPO is a local git repo');
  const { owner, repo } = config.fleetRepo;
  // The ref read goes through the same client as every change; its errors already say what a
  // refused token or a missing repository means, and never quote the token.
  const head = await (await openFleetRepo(config, cwd, github)).head(MAIN);
  return head === null ? failed('GitHub', `${owner}/${repo} has no ${MAIN} branch`) : ok('GitHub', `token accepted, ${owner}/${repo} reachable (main at ${head.slice(0, 12)})`);
}

async function checkDigitalOcean(config: Config): Promise<CheckResult> {
  if (config.cloud.kind !== 'digitalocean') return off('DigitalOcean', 'DIGITALOCEAN_TOKEN is not set (the local provider is used)');
  const token = config.cloud.token;
  const baseUrl = config.reconciler.digitaloceanApiUrl;
  const client = dotsClient({ token, timeoutMs: 10_000, ...(baseUrl === null ? {} : { baseUrl }) });
  try {
    const answer = await client.v2.account.get();
    const account = answer?.account;
    return ok('DigitalOcean', `token accepted: account ${account?.email ?? '?'} (${account?.status ?? '?'}, droplet limit ${account?.dropletLimit ?? '?'})`);
  } catch (error) {
    const failure = describeFailure(error, { op: 'get' }, (t) => t.split(token.reveal()).join('[REDACTED]'), Date.now());
    if (failure === null) throw error;
    if ('status' in failure) {
      if (failure.status === 401) return failed('DigitalOcean', 'the token was refused (401 Unauthorized): check DIGITALOCEAN_TOKEN');
      return failed('DigitalOcean', `the account endpoint answered ${failure.status} ${failure.code}: ${failure.message}`);
    }
    return failed('DigitalOcean', `cannot reach ${baseUrl ?? 'the DigitalOcean API'}: ${failure.message}`);
  }
}

async function checkStripe(config: Config): Promise<CheckResult> {
  if (config.stripe === null) return off('Stripe', 'STRIPE_SECRET_KEY is not set (manual payments only)');
  const stripe = new Stripe(config.stripe.secretKey.reveal(), { maxNetworkRetries: 0, timeout: 10_000, ...stripeApiRoot(config.stripe.apiUrl) });
  try {
    const balance = await stripe.balance.retrieve();
    return ok('Stripe', `key accepted (${balance.livemode ? 'live' : 'test'} mode; balance read)`);
  } catch (error) {
    // Stripe's own message quotes part of a refused key: only the kind of failure is kept.
    if (error instanceof Stripe.errors.StripeAuthenticationError) return failed('Stripe', 'the key was refused (401 authentication error): check STRIPE_SECRET_KEY');
    if (error instanceof Stripe.errors.StripePermissionError) return failed('Stripe', 'the key may not read the balance (403): a restricted key needs Balance read access');
    if (error instanceof Stripe.errors.StripeConnectionError) return failed('Stripe', `cannot reach ${config.stripe.apiUrl ?? 'api.stripe.com'}`);
    if (error instanceof Stripe.errors.StripeError) return failed('Stripe', `the balance read failed (${error.statusCode ?? '?'} ${error.type})`);
    throw error;
  }
}

async function checkTelegram(config: Config): Promise<CheckResult> {
  const token = config.telegram.botToken;
  if (token === null) return off('Telegram', 'TELEGRAM_BOT_TOKEN is not set (the bot is off)');
  try {
    const me = await new Api(token.reveal(), { apiRoot: config.telegram.apiRoot, timeoutSeconds: 10 }).getMe();
    return ok('Telegram', `bot @${me.username} (id ${me.id}) via ${config.telegram.apiRoot}`);
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)) return failed('Telegram', `the bot token was refused (${error.error_code} ${error.description}): check TELEGRAM_BOT_TOKEN`);
    if (error instanceof GrammyError) return failed('Telegram', `getMe answered ${error.error_code} ${error.description}`);
    // grammY's network error names the method, not the URL with the token.
    if (error instanceof HttpError) return failed('Telegram', `cannot reach ${config.telegram.apiRoot}`);
    throw error;
  }
}

const modeText = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** A key file: configured ones must exist; generated ones may not be yet. Null when there is a readable file at `path`. */
async function keyFilePresence(name: string, variable: string, file: KeyFile, path: string): Promise<CheckResult | null> {
  if (await pathExists(path)) {
    const mode = (await stat(path)).mode;
    if ((mode & 0o077) !== 0) return failed(name, `${path} is mode ${modeText(mode)}; it must be readable by its owner only (chmod 600 ${path})`);
    return null;
  }
  if (file.origin === 'configured') return failed(name, `${path} does not exist (${variable})`);
  return off(name, `${variable} is not set and ${path} is not generated yet (buckfleet up makes it)`);
}

async function checkSshKey(file: KeyFile, cwd: string): Promise<CheckResult> {
  const path = resolve(cwd, file.path);
  const presence = await keyFilePresence('SSH key', 'SSH_PRIVATE_KEY_FILE', file, path);
  if (presence !== null) return presence;
  // -y derives the public key, which only a well-formed private key without a passphrase gives.
  const pub = await execa('ssh-keygen', ['-y', '-P', '', '-f', path], { stdin: 'ignore', reject: false });
  if (pub.exitCode !== 0) return failed('SSH key', `${path} is not a private key ssh can use without a passphrase`);
  const print = await execa('ssh-keygen', ['-l', '-f', '-'], { input: pub.stdout, reject: false });
  const fingerprint = print.exitCode === 0 ? print.stdout.trim().split(/\s+/) : [];
  return ok('SSH key', `${path}: ${fingerprint.at(-1) ?? 'key'} ${fingerprint[1] ?? ''}`.trim());
}

async function checkAgeIdentity(config: Config, cwd: string, fleet: Fleet | null): Promise<CheckResult> {
  const name = 'age identity';
  const file = config.ageIdentityFile;
  const path = resolve(cwd, file.path);
  const presence = await keyFilePresence(name, 'AGE_IDENTITY_FILE', file, path);
  if (presence !== null) return presence;
  const line = (await readFile(path, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (line === undefined) return failed(name, `${path} holds no AGE-SECRET-KEY- line`);
  let recipient: string;
  try {
    recipient = await identityToRecipient(line);
  } catch {
    // The library's message may quote the key; only that it does not parse is said.
    return failed(name, `${path}: its AGE-SECRET-KEY- line does not parse`);
  }
  const fleetRecipient = fleet?.config.secretsRecipient;
  if (fleetRecipient !== undefined && fleetRecipient !== recipient) {
    return failed(name, `${path} is for ${recipient}, but fleet.yaml's secretsRecipient is ${fleetRecipient}: secrets sealed to that cannot be opened`);
  }
  if (config.ageRecipient !== null && config.ageRecipient !== recipient) {
    return failed(name, `${path} is for ${recipient}, but AGE_RECIPIENT is ${config.ageRecipient}: secrets sealed to that cannot be opened`);
  }
  const matches = fleetRecipient === undefined ? 'fleet.yaml has no secretsRecipient' : "matches fleet.yaml's secretsRecipient";
  return ok(name, `${path}: recipient ${recipient} (${matches})`);
}
