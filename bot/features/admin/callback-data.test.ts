import { describe, expect, it } from 'vitest';
import { ADMIN_ACTION_TYPES, type AdminAction, dataOf, parseAdminData } from './callback-data.js';

/** One action of each type, at the longest names the schemas allow. */
const LONGEST: readonly AdminAction[] = [
  { type: 'home' },
  { type: 'prs' },
  { type: 'pr', decision: 'ok', number: 999_999_999_999_999 },
  { type: 'pr', decision: 'no', number: 1 },
  { type: 'payments' },
  { type: 'payment', decision: 'ok', id: 999_999_999_999_999 },
  { type: 'payment', decision: 'no', id: 2 },
  { type: 'payment', decision: 'show', id: 3 },
  { type: 'find' },
  { type: 'tenant', op: 'suspend', slug: `a${'b'.repeat(30)}c` },
  { type: 'tenant', op: 'resume', slug: 'alpha-shop' },
  { type: 'tenant', op: 'retry', slug: 'alpha-shop' },
  { type: 'tenant', op: 'show', slug: 'alpha-shop' },
  { type: 'broadcast' },
  { type: 'audience', module: null },
  { type: 'audience', module: `m${'x'.repeat(30)}z` },
  { type: 'send' },
  { type: 'cancel' },
];

describe('admin callback data', () => {
  it('round-trips every action within 64 bytes, and the examples cover every action type', () => {
    for (const action of LONGEST) {
      const data = dataOf(action);
      expect(Buffer.byteLength(data), data).toBeLessThanOrEqual(64);
      expect(parseAdminData(data)).toEqual(action);
    }
    expect(new Set(LONGEST.map((a) => a.type))).toEqual(new Set(ADMIN_ACTION_TYPES));
  });

  it('refuses data that is not exactly one of its buttons', () => {
    const crafted = [
      '',
      'admin:home',
      'adm:',
      'adm:home:x',
      'adm:pr:ok:',
      'adm:pr:ok:0',
      'adm:pr:ok:-1',
      'adm:pr:ok:1e3',
      'adm:pr:ok:12abc',
      'adm:pr:merge:1',
      'adm:pr:ok:9999999999999999',
      'adm:mp:ok:01x',
      'adm:mp:delete:1',
      'adm:t:suspend:',
      'adm:t:suspend:Alpha-Shop',
      'adm:t:suspend:../etc',
      'adm:t:suspend:alpha shop',
      'adm:t:destroy:alpha-shop',
      'adm:bc:mod:',
      'adm:bc:mod:Core!',
      'adm:constructor',
      'adm:__proto__',
      'adm:toString',
      `adm:t:show:${'a'.repeat(60)}`,
    ];
    for (const data of crafted) expect(parseAdminData(data), data).toBeNull();
  });
});
