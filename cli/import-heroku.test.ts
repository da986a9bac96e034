import { armor, Decrypter } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_IDENTITY, TEST_RECIPIENT } from '../test/fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET, writeTree } from './testing.js';

/**
 * `buckfleet import heroku` against a real local fleet repo, from an export the test writes in
 * both forms: tenants land in one tenant.import PR, config vars sealed, DATABASE_URL a note, bad
 * apps skipped whole, no plaintext anywhere, and a second run changes nothing.
 */

const SHOP_TOKEN = '7000000101:AAH_heroku_shop_token_abcdefghijklmnop';
const NEWS_TOKEN = '7000000102:AAH_heroku_news_token_abcdefghijklmnop';
const NOOWNER_TOKEN = '7000000103:AAH_heroku_noowner_token_abcdefghijk';
const API_KEY = 'sk_live_heroku_api_key_must_not_leak';
const DB_PASSWORD = 'pg-password-must-not-leak';
const MALFORMED = 'malformed-token-must-not-leak';
const PLAINTEXTS = [SHOP_TOKEN, NEWS_TOKEN, NOOWNER_TOKEN, API_KEY, DB_PASSWORD, MALFORMED];

const APPS = [
  { name: 'hk-shop', region: { name: 'eu' }, stack: { name: 'heroku-22' } },
  { name: 'hk-news', region: { name: 'us' } },
  { name: 'hk-notoken' },
  { name: 'hk-badtoken' },
  { name: 'hk-noowner' },
];
const CONFIG = {
  'hk-shop': { BOT_TOKEN: SHOP_TOKEN, OWNER_TELEGRAM_ID: '4001', API_KEY, DATABASE_URL: `postgres://shopuser:${DB_PASSWORD}@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8shop` },
  'hk-news': { BOT_TOKEN: NEWS_TOKEN },
  'hk-notoken': { OWNER_TELEGRAM_ID: '4003' },
  'hk-badtoken': { BOT_TOKEN: MALFORMED, OWNER_TELEGRAM_ID: '4004' },
  'hk-noowner': { BOT_TOKEN: NOOWNER_TOKEN },
};
const MAPPING = `slug: { stripPrefix: "hk-" }
modules: [welcome]
apps:
  hk-news: { owner: 4002 }
`;

let fleet: TempBareRepo;
let root: string;
let env: Record<string, string>;

beforeEach(async () => {
  fleet = await makeTempBareRepo(VALID_FLEET);
  root = join(fleet.gitDir, '..');
  env = { FLEET_REPO: fleet.gitDir, AGE_RECIPIENT: TEST_RECIPIENT, USER: 'olga', BUCKFLEET_HOME: join(root, 'home') };
  await writeTree(root, {
    'export/apps.json': JSON.stringify(APPS),
    ...Object.fromEntries(Object.entries(CONFIG).map(([app, vars]) => [`export/config/${app}.json`, JSON.stringify(vars)])),
    'export.json': JSON.stringify({ apps: APPS, config: CONFIG }),
    'mapping.yaml': MAPPING,
  });
});
afterEach(() => fleet.cleanup());

async function cli(argv: string[]) {
  const io = captureIo(root, env);
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}
const git = (...args: string[]) => execFileSync('git', ['--git-dir', fleet.gitDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const onMain = (path: string) => git('show', `main:${path}`);

async function open(sealed: string): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(TEST_IDENTITY);
  return d.decrypt(armor.decode(sealed), 'text');
}

const SKIPS = [
  'skipped   hk-notoken: no bot token: config var BOT_TOKEN is missing',
  "skipped   hk-badtoken: config var BOT_TOKEN is not a bot token in @BotFather's form",
  'skipped   hk-noowner: owner not found: no apps.hk-noowner.owner in the mapping and config var OWNER_TELEGRAM_ID is not a Telegram user id',
];
const NOTE = '  data: run `buckfleet db copy --from postgres://shopuser:***@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8shop --to-tenant shop` once the tenant is deployed';

describe('buckfleet import heroku', () => {
  it('imports the good apps as one tenant.import PR with sealed config vars; skips the bad ones; a second run changes nothing', async () => {
    const dry = await cli(['import', 'heroku', '--from', 'export', '--mapping', 'mapping.yaml', '--dry-run']);
    expect(dry.err).toEqual([]);
    expect(dry.out).toContain('heroku import: 2 would be imported (dry run: nothing sealed or submitted), 0 in open PRs, 0 unchanged, 3 skipped');
    expect(git('for-each-ref')).not.toContain('bf/');

    const first = await cli(['import', 'heroku', '--from', 'export', '--mapping', 'mapping.yaml', '--report', 'report.json']);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out).toEqual([
      ...SKIPS,
      'import hk-shop → tenant shop (owner 4001, plan basic; secrets, sealed: BOT_TOKEN, API_KEY, OWNER_TELEGRAM_ID)',
      '  then: buckfleet module install shop welcome',
      NOTE,
      '  not copied: DATABASE_URL (database: moved with buckfleet db copy)',
      'import hk-news → tenant news (owner 4002, plan basic; secrets, sealed: BOT_TOKEN)',
      '  then: buckfleet module install news welcome',
      expect.stringMatching(/^import 2 tenants from heroku: PR #1 open, waiting for an admin \(buckfleet pr merge 1\) /),
      'heroku import: 2 imported, 0 in open PRs, 0 unchanged, 3 skipped',
    ]);

    const report = await readFile(join(root, 'report.json'), 'utf8');
    const reported = JSON.parse(report) as { pr: string };
    expect(reported.pr).toMatch(/^import 2 tenants from heroku: PR #1 open/);
    expect(reported).toMatchObject({
      dryRun: false,
      apps: [
        { app: 'hk-shop', outcome: 'imported', slug: 'shop', secrets: ['BOT_TOKEN', 'API_KEY', 'OWNER_TELEGRAM_ID'], followUps: ['then: buckfleet module install shop welcome', NOTE.trim()] },
        { app: 'hk-news', outcome: 'imported', slug: 'news', owner: 4002 },
        { app: 'hk-notoken', outcome: 'skipped', reason: 'no bot token: config var BOT_TOKEN is missing' },
        { app: 'hk-badtoken', outcome: 'skipped' },
        { app: 'hk-noowner', outcome: 'skipped' },
      ],
    });

    // Before the merge the same import (here from the one-file form) finds its apps in the open PR and leaves it as it is.
    const refs = git('for-each-ref', '--format=%(refname) %(objectname)');
    const again = await cli(['import', 'heroku', '--from', 'export.json', '--mapping', 'mapping.yaml']);
    expect(again.out).toEqual([
      'pending   hk-shop → tenant shop: in open PR #1, waiting for an admin (buckfleet pr merge 1)',
      'pending   hk-news → tenant news: in open PR #1, waiting for an admin (buckfleet pr merge 1)',
      ...SKIPS,
      'heroku import: nothing to import, 2 in open PRs, 0 unchanged, 3 skipped',
    ]);
    expect(git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refs);

    const body = (await cli(['pr', 'list'])).out.join('\n');
    expect(body).toMatch(/#1\s+tenant\.import\s+Import 2 tenants from heroku/);
    expect((await cli(['pr', 'merge', '1'])).code).toBe(0);

    const shop = parse(onMain('tenants/shop/tenant.yaml')) as { owner: unknown; plan: string };
    expect(shop).toMatchObject({ owner: { telegramUserId: 4001 }, plan: 'basic' });
    expect(parse(onMain('tenants/news/tenant.yaml'))).toMatchObject({ owner: { telegramUserId: 4002 } });
    const shopSecrets = (parse(onMain('tenants/shop/secrets.age')) as { values: Record<string, string> }).values;
    expect(Object.keys(shopSecrets).sort()).toEqual(['API_KEY', 'BOT_TOKEN', 'OWNER_TELEGRAM_ID']);
    expect(await open(shopSecrets.BOT_TOKEN!)).toBe(SHOP_TOKEN);
    expect(await open(shopSecrets.API_KEY!)).toBe(API_KEY);
    expect(await open(shopSecrets.OWNER_TELEGRAM_ID!)).toBe('4001');
    const newsSecrets = (parse(onMain('tenants/news/secrets.age')) as { values: Record<string, string> }).values;
    expect(await open(newsSecrets.BOT_TOKEN!)).toBe(NEWS_TOKEN);
    for (const slug of ['notoken', 'badtoken', 'noowner']) expect(() => onMain(`tenants/${slug}/tenant.yaml`)).toThrow();
    // The PR's text carries the follow-ups and the db copy note, its password cut out.
    const pr = await fleet.repo.getPr(1);
    expect(pr.body).toContain('After the merge: shop: then: buckfleet module install shop welcome');
    expect(pr.body).toContain(NOTE.trim());
    const log = git('log', '--all', '-p');
    expect(log).toMatch(/import 2 tenants from heroku/i);

    // Merged: the second run finds both on main and changes nothing.
    const mainBefore = git('rev-parse', 'main');
    const second = await cli(['import', 'heroku', '--from', 'export', '--mapping', 'mapping.yaml']);
    expect(second.code).toBe(0);
    expect(second.out).toEqual(['unchanged hk-shop → tenant shop: already on main', 'unchanged hk-news → tenant news: already on main', ...SKIPS, 'heroku import: nothing to import, 0 in open PRs, 2 unchanged, 3 skipped']);
    expect(git('rev-parse', 'main')).toBe(mainBefore);
    expect((await cli(['pr', 'list'])).out).toEqual(['no open change PRs']);

    for (const text of [log, pr.body, report, ...[dry, first, again, second].flatMap((r) => [...r.out, ...r.err])]) {
      for (const secret of PLAINTEXTS) expect(text).not.toContain(secret);
    }
  });

  it('an export that grew while the first PR is open proposes only the new app, in a second PR', async () => {
    expect((await cli(['import', 'heroku', '--from', 'export', '--mapping', 'mapping.yaml'])).code).toBe(0);
    const EXTRA_TOKEN = '7000000109:AAH_heroku_extra_token_abcdefghijklmno';
    await writeTree(root, { 'grown.json': JSON.stringify({ apps: [...APPS, { name: 'hk-extra' }], config: { ...CONFIG, 'hk-extra': { BOT_TOKEN: EXTRA_TOKEN, OWNER_TELEGRAM_ID: '4009' } } }) });
    const grown = await cli(['import', 'heroku', '--from', 'grown.json', '--mapping', 'mapping.yaml']);
    expect(grown.out.filter((l) => !l.startsWith('skipped') && !l.startsWith('  '))).toEqual([
      'pending   hk-shop → tenant shop: in open PR #1, waiting for an admin (buckfleet pr merge 1)',
      'pending   hk-news → tenant news: in open PR #1, waiting for an admin (buckfleet pr merge 1)',
      'import hk-extra → tenant extra (owner 4009, plan basic; secrets, sealed: BOT_TOKEN, OWNER_TELEGRAM_ID)',
      expect.stringMatching(/^import 1 tenant from heroku: PR #2 open, waiting for an admin/),
      'heroku import: 1 imported, 2 in open PRs, 0 unchanged, 3 skipped',
    ]);
    for (const pr of ['1', '2']) expect((await cli(['pr', 'merge', pr])).code).toBe(0);
    expect(Object.keys((parse(onMain('tenants/extra/secrets.age')) as { values: object }).values)).toEqual(['BOT_TOKEN', 'OWNER_TELEGRAM_ID']);
    expect((await cli(['import', 'heroku', '--from', 'grown.json', '--mapping', 'mapping.yaml'])).out.at(-1)).toBe('heroku import: nothing to import, 0 in open PRs, 3 unchanged, 3 skipped');
    expect(git('log', '--all', '-p')).not.toContain(EXTRA_TOKEN);
  });

  it('refuses an export that does not validate, naming file and field, writing nothing', async () => {
    await writeTree(root, { 'bad/apps.json': JSON.stringify([{ name: 'ok-app' }]), 'bad/config/ok-app.json': JSON.stringify({ BOT_TOKEN: 12345 }) });
    const r = await cli(['import', 'heroku', '--from', 'bad']);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`buckfleet: ${join('bad', 'config', 'ok-app.json')}: BOT_TOKEN: must be a string (as heroku config --json prints it)`]);
    const m = await cli(['import', 'heroku', '--from', 'export.json', '--mapping', 'export.json']);
    expect(m.err[0]).toBe('buckfleet: export.json: apps: Invalid input: expected record, received array; export.json: (file): Unrecognized key: "config"');
    expect(git('for-each-ref')).not.toContain('bf/');
  });
});
