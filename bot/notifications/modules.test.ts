import { describe, expect, it } from 'vitest';
import { parseUpdateNow } from '../features/my-bots/callback-data.js';
import { createI18n } from '../i18n.js';
import { MENU } from '../main-menu.js';
import { RENDERERS } from './index.js';
import { MODULE_RENDERERS, updateNowData } from './modules.js';
import { PayloadError, type Rendered } from './types.js';

const i18n = createI18n();
const render = async (kind: string, payload: unknown, locale: 'en' | 'ru' = 'en'): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, (key, variables) => i18n.t(locale, key, variables), { databaseCredentials: null });
};

const AVAILABLE = { tenant: 'bravo-news', module: 'core', version: '1.1.0', from: '1.0.0', title: { en: 'Core', ru: 'Ядро' }, notes: '- /stats for the owner' };

describe('release notifications', () => {
  it('are registered', () => {
    expect(Object.keys(MODULE_RENDERERS).sort()).toEqual(['admin.rollout_halted', 'module.update_available']);
    for (const kind of Object.keys(MODULE_RENDERERS)) expect(RENDERERS.get(kind)).toBe(MODULE_RENDERERS[kind]);
  });

  it('an update tells the owner what is new, with Update now (the data My bots answers) and My bots', async () => {
    const r = await render('module.update_available', AVAILABLE);
    expect(r).toEqual({
      text: '🆕 Core 1.1.0 is out for your bot bravo-news (it runs 1.0.0).\n\nWhat\'s new:\n- /stats for the owner',
      buttons: [[{ text: '⬆️ Update now', data: 'upd:bravo-news:core:1.1.0' }, { text: '🤖 My bots', data: MENU.myBots }]],
    });
    expect(parseUpdateNow('upd:bravo-news:core:1.1.0')).toEqual({ slug: 'bravo-news', module: 'core', version: '1.1.0' });
    expect((await render('module.update_available', AVAILABLE, 'ru')).text).toMatch(/^🆕 Вышла версия 1\.1\.0 модуля «Ядро» для вашего бота bravo-news/);
    expect((await render('module.update_available', { ...AVAILABLE, notes: undefined })).text).toMatch(/This release has no release notes\.$/);
  });

  it('long notes are cut under Telegram’s limit; names too long for callback data leave only My bots', async () => {
    expect((await render('module.update_available', { ...AVAILABLE, notes: 'n'.repeat(9000) })).text.length).toBeLessThan(4096);
    const slug = 'a'.repeat(32);
    expect(updateNowData(slug, 'scheduled-posts-and-more-things', '10.20.30-rc.1')).toBeNull();
    const r = await render('module.update_available', { ...AVAILABLE, tenant: slug, module: 'scheduled-posts-and-more-things', version: '10.20.30-rc.1' });
    expect(r.buttons).toEqual([[{ text: '🤖 My bots', data: MENU.myBots }]]);
  });

  it('a halted rollout tells admins which release, which PR and why', async () => {
    const r = await render('admin.rollout_halted', { module: 'core', version: '1.1.0', canaryPr: 7, reason: 'canary failed: alpha-shop: Unhealthy' });
    expect(r.text).toBe(
      '🛑 The rollout of core 1.1.0 is stopped: a canary tenant failed after PR #7. No other tenant gets it; roll back with `buckfleet rollback 7` or fix and release a new version.\n\ncanary failed: alpha-shop: Unhealthy',
    );
    expect(r.buttons).toEqual([[{ text: '🛠 Admin', data: MENU.admin }]]);
  });

  it('a payload that does not fit is a PayloadError', async () => {
    await expect(render('module.update_available', { tenant: 'x' })).rejects.toBeInstanceOf(PayloadError);
  });
});
