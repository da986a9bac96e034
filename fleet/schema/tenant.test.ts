import { describe, expect, it } from 'vitest';
import { DEDICATED_TENANT, SHARED_HOST, SHARED_TENANT, validFleetManifests } from '../../test/fleet-fixtures.js';
import { ModuleInstall, TenantManifest, TenantPlacement } from './tenant.js';
import { refusalIssues } from '../../test/schema-issues.js';

const tenant = (slug = SHARED_TENANT) => {
  const t = validFleetManifests().tenants[slug]?.tenant;
  if (!t) throw new Error(`fixture has no tenant ${slug}`);
  return t;
};

const issues = (value: unknown): string[] => refusalIssues(TenantManifest, value, 'tenant.yaml');

describe('TenantManifest', () => {
  it('accepts a shared tenant and fills defaults', () => {
    const t = TenantManifest.parse(tenant());
    expect(t.placement).toEqual({ type: 'shared', host: SHARED_HOST });
    expect(t.modules.core).toEqual({ version: '1.1.0', channel: 'auto', config: {} });
    expect(t.modules.welcome).toEqual({ version: '1.0.0', channel: 'notify', config: { GREETING: 'Hello!', SHOW_MENU: true, DELAY_SECONDS: 2 } });
  });

  it('accepts a dedicated tenant with no chats', () => {
    const t = TenantManifest.parse(tenant(DEDICATED_TENANT));
    expect(t.placement).toEqual({ type: 'dedicated', region: 'ams3', size: 's-1vcpu-2gb' });
    expect(t.chats).toEqual([]);
  });

  it('always runs the core module', () => {
    expect(issues({ ...tenant(), modules: { welcome: { version: '1.0.0' } } })).toEqual([
      'modules: must include the "core" module (the multi-bot itself)',
    ]);
  });

  it.each([
    ['a slug with a path in it', { slug: '../x' }, 'slug: must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"'],
    ['a negative owner id', { owner: { telegramUserId: -5 } }, 'owner.telegramUserId: must be a Telegram user id (a positive integer)'],
    ['a username with @', { owner: { telegramUserId: 1, username: '@alice' } }, 'owner.username: must be a Telegram username without "@"'],
    ['a createdAt that is a date only', { createdAt: '2026-03-15' }, 'createdAt: must be an ISO 8601 UTC time such as 2026-11-24T05:00:00Z'],
    ['a displayName of 65 characters', { displayName: 'x'.repeat(65) }, 'displayName: Too big: expected string to have <=64 characters'],
    ['a missing plan', { plan: undefined }, 'plan: Invalid input: expected string, received undefined'],
  ])('refuses %s', (_, patch, message) => {
    expect(issues({ ...tenant(), ...patch })).toEqual([message]);
  });

  it('refuses a chat listed twice and a chat of an unknown type', () => {
    expect(issues({ ...tenant(), chats: [{ id: -100, type: 'group' }, { id: -100, type: 'group' }] })).toEqual(['chats: lists a chat twice']);
    expect(issues({ ...tenant(), chats: [{ id: -100, type: 'private' }] })).toEqual([
      'chats.0.type: Invalid option: expected one of "group"|"supergroup"|"channel"',
    ]);
  });

  it('refuses unknown keys at every depth, each with its path', () => {
    const t = tenant();
    const r = TenantManifest.safeParse({
      ...t,
      extra: 1,
      owner: { ...t.owner, phone: '+1' },
      modules: { ...t.modules, core: { version: '1.1.0', pinned: true } },
    });
    expect(r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? `${i.path.join('.')}: ${i.keys.join(',')}` : i.message))).toEqual([
      'owner: phone',
      'modules.core: pinned',
      ': extra',
    ]);
  });
});

describe('TenantPlacement', () => {
  it('a shared tenant names its host; a dedicated one its region and size', () => {
    expect(TenantPlacement.safeParse({ type: 'shared' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['host']);
    expect(TenantPlacement.safeParse({ type: 'dedicated', region: 'fra1' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['size']);
  });
  it('refuses mixing the two, and an unknown type', () => {
    const mixed = TenantPlacement.safeParse({ type: 'shared', host: SHARED_HOST, region: 'fra1' });
    expect(mixed.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['region'] }]);
    const unknown = TenantPlacement.safeParse({ type: 'cloud' });
    expect(unknown.error?.issues).toMatchObject([{ path: ['type'], message: "Invalid discriminator value. Expected 'dedicated' | 'shared'" }]);
  });
});

describe('ModuleInstall', () => {
  it('pins a released version, exactly', () => {
    expect(ModuleInstall.safeParse({ version: '^1.0.0' }).error?.issues.map((i) => i.message)).toEqual(['must be a semantic version such as 1.2.0']);
  });
  it('takes plain scalars as config, under UPPER_SNAKE_CASE keys', () => {
    const nested = ModuleInstall.safeParse({ version: '1.0.0', config: { GREETING: { en: 'hi' } } });
    expect(nested.error?.issues).toMatchObject([{ code: 'invalid_union', path: ['config', 'GREETING'] }]);
    const lower = ModuleInstall.safeParse({ version: '1.0.0', config: { greeting: 'hi' } });
    expect(lower.error?.issues).toMatchObject([{ code: 'invalid_key', path: ['config', 'greeting'] }]);
    const tooLong = ModuleInstall.safeParse({ version: '1.0.0', config: { GREETING: 'x'.repeat(1001) } });
    expect(tooLong.error?.issues.map((i) => i.message)).toEqual(['Too big: expected string to have <=1000 characters']);
  });
  it('refuses an update channel other than auto/notify', () => {
    expect(ModuleInstall.safeParse({ version: '1.0.0', channel: 'nightly' }).error?.issues.map((i) => i.message)).toEqual([
      'Invalid option: expected one of "auto"|"notify"',
    ]);
  });
});
