import { armor, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../app/db/migrate.js';
import { Secret } from '../fleet/secret.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { testDatabase } from '../test/pg/database.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

/**
 * `buckfleet import mongo` end to end: a dump in mongoexport's format made here (half the lines
 * canonical Extended JSON, half relaxed), the real control database and a local fleet repo.
 */

const USERS = 1000;
const BOTS = 300;
const DAY = 86_400_000;
const BASE = Date.parse('2026-06-01T00:00:00Z');

const oid = (kind: number, n: number) => `${kind.toString(16).padStart(8, '0')}${n.toString(16).padStart(16, '0')}`;
const userId = (n: number) => 5_000_000_000 + n;
const token = (n: number) => `${700000000 + n}:AAH${String(n).padStart(4, '0')}_secret_token_value_abcdefghijkl`;
const expiry = (n: number) => new Date(BASE + (n % 90) * DAY).toISOString();

/** One document in either Extended JSON mode, as mongoexport writes it (--jsonFormat canonical|relaxed). */
type Val = { oid: string } | { date: string } | { long: number } | { int: number } | { dec: string } | string | number | null | { doc: Record<string, Val> };
function ejson(v: Val, canonical: boolean): unknown {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') return canonical ? (Number.isInteger(v) ? { $numberInt: String(v) } : { $numberDouble: String(v) }) : v;
  if ('oid' in v) return { $oid: v.oid };
  if ('date' in v) return canonical ? { $date: { $numberLong: String(Date.parse(v.date)) } } : { $date: v.date };
  if ('long' in v) return canonical ? { $numberLong: String(v.long) } : v.long;
  if ('int' in v) return canonical ? { $numberInt: String(v.int) } : v.int;
  if ('dec' in v) return { $numberDecimal: v.dec };
  return Object.fromEntries(Object.entries(v.doc).map(([k, x]) => [k, ejson(x, canonical)]));
}
const line = (doc: Record<string, Val>, n: number, fileCanonical: boolean) => JSON.stringify(ejson({ doc }, n % 2 === 0 ? fileCanonical : !fileCanonical));

/** The 20 broken records, by kind; the test checks each is reported at its file:line. */
interface Dump {
  readonly dir: string;
  readonly broken: { file: string; line: number; reason: RegExp }[];
  /** Bots that must become tenants: slug → expected paid-through and owner. */
  readonly good: Map<string, { paidThrough: string; owner: number; token: string }>;
}

async function makeDump(dir: string): Promise<Dump> {
  const broken: Dump['broken'] = [];
  const good: Dump['good'] = new Map();
  const users: string[] = [];
  for (let i = 1; i <= USERS; i++) {
    users.push(line({ _id: { oid: oid(1, i) }, telegram_id: { long: userId(i) }, username: `user_${i}`, first_name: `User ${i}`, language_code: i % 3 ? 'en' : 'ru', created_at: { date: '2025-01-01T00:00:00Z' } }, i, true));
  }
  // Broken users: 2 without an id, 2 duplicates, 1 negative id, 1 not JSON.
  users.push(line({ _id: { oid: oid(1, 5001) }, username: 'no_id_one' }, 0, true));
  broken.push({ file: 'users.json', line: users.length, reason: /telegram_id is missing/ });
  users.push(line({ _id: { oid: oid(1, 5002) }, telegram_id: 'abc' }, 1, true));
  broken.push({ file: 'users.json', line: users.length, reason: /not a Telegram user id/ });
  users.push(line({ _id: { oid: oid(1, 5003) }, telegram_id: { long: userId(7) }, username: 'dup_seven' }, 0, true));
  broken.push({ file: 'users.json', line: users.length, reason: /duplicate of user 5000000007 at users\.json:7/ });
  users.push(line({ _id: { oid: oid(1, 5004) }, telegram_id: { long: userId(8) } }, 1, true));
  broken.push({ file: 'users.json', line: users.length, reason: /duplicate of user/ });
  users.push(line({ _id: { oid: oid(1, 5005) }, telegram_id: { long: -42 } }, 0, true));
  broken.push({ file: 'users.json', line: users.length, reason: /not a Telegram user id/ });
  users.push('{"_id": {"$oid": "broken"');
  broken.push({ file: 'users.json', line: users.length, reason: /not valid Extended JSON/ });

  const bots: string[] = [];
  const subs: string[] = [];
  const payments: string[] = [];
  const brokenBots = new Set<number>();
  for (let b = 1; b <= BOTS; b++) {
    const owner = userId(((b * 7) % USERS) + 1);
    const doc: Record<string, Val> = {
      _id: { oid: oid(2, b) },
      owner: { doc: { id: { long: owner } } },
      token: token(b),
      username: `Shop_${b}_bot`,
      title: `Shop ${b}`,
      plan: b % 10 === 0 ? 'business' : 'start',
      created_at: { date: '2025-03-01T00:00:00Z' },
    };
    // Broken bots: 2 wrong tokens, 2 missing owners, 1 unknown plan, 1 duplicate id, 1 missing id.
    if (b === 11 || b === 12) doc.token = b === 11 ? 'not-a-token' : `${token(b)}:extra!`;
    if (b === 21 || b === 22) (doc.owner as { doc: Record<string, Val> }).doc.id = { long: 9_999_000 + b };
    if (b === 31) doc.plan = 'platinum';
    if (b === 41) delete doc._id;
    bots.push(line(doc, b, false));
    if ([11, 12, 21, 22, 31, 41].includes(b)) {
      brokenBots.add(b);
      broken.push({ file: 'bots.json', line: bots.length, reason: [11, 12].includes(b) ? /token is not a bot token/ : [21, 22].includes(b) ? /owner .* is not a user of the dump/ : b === 31 ? /plan "platinum"/ : /_id is missing/ });
    }
    subs.push(line({ _id: { oid: oid(3, b) }, bot_id: { oid: oid(2, b) }, plan: 'start', started_at: { date: new Date(Date.parse(expiry(b)) - 30 * DAY).toISOString() }, expires_at: { date: expiry(b) }, price: { dec: '9.90' }, currency: 'USD' }, b, b % 2 === 0));
    payments.push(line({ _id: { oid: oid(4, b) }, bot_id: { oid: oid(2, b) }, amount: { dec: '9.90' }, currency: 'usd', paid_at: { date: new Date(Date.parse(expiry(b)) - 60 * DAY).toISOString() }, status: 'paid', period_days: { int: 30 } }, b, b % 2 === 1));
  }
  bots.push(line({ _id: { oid: oid(2, 5) }, owner: { doc: { id: { long: userId(1) } } }, token: token(999), username: 'dup_id_bot' }, 0, false));
  broken.push({ file: 'bots.json', line: bots.length, reason: /duplicate of bot/ });
  // Broken subscriptions: 2 unparseable dates (their bots are held back), 1 without a bot.
  subs[49] = line({ _id: { oid: oid(3, 50) }, bot_id: { oid: oid(2, 50) }, expires_at: { date: 'next tuesday' } }, 0, true);
  subs[59] = line({ _id: { oid: oid(3, 60) }, bot_id: { oid: oid(2, 60) }, expires_at: 'soon' }, 1, true);
  brokenBots.add(50).add(60);
  broken.push({ file: 'subscriptions.json', line: 50, reason: /not valid Extended JSON/ }, { file: 'subscriptions.json', line: 60, reason: /expires_at/ });
  subs.push(line({ _id: { oid: oid(3, 9000) }, expires_at: { date: expiry(1) } }, 0, true));
  broken.push({ file: 'subscriptions.json', line: subs.length, reason: /bot_id is missing/ });
  // Broken payments: a bad amount and a bad date (their bots are held back), a duplicate, an unknown status.
  payments[69] = line({ _id: { oid: oid(4, 70) }, bot_id: { oid: oid(2, 70) }, amount: 'lots', paid_at: { date: expiry(70) }, status: 'paid' }, 0, true);
  payments[79] = line({ _id: { oid: oid(4, 80) }, bot_id: { oid: oid(2, 80) }, amount: { dec: '9.90' }, paid_at: { long: Number.NaN }, status: 'paid' }, 1, true);
  brokenBots.add(70).add(80);
  broken.push({ file: 'payments.json', line: 80, reason: /not valid Extended JSON|paid_at is missing or not a date/ });
  broken.push({ file: 'payments.json', line: 70, reason: /amount is missing or not an amount/ });
  payments.push(line({ _id: { oid: oid(4, 3) }, bot_id: { oid: oid(2, 3) }, amount: { dec: '9.90' }, paid_at: { date: expiry(3) }, status: 'paid' }, 0, true));
  broken.push({ file: 'payments.json', line: payments.length, reason: /duplicate of payment/ });
  payments.push(line({ _id: { oid: oid(4, 9001) }, bot_id: { oid: oid(2, 4) }, amount: { dec: '9.90' }, paid_at: { date: expiry(4) }, status: 'chargeback' }, 0, true));
  // An unknown status may have been a payment: its bot waits until the mapping says what it is.
  brokenBots.add(4);
  broken.push({ file: 'payments.json', line: payments.length, reason: /status "chargeback"/ });

  for (let b = 1; b <= BOTS; b++) {
    if (brokenBots.has(b)) continue;
    good.set(`shop-${b}-bot`, { paidThrough: expiry(b).replace('.000Z', 'Z'), owner: userId(((b * 7) % USERS) + 1), token: token(b) });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'users.json'), `${users.join('\n')}\n`);
  await writeFile(join(dir, 'bots.json'), `${bots.join('\n')}\n`);
  await writeFile(join(dir, 'subscriptions.json'), `${subs.join('\n')}\n`);
  await writeFile(join(dir, 'payments.json'), `${payments.join('\n')}\n`);
  return { dir, broken, good };
}

/** Hosts big enough that 300 tenants fit on a handful. */
const FLEET = { ...VALID_FLEET, 'fleet.yaml': `${VALID_FLEET['fleet.yaml']}defaults: { hostCapacity: 100 }\n` };

let fleet: TempBareRepo;
let identity: string;
beforeEach(async () => {
  fleet = await makeTempBareRepo(FLEET);
  identity = await generateX25519Identity();
});
afterEach(() => fleet.cleanup());

const git = (...args: string[]) => execFileSync('git', ['--git-dir', fleet.gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

describe('buckfleet import mongo', () => {
  it('imports 1,000 users and 300 bots with 20 broken records into the control database and one PR; a second run changes nothing', async (ctx) => {
    const db = await testDatabase(ctx);
    await migrate(new Secret(db.url));
    const root = join(fleet.gitDir, '..');
    const dump = await makeDump(join(root, 'dump'));
    expect(dump.broken).toHaveLength(20);
    const env = { FLEET_REPO: fleet.gitDir, DATABASE_URL: db.url, AGE_RECIPIENT: await identityToRecipient(identity), USER: 'olga', BUCKFLEET_HOME: join(root, 'home') };
    const cli = async (argv: string[]) => {
      const io = captureIo(root, env);
      const code = await run(argv, io);
      return { code, out: io.out(), err: io.err() };
    };

    // A dry run writes nothing.
    const dry = await cli(['import', 'mongo', '--from', 'dump', '--dry-run']);
    expect(dry.err).toEqual([]);
    expect(dry.out.at(-1)).toBe(`dry run: ${dump.good.size} tenants would be proposed in one PR; nothing was written`);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM telegram_users')).rows[0]).toEqual({ n: 0 });
    expect(git('for-each-ref')).not.toContain('bf/');

    const started = Date.now();
    const first = await cli(['import', 'mongo', '--from', 'dump']);
    const firstMs = Date.now() - started;
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out.slice(0, 4)).toEqual([
      `users: ${USERS} imported, 0 unchanged, 6 skipped, 0 conflicting`,
      `bots: ${dump.good.size} imported, 0 unchanged, 12 skipped, 0 conflicting`,
      expect.stringMatching(/^subscriptions: \d+ imported, 0 unchanged, \d+ skipped, 0 conflicting$/),
      expect.stringMatching(/^payments: \d+ imported, 0 unchanged, \d+ skipped, 0 conflicting$/),
    ]);
    expect(first.out).toContainEqual(expect.stringMatching(new RegExp(`^import ${dump.good.size} tenants: PR #1 open, waiting for an admin`)));
    expect(dump.good.size).toBe(BOTS - 11);

    // The report: every line of every file is one entry; each broken one at its file:line.
    const report = JSON.parse(await readFile(join(dump.dir, 'import-report.json'), 'utf8')) as { entries: { file: string; line: number; outcome: string; reason?: string }[] };
    const lines = (f: string) => execFileSync('wc', ['-l', join(dump.dir, f)], { encoding: 'utf8' }).trim().split(' ')[0];
    expect(report.entries).toHaveLength(['users.json', 'bots.json', 'subscriptions.json', 'payments.json'].reduce((n, f) => n + Number(lines(f)), 0));
    for (const b of dump.broken) {
      const e = report.entries.find((x) => x.file === b.file && x.line === b.line);
      expect(e?.outcome, `${b.file}:${b.line}`).toBe('skipped');
      expect(e?.reason, `${b.file}:${b.line}`).toMatch(b.reason);
      expect(first.out).toContainEqual(expect.stringMatching(new RegExp(`^${b.file.replace('.', '\\.')}:${b.line}: skipped: `)));
    }

    // Control database: every good user, once.
    const rows = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM telegram_users');
    expect(rows.rows[0]?.n).toBe(USERS);
    const snapshot = async () => JSON.stringify((await db.pool.query('SELECT * FROM telegram_users ORDER BY id')).rows);
    const before = await snapshot();

    // The PR branch: one tenant per good bot, paid through the subscription's expiry, token sealed.
    const refs = git('for-each-ref');
    const branch = /refs\/heads\/(bf\/tenant-import\/[^\s]+)/.exec(refs)?.[1];
    expect(branch).toBeDefined();
    const d = new Decrypter();
    d.addIdentity(identity);
    for (const slug of ['shop-1-bot', 'shop-10-bot', 'shop-299-bot']) {
      const want = dump.good.get(slug)!;
      const tenant = parse(git('show', `${branch}:tenants/${slug}/tenant.yaml`)) as { owner: { telegramUserId: number }; plan: string };
      expect(tenant.owner.telegramUserId).toBe(want.owner);
      expect(tenant.plan).toBe(slug === 'shop-10-bot' ? 'pro' : 'basic');
      const billing = parse(git('show', `${branch}:tenants/${slug}/billing.yaml`)) as { paidThrough: string; periods: { amount: { amount: number } }[] };
      expect(billing.paidThrough).toBe(want.paidThrough);
      expect(billing.periods).toHaveLength(2);
      expect(billing.periods[0]?.amount).toEqual({ amount: 990, currency: 'usd' });
      const sealed = (parse(git('show', `${branch}:tenants/${slug}/secrets.age`)) as { values: { BOT_TOKEN: string } }).values.BOT_TOKEN;
      expect(await d.decrypt(armor.decode(sealed), 'text')).toBe(want.token);
    }
    const tenantFiles = git('ls-tree', '-r', '--name-only', branch!).split('\n').filter((p) => /^tenants\/shop-\d+-bot\/tenant\.yaml$/.test(p));
    expect(tenantFiles).toHaveLength(dump.good.size);
    expect(git('show', `main:tenants/acme/tenant.yaml`)).toContain('acme');

    // No token in plaintext: not in the repo's history, the report or the output.
    const history = git('log', '--all', '-p');
    const reportText = await readFile(join(dump.dir, 'import-report.json'), 'utf8');
    for (let b = 1; b <= BOTS; b += 1) {
      for (const text of [history, reportText, first.out.join('\n'), dry.out.join('\n')]) expect(text.includes(token(b))).toBe(false);
    }

    // The second run: same refs, same rows, everything unchanged.
    const second = await cli(['import', 'mongo', '--from', 'dump']);
    expect(second.err).toEqual([]);
    expect(second.out.slice(0, 2)).toEqual([`users: 0 imported, ${USERS} unchanged, 6 skipped, 0 conflicting`, `bots: 0 imported, ${dump.good.size} unchanged, 12 skipped, 0 conflicting`]);
    expect(second.out).toContain('no new tenants: no PR opened');
    expect(git('for-each-ref')).toBe(refs);
    expect(await snapshot()).toBe(before);
    console.info(`import mongo: first run ${firstMs} ms`);
  }, 120_000);
});
