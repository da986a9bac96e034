import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { MENU } from '../main-menu.js';
import { ADMIN_ALERT_RENDERERS } from './admin-alerts.js';
import { RENDERERS } from './index.js';
import { PayloadError, type Rendered, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const render = async (kind: string, payload: unknown, locale: 'en' | 'ru' = 'en'): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, t(locale), { databaseCredentials: null });
};
const PANEL = [[{ text: '🛠 Admin', data: MENU.admin }]];

describe('admin alerts', () => {
  it('are registered for both kinds', () => {
    expect(Object.keys(ADMIN_ALERT_RENDERERS).sort()).toEqual(['admin.deploy_failed', 'admin.refund']);
    for (const kind of Object.keys(ADMIN_ALERT_RENDERERS)) expect(RENDERERS.get(kind)).toBe(ADMIN_ALERT_RENDERERS[kind]);
  });

  it('a failed deploy names tenant and reason, shows the reconciler’s message, and opens the admin panel', async () => {
    const r = await render('admin.deploy_failed', { tenant: 'alpha-shop', reason: 'Unhealthy', message: 'bf-alpha-shop did not become healthy in 180s: core unhealthy' });
    expect(r).toEqual({
      text: '🚨 The deploy of alpha-shop failed (Unhealthy). The tenant is marked degraded; its owner has been told.\n\nbf-alpha-shop did not become healthy in 180s: core unhealthy',
      buttons: PANEL,
    });
    expect((await render('admin.deploy_failed', { tenant: 'alpha-shop', reason: 'Unhealthy', message: 'x' }, 'ru')).text).toMatch(/^🚨 Развёртывание alpha-shop не удалось \(Unhealthy\)\./);
  });

  it('a very long reconciler message is cut to stay under Telegram’s 4096 characters', async () => {
    const r = await render('admin.deploy_failed', { tenant: 'alpha-shop', reason: 'ComposeFailed', message: 'e'.repeat(10_000) });
    expect(r.text.length).toBeLessThan(4096);
    expect(r.text.endsWith('e…')).toBe(true);
  });

  it('a refund names the amount when Stripe gave one, and the event', async () => {
    const r = await render('admin.refund', { tenant: 'alpha-shop', eventId: 'evt_9', refunded: { amount: 2500, currency: 'usd' } });
    expect(r.text).toBe('💸 A refund of 25.00 USD for alpha-shop (Stripe event evt_9). It is recorded in billing.yaml; the paid period is unchanged, so suspend the tenant by hand if it should stop.');
    expect(r.buttons).toEqual(PANEL);
    expect((await render('admin.refund', { tenant: 'alpha-shop', eventId: 'evt_9' })).text).toMatch(/^💸 A refund for alpha-shop \(Stripe event evt_9\)\./);
    expect((await render('admin.refund', { tenant: 'alpha-shop', eventId: 'evt_9', refunded: { amount: 2500, currency: 'usd' } }, 'ru')).text).toMatch(/^💸 Возврат 25\.00 USD по alpha-shop/);
  });

  it('refuse payloads that do not fit', async () => {
    await expect(render('admin.deploy_failed', { tenant: 'alpha-shop', reason: 'Unhealthy' })).rejects.toThrow(/admin\.deploy_failed: message/);
    await expect(render('admin.refund', { tenant: 'alpha-shop' })).rejects.toBeInstanceOf(PayloadError);
  });
});
