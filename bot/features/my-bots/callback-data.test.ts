import { describe, expect, it } from 'vitest';
import { MAX_CALLBACK_BYTES, type MyAction, myData, parseMyData, parseUpdateNow, ref, resolveRef } from './callback-data.js';

const LONG_SLUG = `a${'b'.repeat(30)}c`;
const LONG_MODULE = `m${'n'.repeat(30)}o`;
const LONG_VERSION = '10.20.30-rc.12345';

describe('My bots callback data', () => {
  it('round-trips every action, within 64 bytes even for the longest names', () => {
    const actions: MyAction[] = [
      { verb: 'list' },
      { verb: 'bot', slug: LONG_SLUG },
      { verb: 'restart', slug: 'alpha-shop' },
      { verb: 'rmy', slug: LONG_SLUG, module: ref(LONG_MODULE) },
      { verb: 'u', slug: LONG_SLUG, module: ref(LONG_MODULE), version: ref(LONG_VERSION) },
      { verb: 'cdel', slug: LONG_SLUG, chat: -(2 ** 52) },
    ];
    for (const action of actions) {
      const data = myData(action);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
      expect(parseMyData(data)).toEqual(action);
    }
    expect(myData({ verb: 'u', slug: 'bravo-news', module: ref('core'), version: ref('1.1.0') })).toBe('my:u:bravo-news:core:1.1.0');
  });

  it('writes short names as they are and long ones as a hash that resolves back', () => {
    expect(ref('welcome')).toBe('welcome');
    expect(ref(LONG_MODULE)).toMatch(/^#[A-Za-z0-9_-]{11}$/);
    expect(resolveRef(ref(LONG_MODULE), ['core', LONG_MODULE])).toBe(LONG_MODULE);
    expect(resolveRef(ref(LONG_VERSION), ['1.0.0', LONG_VERSION])).toBe(LONG_VERSION);
    expect(resolveRef('polls', ['core', 'welcome'])).toBeNull();
  });

  it('refuses anything else: other prefixes, unknown verbs, wrong field counts, bad slugs and ids', () => {
    for (const data of [
      'admin:home',
      'my',
      'my:',
      'my:drop:alpha-shop',
      'my:list:alpha-shop',
      'my:bot',
      'my:bot:Alpha-Shop',
      'my:bot:alpha-shop:extra',
      'my:rmy:alpha-shop',
      'my:rmy:alpha-shop:we lcome',
      'my:u:alpha-shop:core',
      'my:cdel:alpha-shop:12ab',
      'my:cdel:alpha-shop:-99999999999999999',
      'my:__proto__:alpha-shop',
      'my:constructor',
    ]) {
      expect(parseMyData(data), data).toBeNull();
    }
  });

  it('reads the "Update now" button of release notes, strictly', () => {
    expect(parseUpdateNow('upd:bravo-news:core:1.1.0')).toEqual({ slug: 'bravo-news', module: 'core', version: '1.1.0' });
    expect(parseUpdateNow('upd:bravo-news:core:v1.1')).toBeNull();
    expect(parseUpdateNow('upd:bravo-news:Core:1.1.0')).toBeNull();
    expect(parseUpdateNow('upd:bravo-news:core:1.1.0:x')).toBeNull();
  });
});
