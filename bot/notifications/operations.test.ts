import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { MENU } from '../main-menu.js';
import { RENDERERS } from './index.js';
import { OPERATION_RENDERERS } from './operations.js';
import { PayloadError, type Rendered, type RenderExtras, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const extras: RenderExtras = { databaseCredentials: null };
const render = async (kind: string, payload: unknown, locale: 'en' | 'ru' = 'en'): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, t(locale), extras);
};

describe('operation notifications', () => {
  it('are registered for both kinds', () => {
    for (const kind of Object.keys(OPERATION_RENDERERS)) expect(RENDERERS.get(kind)).toBe(OPERATION_RENDERERS[kind]);
    expect(Object.keys(OPERATION_RENDERERS).sort()).toEqual(['operation.done', 'operation.failed']);
  });

  it('tell the owner a restart is done, in their language, with a way to their bots', async () => {
    const en = await render('operation.done', { tenant: 'alpha-shop', operation: 'restart' });
    expect(en).toEqual({ text: '✅ Your bot alpha-shop has been restarted and is running again.', buttons: [[{ text: '🤖 My bots', data: MENU.myBots }]] });
    const ru = await render('operation.done', { tenant: 'alpha-shop', operation: 'restart' }, 'ru');
    expect(ru.text).toBe('✅ Ваш бот alpha-shop перезапущен и снова работает.');
  });

  it('say why a restart failed, one text per reason, and the generic one for a reason they do not know', async () => {
    const reasons = ['deleted', 'suspended', 'cancelled', 'unpaid', 'not_deployed', 'host_unavailable', 'error'];
    const texts = await Promise.all(reasons.map(async (reason) => (await render('operation.failed', { tenant: 'alpha-shop', operation: 'restart', reason })).text));
    expect(new Set(texts).size).toBe(reasons.length);
    for (const text of texts) expect(text).toMatch(/^Your bot alpha-shop was not restarted: /);
    expect(texts[1]).toBe('Your bot alpha-shop was not restarted: it is suspended. Renew the subscription to run it again.');
    const generic = texts.at(-1);
    expect((await render('operation.failed', { tenant: 'alpha-shop', operation: 'restart', reason: 'quota_exceeded' })).text).toBe(generic);
    expect((await render('operation.failed', { tenant: 'alpha-shop', operation: 'restart' })).text).toBe(generic);
    for (const reason of reasons) {
      expect((await render('operation.failed', { tenant: 'alpha-shop', operation: 'restart', reason }, 'ru')).text).toMatch(/^Бот alpha-shop не перезапущен: /);
    }
  });

  it('refuse a payload that does not fit', async () => {
    await expect(render('operation.done', { operation: 'restart' })).rejects.toBeInstanceOf(PayloadError);
    await expect(render('operation.failed', { tenant: 'alpha-shop', operation: 'reinstall', reason: 'error' })).rejects.toThrow(/operation\.failed: operation/);
    await expect(render('operation.done', null)).rejects.toBeInstanceOf(PayloadError);
  });
});
