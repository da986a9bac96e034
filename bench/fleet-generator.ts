import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { FleetFiles } from '../fleet/model.js';
import { billingFile, catalogFile, FLEET_FILE, hostFile, secretsFile, tenantFile } from '../fleet/paths.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import { seeded } from '../test/seeded.js';

/**
 * A deterministic, valid fleet tree of N tenants for benchmarks: realistic modules at various
 * versions (core always, some welcome and scheduled-posts), billing in an active / past_due /
 * suspended mix with paid periods, about 70% of tenants on shared hosts (never over capacity) and
 * the rest dedicated, and a secrets.age per tenant.
 *
 * Secrets are one value sealed once with age (to {@link BENCH_RECIPIENT}), made distinct per
 * tenant by {@link sealedTokenOf}: the benchmarks measure load, validation and planning, not
 * encryption, but each tenant's secrets.age is a blob of its own, as in a real fleet.
 */

/** The recipient the fixed secret is sealed to; fleet.yaml names it. Its identity is not kept: nothing here decrypts. */
export const BENCH_RECIPIENT = 'age1nkn7rzhwnr3c9rtglpnh67qkpm98mlq7nmy4rd85fcykcydhngysg68mzx';
/** A real age ciphertext (armored) of a placeholder bot token, sealed to {@link BENCH_RECIPIENT}. */
const BENCH_SEALED_TOKEN = [
  '-----BEGIN AGE ENCRYPTED FILE-----',
  'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBWb3orR3R4VzZrakNleDZo',
  'MWIwS2srQVVBdjJQcXoyVVk2dWZGaGZhQ3l3Cit5KzhaTzA5VG95ekcvalVRK0FQ',
  'U3Y2L1lEc0pxekJudmxWNm9rNDFDWDQKLS0tIGQ1ZXJkTmwvTjB0MSthV2hoOW5K',
  'a0dnalZZMVBON2dxY0hIVlIzWElNUkEKQ3Yl+kNSdCtRLcJP7Lh9Cv0JB/mWnJQZ',
  'MLeTYJqDu9H+4+bIOk/euHz9GZLSXRQzPuhCapr5K7+F1z3nqe0zBnj84OY+JvZD',
  'XVSnstlPDf4=',
  '-----END AGE ENCRYPTED FILE-----',
  '',
].join('\n');

/**
 * {@link BENCH_SEALED_TOKEN} with the first 6 bytes of its last armor line set to tenant `i`'s
 * number: still an armored age file (the loader checks the armor and the age header, which are
 * untouched), no longer decryptable (nothing here decrypts), and a different git blob per tenant.
 */
export function sealedTokenOf(i: number): string {
  const lines = BENCH_SEALED_TOKEN.split('\n');
  const last = lines.length - 3;
  const stamp = Buffer.alloc(6);
  stamp.writeUIntBE(i, 0, 6);
  // 6 bytes are exactly 8 base64 characters: the rest of the line keeps its alignment and padding.
  lines[last] = stamp.toString('base64') + (lines[last] ?? '').slice(8);
  return lines.join('\n');
}

export const BENCH_FLEET_NAME = 'bench-fleet';
export const BENCH_NOW = '2026-03-15T00:00:00Z';
/** Tenants a shared host holds at most (its `capacity`); hosts are filled to {@link SHARED_FILL} of it. */
export const SHARED_HOST_CAPACITY = 250;
const SHARED_FILL = 0.8;

/** Module versions the generated catalog releases, with what each requires of core. */
export const BENCH_CATALOG: Readonly<Record<string, Readonly<Record<string, { readonly requiresCore?: string; readonly daysAgo: number }>>>> = {
  core: { '1.0.0': { daysAgo: 180 }, '1.1.0': { daysAgo: 90 }, '1.2.0': { daysAgo: 20 } },
  welcome: { '1.0.0': { requiresCore: '>=1.1 <2', daysAgo: 60 }, '1.1.0': { requiresCore: '>=1.2 <2', daysAgo: 10 } },
  'scheduled-posts': { '1.0.0': { daysAgo: 120 }, '1.1.0': { requiresCore: '>=1.1 <2', daysAgo: 15 } },
};
const CORE_VERSIONS = ['1.0.0', '1.1.0', '1.1.0', '1.2.0', '1.2.0', '1.2.0'];
const REGIONS = ['fra1', 'ams3', 'nyc3', 'sfo3', 'sgp1', 'lon1'];

export interface GeneratorOptions {
  readonly tenants: number;
  /** Same seed, same tree. Default 1. */
  readonly seed?: number;
  /** The clock the tree is built around (creation dates, paid periods). Default {@link BENCH_NOW}. */
  readonly now?: string;
  /** Share of tenants on shared hosts, 0..1. Default 0.7. */
  readonly sharedShare?: number;
}

export interface GeneratedFleet {
  readonly files: FleetFiles;
  readonly counts: { readonly tenants: number; readonly shared: number; readonly dedicated: number; readonly hosts: number; readonly billing: Readonly<Record<string, number>> };
}

const DAY = 86_400_000;
const PERIOD_DAYS = 30;

export function generateFleet(opts: GeneratorOptions): GeneratedFleet {
  const random = seeded(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const nowMs = Date.parse(opts.now ?? BENCH_NOW);
  const at = (days: number) => new Date(nowMs + days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const usd = (amount: number) => ({ amount, currency: 'usd' });
  const files = new Map<string, string>();

  files.set(
    FLEET_FILE,
    stringify({
      name: BENCH_FLEET_NAME,
      plans: {
        basic: { title: 'Basic', price: usd(500), placement: 'shared', maxModules: 3, stripePriceId: 'price_basic123' },
        pro: { title: 'Pro', price: usd(2000), placement: 'dedicated', size: 's-1vcpu-2gb', stripePriceId: 'price_pro123' },
      },
      billing: { graceDays: 3, manualPayments: { enabled: true, instructions: 'Pay by bank transfer.' } },
      mergePolicy: { default: 'review', kinds: { 'module.update': 'auto', 'billing.record': 'auto' } },
      admins: [100_001],
      secretsRecipient: BENCH_RECIPIENT,
    }),
  );
  for (const [name, versions] of Object.entries(BENCH_CATALOG)) {
    files.set(
      catalogFile(name),
      stringify({
        name,
        title: { en: name },
        versions: Object.fromEntries(
          Object.entries(versions).map(([v, r]) => [v, { image: `ghcr.io/bench/${name}:${v}`, releasedAt: at(-r.daysAgo), ...(r.requiresCore ? { requires: { core: r.requiresCore } } : {}) }]),
        ),
      }),
    );
  }

  const sharedShare = opts.sharedShare ?? 0.7;
  const perHost = Math.floor(SHARED_HOST_CAPACITY * SHARED_FILL);
  const sharedWanted = Math.round(opts.tenants * sharedShare);
  const hostCount = Math.ceil(sharedWanted / perHost);
  const hostNames: string[] = [];
  for (let h = 0; h < hostCount; h++) {
    const name = `shared-${String(h + 1).padStart(4, '0')}`;
    hostNames.push(name);
    files.set(hostFile(name), stringify({ name, region: REGIONS[h % REGIONS.length], size: 's-4vcpu-8gb', capacity: SHARED_HOST_CAPACITY }));
  }

  const billing: Record<string, number> = { active: 0, past_due: 0, suspended: 0 };
  let shared = 0;
  for (let i = 0; i < opts.tenants; i++) {
    const slug = `t${String(i).padStart(6, '0')}-${pick(['shop', 'news', 'club', 'bot', 'chat', 'cafe'])}`;
    const isShared = shared < sharedWanted && (random() < sharedShare || opts.tenants - i <= sharedWanted - shared);
    const core = pick(CORE_VERSIONS);
    const modules: Record<string, { version: string; channel?: string; config?: Record<string, string | number | boolean> }> = {
      core: { version: core, channel: random() < 0.5 ? 'auto' : 'notify', config: { BOT_NAME: slug, LOG_LEVEL: pick(['info', 'debug', 'warn']) } },
    };
    if (core !== '1.0.0' && random() < 0.45) modules.welcome = { version: core === '1.2.0' ? pick(['1.0.0', '1.1.0']) : '1.0.0', config: { GREETING: `Welcome to ${slug}!`, SHOW_MENU: random() < 0.5 } };
    if (random() < 0.3) modules['scheduled-posts'] = { version: core === '1.0.0' ? '1.0.0' : pick(['1.0.0', '1.1.0']), config: { TIMEZONE: pick(['UTC', 'Europe/Berlin', 'America/New_York']), MAX_POSTS: 10 + Math.floor(random() * 90) } };
    const chats = Array.from({ length: Math.floor(random() * 3) }, (_, c) => ({ id: -1_001_000_000_000 - i * 10 - c, type: pick(['group', 'supergroup', 'channel']), title: `${slug} chat ${c + 1}` }));
    const createdDays = 30 + Math.floor(random() * 300);
    files.set(
      tenantFile(slug),
      stringify({
        slug,
        owner: { telegramUserId: 200_000 + i, ...(random() < 0.6 ? { username: `owner_${i}` } : {}), language: pick(['en', 'ru']) },
        plan: isShared ? 'basic' : 'pro',
        placement: isShared ? { type: 'shared', host: hostNames[Math.floor(shared / perHost)] } : { type: 'dedicated', region: pick(REGIONS), size: 's-1vcpu-2gb' },
        modules,
        chats,
        createdAt: at(-createdDays),
      }),
    );
    if (isShared) shared++;

    // Billing: monthly periods from creation; active ones run into the future, past_due ones
    // ended a day ago with the renewal invoice failed, suspended ones ended weeks ago.
    const roll = random();
    const status = roll < 0.8 ? 'active' : roll < 0.92 ? 'past_due' : 'suspended';
    billing[status] = (billing[status] ?? 0) + 1;
    const lastEnd = status === 'active' ? 1 + Math.floor(random() * 29) : status === 'past_due' ? -1 : -20 - Math.floor(random() * 40);
    const count = Math.min(6, Math.max(1, Math.floor((createdDays + lastEnd) / PERIOD_DAYS)));
    const key = slug.replace(/-/g, '_');
    const periods = Array.from({ length: count }, (_, k) => {
      const end = lastEnd - (count - 1 - k) * PERIOD_DAYS;
      return { id: `in_${key}_${k + 1}`, start: at(end - PERIOD_DAYS), end: at(end), source: 'stripe', amount: usd(isShared ? 500 : 2000) };
    });
    const stripe = { customerId: `cus_B${i}`, subscriptionId: `sub_B${i}` };
    files.set(
      billingFile(slug),
      stringify({
        status,
        ...(status === 'active' ? {} : { statusReason: status === 'past_due' ? 'renewal payment failed' : 'unpaid for more than the grace days', statusSince: at(lastEnd) }),
        paidThrough: periods[periods.length - 1]!.end,
        autoRenew: status === 'active',
        stripe,
        periods,
        ...(status === 'past_due'
          ? { failedInvoices: [{ id: `in_${key}_${count + 1}`, at: at(lastEnd), periodEnd: at(lastEnd + PERIOD_DAYS), amount: usd(isShared ? 500 : 2000) }] }
          : {}),
      }),
    );
    files.set(secretsFile(slug), stringify({ values: { BOT_TOKEN: sealedTokenOf(i) } }));
  }
  return { files, counts: { tenants: opts.tenants, shared, dedicated: opts.tenants - shared, hosts: hostCount, billing } };
}

/** Writes the tree as plain files under `dir`, a few at a time. */
export async function writeFleetDir(dir: string, files: FleetFiles): Promise<void> {
  const dirs = new Set([...files.keys()].map((p) => dirname(join(dir, p))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  const entries = [...files];
  for (let i = 0; i < entries.length; i += 64) {
    await Promise.all(entries.slice(i, i + 64).map(([path, text]) => writeFile(join(dir, path), text)));
  }
}

const git = promisify(execFile);

/**
 * Creates a bare fleet repo at `gitDir` (must not exist) whose `main` holds the tree as its one
 * commit, with plain git (`add` from a scratch work tree, then packed): LocalFleetRepo.init hashes every blob
 * at once and runs out of file descriptors past some 20k files. Opens it as a LocalFleetRepo.
 */
export async function writeFleetRepo(gitDir: string, files: FleetFiles): Promise<LocalFleetRepo> {
  const work = await mkdtemp(join(dirname(gitDir), 'work-'));
  try {
    await writeFleetDir(work, files);
    const isolated = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    await git('git', ['init', '--quiet', '--bare', '--initial-branch=main', gitDir], { env: isolated });
    const env = { ...isolated, GIT_DIR: gitDir, GIT_WORK_TREE: work, GIT_INDEX_FILE: join(dirname(gitDir), `${basename(work)}.index`) };
    const opts = { env, maxBuffer: 16 * 1024 * 1024 };
    await git('git', ['add', '--all'], opts);
    const tree = (await git('git', ['write-tree'], opts)).stdout.trim();
    const ident = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: '2026-03-15T00:00:00Z', GIT_COMMITTER_DATE: '2026-03-15T00:00:00Z' };
    const commit = (await git('git', ['commit-tree', tree, '-m', 'Generated fleet'], { ...opts, env: { ...env, ...ident } })).stdout.trim();
    await git('git', ['update-ref', 'refs/heads/main', commit], opts);
    // Packed, as a clone or a mirror is: 30k loose objects alone take git seconds to read.
    await git('git', ['repack', '-adq'], opts);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(`${work}.index`, { force: true });
  }
  return LocalFleetRepo.open(gitDir);
}
