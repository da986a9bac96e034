import { describe, expect, it } from 'vitest';
import { HerokuExport, HerokuInputError, HerokuMapping, orphanConfigs, parseInput, planHerokuImport, slugFor, unknownMappingApps, type FleetOffer } from './plan.js';

const TOKEN = '7000000001:AAH_heroku_app_token_0123456789abcd';
const isBotToken = (t: string) => /^\d{5,16}:[A-Za-z0-9_-]{30,50}$/.test(t);
const offer: FleetOffer = { plans: ['basic', 'pro'], modules: ['core', 'welcome'], tenants: new Map([['old', 5]]) };
const mapping = (m: unknown = {}) => HerokuMapping.parse(m);

describe('planHerokuImport', () => {
  it('makes a tenant of each good app and skips each bad one whole, with reasons that quote no value', () => {
    const exp = HerokuExport.parse({
      apps: [{ name: 'bot-shop', region: { name: 'eu' } }, { name: 'bot-notoken' }, { name: 'bot-bad' }, { name: 'bot-noowner' }, { name: 'bot-old' }],
      config: {
        'bot-shop': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '42', API_KEY: 'k-secret', DATABASE_URL: 'postgres://u:pw-secret@db.example:5432/d1', 'lower-case': 'x' },
        'bot-notoken': { OWNER_TELEGRAM_ID: '43' },
        'bot-bad': { BOT_TOKEN: 'not-a-token-secret', OWNER_TELEGRAM_ID: '44' },
        'bot-noowner': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: 'someone' },
        'bot-old': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '5' },
      },
    });
    const outcomes = planHerokuImport(exp, mapping({ slug: { stripPrefix: 'bot-' }, modules: ['welcome'] }), offer, isBotToken);
    expect(outcomes.map((o) => o.kind)).toEqual(['import', 'skip', 'skip', 'skip', 'unchanged']);
    const [shop] = outcomes;
    if (shop?.kind !== 'import') throw new Error('expected an import');
    expect(shop.tenant).toMatchObject({ app: 'bot-shop', slug: 'shop', owner: 42, plan: 'basic', modules: ['welcome'] });
    expect([...shop.tenant.secrets.keys()]).toEqual(['BOT_TOKEN', 'API_KEY', 'OWNER_TELEGRAM_ID']);
    expect(shop.tenant.secrets.get('BOT_TOKEN')).toBe(TOKEN);
    expect(shop.tenant.notes).toEqual(['data: run `buckfleet db copy --from postgres://u:***@db.example:5432/d1 --to-tenant shop` once the tenant is deployed']);
    expect(shop.tenant.dropped).toEqual(['DATABASE_URL (database: moved with buckfleet db copy)', 'lower-case (not an UPPER_SNAKE_CASE name)']);
    expect(outcomes.slice(1)).toEqual([
      { kind: 'skip', app: 'bot-notoken', reason: 'no bot token: config var BOT_TOKEN is missing' },
      { kind: 'skip', app: 'bot-bad', reason: "config var BOT_TOKEN is not a bot token in @BotFather's form" },
      { kind: 'skip', app: 'bot-noowner', reason: 'owner not found: no apps.bot-noowner.owner in the mapping and config var OWNER_TELEGRAM_ID is not a Telegram user id' },
      { kind: 'unchanged', app: 'bot-old', slug: 'old' },
    ]);
    expect(JSON.stringify(outcomes.filter((o) => o.kind !== 'import'))).not.toMatch(/secret|AAH_/);
  });

  it('follows the mapping: token var, owner per app, plan, per-app slug, skip, only, dropVars', () => {
    const exp = HerokuExport.parse({
      apps: [{ name: 'a-one' }, { name: 'a-two' }, { name: 'a-three' }, { name: 'other' }],
      config: { 'a-one': { TG_TOKEN: TOKEN, HEROKU_APP_ID: 'x', BOT_TOKEN: 'stale' }, 'a-two': { TG_TOKEN: TOKEN }, 'a-three': { TG_TOKEN: TOKEN }, other: {} },
    });
    const m = mapping({ tokenVar: 'TG_TOKEN', plan: 'pro', only: ['a-one', 'a-two', 'a-three'], dropVars: ['HEROKU_APP_ID'], apps: { 'a-one': { owner: 7, slug: 'first' }, 'a-two': { skip: true }, 'a-three': { owner: 8, plan: 'gold' } } });
    const outcomes = planHerokuImport(exp, m, offer, isBotToken);
    expect(outcomes).toMatchObject([
      { kind: 'import', tenant: { slug: 'first', owner: 7, plan: 'pro', dropped: ['BOT_TOKEN (the token comes from TG_TOKEN)', 'HEROKU_APP_ID (dropVars)'] } },
      { kind: 'skip', app: 'a-two', reason: 'skipped by the mapping' },
      { kind: 'skip', app: 'a-three', reason: 'there is no plan "gold" in fleet.yaml' },
    ]);
    if (outcomes[0]?.kind === 'import') expect([...outcomes[0].tenant.secrets.keys()]).toEqual(['BOT_TOKEN']);
  });

  it('skips an app whose slug collides with an earlier one, an unknown module and another owner\'s tenant', () => {
    const exp = HerokuExport.parse({
      apps: [{ name: 'x-shop' }, { name: 'y-shop' }, { name: 'mods' }, { name: 'old' }],
      config: { 'x-shop': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '1' }, 'y-shop': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '1' }, mods: { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '1' }, old: { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '6' } },
    });
    const m = mapping({ apps: { 'x-shop': { slug: 'shop' }, 'y-shop': { slug: 'shop' }, mods: { modules: ['nope'] } } });
    expect(planHerokuImport(exp, m, offer, isBotToken).map((o) => (o.kind === 'skip' ? o.reason : o.kind))).toEqual([
      'import',
      'slug "shop" is also the slug of app x-shop',
      'no module nope in the catalog',
      'tenant "old" already exists on main with another owner',
    ]);
  });

  it('leaves apps an open import PR already proposes as pending, and refuses another owner for them', () => {
    const exp = HerokuExport.parse({
      apps: [{ name: 'shop' }, { name: 'news' }, { name: 'new-one' }],
      config: { shop: { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '1' }, news: { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '2' }, 'new-one': { BOT_TOKEN: TOKEN, OWNER_TELEGRAM_ID: '3' } },
    });
    const pending = new Map([['shop', { owner: 1, pr: 4 }], ['news', { owner: 9, pr: 4 }]]);
    expect(planHerokuImport(exp, mapping(), { ...offer, pending }, isBotToken).map((o) => (o.kind === 'skip' ? o.reason : o.kind))).toEqual([
      'pending',
      'tenant "news" is proposed with another owner in open PR #4',
      'import',
    ]);
  });

  it('names typos and strays', () => {
    const exp = HerokuExport.parse({ apps: [{ name: 'one' }], config: { one: {}, two: {} } });
    expect(unknownMappingApps(exp, mapping({ apps: { onee: {} } }))).toEqual(['onee']);
    expect(orphanConfigs(exp)).toEqual(['two']);
    expect(planHerokuImport(exp, mapping(), offer, isBotToken)).toEqual([{ kind: 'skip', app: 'one', reason: 'no bot token: config var BOT_TOKEN is missing' }]);
  });
});

describe('slugFor', () => {
  it('strips, prefixes and cleans', () => {
    expect(slugFor('acme-bot-prod', { stripPrefix: 'acme-', stripSuffix: '-prod', prefix: 'h-' })).toBe('h-bot');
    expect(slugFor('Weird__Name', { stripPrefix: '', stripSuffix: '', prefix: '' })).toBe('weird-name');
  });
});

describe('input validation', () => {
  it('names the file and the field, never the value', () => {
    const bad = { apps: [{ name: 'ok' }, { region: 'eu' }], config: { ok: { SECRET: 12345 } } };
    let error: unknown;
    try {
      parseInput(HerokuExport, bad, 'export.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HerokuInputError);
    const issues = (error as HerokuInputError).issues;
    expect(issues.map((i) => `${i.file}: ${i.field}`)).toEqual(['export.json: apps.1.name', 'export.json: config.ok.SECRET']);
    expect((error as Error).message).not.toContain('12345');
    expect(() => parseInput(HerokuMapping, { tokenVar: 'X', planz: 'basic' }, 'map.yaml')).toThrow(/map\.yaml: \(file\): Unrecognized key/);
  });
});
