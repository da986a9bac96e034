import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING_YAML } from './default-mapping.js';
import { MappingError, parseMapping } from './mapping.js';
import { BadRecordError, countEntries, importRequestId, type Mapped, mapLine, minorUnits, planImport, slugOf, valueAt } from './plan.js';

/** The pure part of the mongo import: Extended JSON lines → records → a plan, without I/O. */

const mapping = parseMapping(DEFAULT_MAPPING_YAML, 'default');
const TOKEN = '7001234567:AAH_unit_test_token_value_0123456789ab';
const none = { onMain: new Map(), inOpenPr: new Map() };

function map(collection: 'users' | 'bots' | 'subscriptions' | 'payments', doc: unknown, line = 1): Mapped | BadRecordError {
  try {
    return mapLine(collection, JSON.stringify(doc), { file: `${collection}.json`, line }, mapping);
  } catch (error) {
    if (error instanceof BadRecordError) return error;
    throw error;
  }
}

const user = (id: unknown, extra: object = {}) => ({ _id: { $oid: '65a1b2c3d4e5f60718293a4b' }, telegram_id: id, ...extra });
const bot = (id: string, owner: unknown, extra: object = {}) => ({ _id: { $oid: id }, owner: { id: owner }, token: TOKEN, username: 'My_Shop_bot', plan: 'start', ...extra });
const OID = '65a1b2c3d4e5f60718293a01';

describe('mapping', () => {
  it('the shipped mapping parses; a wrong one names the field', () => {
    expect(mapping.users.id).toBe('telegram_id');
    expect(mapping.amounts).toEqual({ unit: 'major', currency: 'usd' });
    expect(() => parseMapping('users: { file: ../etc/passwd }', 'm.yaml')).toThrow(MappingError);
    try {
      parseMapping(DEFAULT_MAPPING_YAML.replace('owner: owner.id', 'owner: "owner..id"'), 'm.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).problems).toEqual([{ field: 'bots.owner', message: 'must be a dotted field path such as owner.id' }]);
    }
  });
});

describe('Extended JSON values', () => {
  it('reads users in canonical and relaxed mode alike', () => {
    const canonical = map('users', user({ $numberLong: '5000000001' }, { username: 'bob_the', created_at: { $date: { $numberLong: '1735689600000' } } }));
    const relaxed = map('users', user(5000000001, { username: 'bob_the', created_at: { $date: '2025-01-01T00:00:00Z' } }));
    expect(canonical).toEqual(relaxed);
    expect(canonical).toMatchObject({ user: { id: 5000000001, username: 'bob_the', createdAt: '2025-01-01T00:00:00Z' } });
  });

  it('amounts become minor units without floating point', () => {
    expect(minorUnits('9.99', 'major')).toBe(999);
    expect(minorUnits(9.9, 'major')).toBe(990);
    expect(minorUnits('9.900', 'major')).toBe(990);
    expect(minorUnits('9.999', 'major')).toBeNull();
    expect(minorUnits('990', 'minor')).toBe(990);
    expect(minorUnits('-1', 'major')).toBeNull();
    const p = map('payments', { _id: { $oid: OID }, bot_id: { $oid: OID }, amount: { $numberDecimal: '19.90' }, paid_at: { $date: '2026-01-01T00:00:00Z' }, status: 'paid', period_days: { $numberInt: '31' } });
    expect(p).toMatchObject({ payment: { period: { id: `mongo-pay-${OID}`, start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z', amount: { amount: 1990, currency: 'usd' }, source: 'import' } } });
  });

  it('follows dotted paths and makes slugs of bot names', () => {
    expect(valueAt({ owner: { id: 5 } }, 'owner.id')).toBe(5);
    expect(valueAt({ owner: 5 }, 'owner.id')).toBeUndefined();
    expect(slugOf('@My_Shop_bot')).toBe('my-shop-bot');
    expect(slugOf('x')).toBeNull();
  });
});

describe('bad records', () => {
  it('says which field is wrong, with file and line, and never quotes a token', () => {
    const cases: [unknown, 'users' | 'bots' | 'subscriptions' | 'payments', RegExp][] = [
      [user(undefined), 'users', /telegram_id is missing/],
      [user(-5), 'users', /not a Telegram user id/],
      [bot(OID, 5000000001, { token: 'AAH_unit_test_token_value_0123456789ab' }), 'bots', /token is not a bot token/],
      [bot(OID, undefined), 'bots', /owner\.id is missing/],
      [bot(OID, 5000000001, { plan: 'gold' }), 'bots', /plan "gold" is not in the mapping/],
      [{ bot_id: { $oid: OID }, expires_at: 'never' }, 'subscriptions', /expires_at is missing or not a date/],
      [{ _id: { $oid: OID }, bot_id: { $oid: OID }, amount: 'x', paid_at: { $date: '2026-01-01T00:00:00Z' }, status: 'paid' }, 'payments', /amount is missing/],
    ];
    for (const [doc, collection, reason] of cases) {
      const r = map(collection, doc, 42);
      expect(r).toBeInstanceOf(BadRecordError);
      const e = r as BadRecordError;
      expect(e.message).toMatch(reason);
      expect(e.loc).toEqual({ file: `${collection}.json`, line: 42 });
      expect(e.message).not.toContain('AAH_unit_test');
    }
    const notJson = (() => {
      try {
        return mapLine('bots', `{"token": "${TOKEN}", `, { file: 'bots.json', line: 3 }, mapping);
      } catch (error) {
        return error as BadRecordError;
      }
    })();
    expect(notJson).toBeInstanceOf(BadRecordError);
    expect((notJson as BadRecordError).message).toMatch(/^not valid Extended JSON/);
    expect((notJson as BadRecordError).message).not.toContain(TOKEN);
  });

  it('a subscription whose $date EJSON refuses still holds its bot back', () => {
    const r = map('subscriptions', { bot_id: { $oid: OID }, expires_at: { $date: 'next tuesday' } });
    expect(r).toBeInstanceOf(BadRecordError);
    expect((r as BadRecordError).bot).toBe(OID);
  });
});

describe('planImport', () => {
  const records = () => [
    map('users', user(5000000001, { username: 'owner_one' }), 1),
    map('users', user(5000000001), 2),
    map('bots', bot(OID, 5000000001), 1),
    map('bots', bot('65a1b2c3d4e5f60718293a02', 5000000009, { username: 'Other_bot', token: '7001234568:AAH_unit_test_token_value_0123456789cd' }), 2),
    map('subscriptions', { bot_id: { $oid: OID }, expires_at: { $date: '2026-12-01T00:00:00Z' }, price: { $numberDecimal: '9.90' } }, 1),
    map('payments', { _id: { $oid: OID }, bot_id: { $oid: OID }, amount: 9.9, paid_at: { $date: '2026-10-01T00:00:00Z' }, status: 'paid' }, 1),
    map('payments', { _id: { $oid: '65a1b2c3d4e5f60718293a09' }, bot_id: { $oid: OID }, amount: 9.9, paid_at: { $date: '2026-09-01T00:00:00Z' }, status: 'failed' }, 2),
  ];

  it('accounts for every record: imported, duplicate, missing owner, ignored status', () => {
    const plan = planImport(records(), none);
    expect(plan.users).toEqual([{ id: 5000000001, username: 'owner_one', firstName: null, language: null, createdAt: null }]);
    expect(plan.tenants).toHaveLength(1);
    const t = plan.tenants[0]!;
    expect(t).toMatchObject({ slug: 'my-shop-bot', owner: { telegramUserId: 5000000001, username: 'owner_one' }, plan: 'basic' });
    expect(t.billing.periods?.map((p) => [p.id, p.start, p.end, p.amount.amount])).toEqual([
      [`mongo-sub-${OID}`, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 990],
      [`mongo-pay-${OID}`, '2026-10-01T00:00:00Z', '2026-10-31T00:00:00Z', 990],
    ]);
    expect(plan.entries.map((e) => `${e.file}:${e.line} ${e.outcome}${e.reason ? ` ${e.reason}` : ''}`)).toEqual([
      'bots.json:1 imported',
      'bots.json:2 skipped its owner 5000000009 is not a user of the dump',
      'payments.json:1 imported',
      'payments.json:2 skipped status "failed" is not a paid period',
      'subscriptions.json:1 imported',
      'users.json:1 imported',
      'users.json:2 skipped duplicate of user 5000000001 at users.json:1',
    ]);
    expect(countEntries(plan.entries).bots).toEqual({ imported: 1, unchanged: 0, skipped: 1, conflicting: 0 });
    expect(JSON.stringify(plan)).not.toContain('AAH_unit_test');
  });

  it('tenants on main or in an open import PR are unchanged; another owner is a conflict', () => {
    const onMain = planImport(records(), { onMain: new Map([['my-shop-bot', { owner: 5000000001 }]]), inOpenPr: new Map() });
    expect(onMain.tenants).toEqual([]);
    expect(onMain.entries.find((e) => e.file === 'bots.json' && e.line === 1)).toMatchObject({ outcome: 'unchanged', reason: 'tenant my-shop-bot is already on main' });
    expect(onMain.entries.find((e) => e.file === 'payments.json' && e.line === 1)).toMatchObject({ outcome: 'unchanged' });
    const taken = planImport(records(), { onMain: new Map(), inOpenPr: new Map([['my-shop-bot', { owner: 7, pr: 4 }]]) });
    expect(taken.entries.find((e) => e.file === 'bots.json' && e.line === 1)).toMatchObject({ outcome: 'conflicting', reason: 'tenant my-shop-bot in open PR #4 belongs to 7, not 5000000001' });
  });

  it('the request id depends on what is imported, not on when', () => {
    const a = planImport(records(), none);
    const b = planImport(records(), none);
    expect(importRequestId(a.tenants)).toBe(importRequestId(b.tenants));
    expect(importRequestId(a.tenants)).toMatch(/^import:mongo:[0-9a-f]{24}$/);
    expect(importRequestId(a.tenants)).not.toBe(importRequestId([]));
  });
});
