import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { refusalIssues } from '../../test/schema-issues.js';
import { ChangeKind, EnvKey, Instant, ModuleName, Money, Region, SemVer, SemVerRange, Size, Slug, TelegramUserId } from './common.js';

const issues = (schema: z.ZodType, value: unknown): string[] => refusalIssues(schema, value);

describe('Slug', () => {
  const SLUG_RULE = ': must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"';

  it.each([
    ['3 characters', 'abc'],
    ['32 characters', `a${'b'.repeat(30)}c`],
    ['digits and dashes inside', 'shop-42'],
    ['ending in a digit', 'a12'],
    ['double dash (still a DNS label)', 'a--b'],
  ])('accepts %s', (_, slug) => {
    expect(Slug.parse(slug)).toBe(slug);
  });

  it.each([
    ['2 characters', 'ab'],
    ['33 characters', `a${'b'.repeat(31)}c`],
    ['a leading digit', '1abc'],
    ['a leading dash', '-abc'],
    ['a trailing dash', 'abc-'],
    ['uppercase', 'Abc'],
    ['unicode look-alikes', 'аbc'],
    ['unicode letters', 'café'],
    ['a path traversal', '../x'],
    ['a slash', 'a/bc'],
    ['an underscore', 'a_bc'],
    ['a dot', 'a.bc'],
    ['spaces', 'a bc'],
    ['a trailing newline', 'abc\n'],
    ['the empty string', ''],
  ])('refuses %s, saying what a slug is', (_, slug) => {
    expect(issues(Slug, slug)).toEqual([SLUG_RULE]);
  });

  it('refuses non-strings', () => {
    expect(issues(Slug, 42)).toEqual([': Invalid input: expected string, received number']);
  });
});

describe('ModuleName', () => {
  it.each(['core', 'ab', 'scheduled-posts', `a${'b'.repeat(31)}`])('accepts %s', (name) => {
    expect(ModuleName.parse(name)).toBe(name);
  });
  it.each(['a', 'Core', '1core', 'core-', '../core', `a${'b'.repeat(32)}`])('refuses %j', (name) => {
    expect(issues(ModuleName, name)).toEqual([': must be 2-32 characters of a-z, 0-9 and "-", starting with a letter']);
  });
});

describe('SemVer', () => {
  it.each(['0.0.1', '1.0.0', '1.2.3', '10.20.30', '1.0.0-rc.1'])('accepts %s', (v) => {
    expect(SemVer.parse(v)).toBe(v);
  });
  it.each(['1.0', '1', 'v1.0.0', '=1.0.0', '01.0.0', ' 1.0.0', '1.0.0 ', '1.0.0+build.5', 'latest', ''])('refuses %j', (v) => {
    expect(issues(SemVer, v)).toEqual([': must be a semantic version such as 1.2.0']);
  });
  it('refuses a YAML number such as 1.0 (which YAML reads as a float)', () => {
    expect(issues(SemVer, 1)).toEqual([': Invalid input: expected string, received number']);
  });
});

describe('SemVerRange', () => {
  it.each(['>=1.1 <2', '^1.2.0', '~1.2', '1.x', '1.2.3'])('accepts %j', (r) => {
    expect(SemVerRange.parse(r)).toBe(r);
  });
  it.each(['garbage', '>=1 <', ''])('refuses %j', (r) => {
    expect(issues(SemVerRange, r)).toEqual([': must be a semver range such as ">=1.2 <2"']);
  });
  it.each(['>=2 <1', '>1.0.0 <1.0.0', '^2.0.0 <2'])('refuses %j, which no version satisfies', (r) => {
    expect(issues(SemVerRange, r)).toEqual([': no version satisfies this range']);
  });
});

describe('Money', () => {
  it('is minor units and a lowercase currency', () => {
    expect(Money.parse({ amount: 900, currency: 'usd' })).toEqual({ amount: 900, currency: 'usd' });
    expect(Money.parse({ amount: 0, currency: 'eur' })).toEqual({ amount: 0, currency: 'eur' });
  });
  it.each([
    ['a float (no float touches a price)', { amount: 9.99, currency: 'usd' }, 'amount: Invalid input: expected int, received number'],
    ['a negative amount', { amount: -1, currency: 'usd' }, 'amount: Too small: expected number to be >=0'],
    ['an absurd amount', { amount: 1e12, currency: 'usd' }, 'amount: Too big: expected number to be <=100000000'],
    ['an amount as text', { amount: '900', currency: 'usd' }, 'amount: Invalid input: expected number, received string'],
    ['an uppercase currency', { amount: 1, currency: 'USD' }, 'currency: must be a lowercase ISO 4217 code such as usd'],
    ['a symbol', { amount: 1, currency: '$' }, 'currency: must be a lowercase ISO 4217 code such as usd'],
    ['a missing currency', { amount: 1 }, 'currency: Invalid input: expected string, received undefined'],
  ])('refuses %s', (_, value, message) => {
    expect(issues(Money, value)).toEqual([message]);
  });
  it('refuses unknown keys (strict)', () => {
    const r = Money.safeParse({ amount: 1, currency: 'usd', cents: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['cents'], path: [] });
  });
});

describe('Instant', () => {
  it.each(['2026-03-15T00:00:00Z', '2026-03-15T00:00:00.123Z', '2024-02-29T23:59:59Z'])('accepts %s', (t) => {
    expect(Instant.parse(t)).toBe(t);
  });
  it.each(['2026-03-15', '2026-03-15T00:00:00', '2026-03-15T00:00:00+02:00', '2026-02-30T00:00:00Z', '2026-03-15T00:00Z', 'yesterday'])(
    'refuses %j',
    (t) => {
      expect(issues(Instant, t)).toEqual([': must be an ISO 8601 UTC time such as 2026-11-24T05:00:00Z']);
    },
  );
});

describe('small field types', () => {
  it('TelegramUserId is a positive integer', () => {
    expect(TelegramUserId.parse(123)).toBe(123);
    for (const bad of [0, -5, 1.5, '123']) {
      expect(issues(TelegramUserId, bad)).toEqual([': must be a Telegram user id (a positive integer)']);
    }
  });
  it('EnvKey is UPPER_SNAKE_CASE', () => {
    expect(EnvKey.parse('BOT_TOKEN')).toBe('BOT_TOKEN');
    for (const bad of ['bot_token', '1KEY', 'KEY-NAME', `K${'X'.repeat(64)}`]) {
      expect(issues(EnvKey, bad)).toEqual([': must be UPPER_SNAKE_CASE, at most 64 characters']);
    }
  });
  it('Region and Size are DigitalOcean slugs', () => {
    expect(Region.parse('fra1')).toBe('fra1');
    expect(issues(Region, 'FRA1')).toEqual([': must be a DigitalOcean region such as fra1']);
    expect(Size.parse('s-1vcpu-1gb')).toBe('s-1vcpu-1gb');
    expect(issues(Size, 's 1vcpu')).toEqual([': must be a DigitalOcean size slug such as s-1vcpu-1gb']);
  });
  it('ChangeKind lists every kind of change', () => {
    expect(ChangeKind.options).toContain('tenant.delete');
    expect(ChangeKind.safeParse('tenant.explode').success).toBe(false);
  });
});
