import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { MENU } from '../main-menu.js';
import { ADMIN_RENDERERS } from './admin.js';
import { RENDERERS } from './index.js';
import { PayloadError, type Rendered, type RenderExtras, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const extras: RenderExtras = { databaseCredentials: null };
const render = async (kind: string, payload: unknown, locale: 'en' | 'ru' = 'en'): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, t(locale), extras);
};

const proof = { paymentId: 12345, tenant: 'alpha-shop', kind: 'renewal', amount: { amount: 500, currency: 'usd' }, reference: 'TX-778', hasPhoto: true, from: { id: 200_001, username: 'alice_shop' } };

describe('admin notifications', () => {
  it('are registered, each kind once', () => {
    expect(Object.keys(ADMIN_RENDERERS).sort()).toEqual(['admin.manual_payment', 'billing.manual_approved', 'billing.manual_rejected', 'broadcast']);
    for (const kind of Object.keys(ADMIN_RENDERERS)) expect(RENDERERS.get(kind)).toBe(ADMIN_RENDERERS[kind]);
  });

  it('show an admin a manual payment with Approve, Reject and Show proof, ids without digit grouping', async () => {
    const en = await render('admin.manual_payment', proof);
    expect(en.text).toBe(
      ['💳 Manual payment #12345: renewal of alpha-shop', 'Amount: 5.00 USD', 'From: Telegram user 200001 (@alice_shop)', 'Reference: TX-778', 'Proof: a photo (press "Show proof")'].join('\n'),
    );
    expect(en.buttons).toEqual([
      [
        { text: '✅ Approve', data: 'adm:mp:ok:12345' },
        { text: '❌ Reject', data: 'adm:mp:no:12345' },
      ],
      [{ text: '🖼 Show proof', data: 'adm:mp:show:12345' }],
    ]);
    const ru = await render('admin.manual_payment', { ...proof, kind: 'purchase', hasPhoto: false, reference: undefined, from: { id: 200_001 } }, 'ru');
    expect(ru.text).toBe(['💳 Ручной платёж #12345: покупка нового бота alpha-shop', 'Сумма: 5.00 USD', 'От: пользователь Telegram 200001', 'Подтверждение: без фото'].join('\n'));
    expect(ru.buttons?.flat().map((b) => b.data)).toEqual(['adm:mp:ok:12345', 'adm:mp:no:12345']);
  });

  it('tell the customer the decision, with the paid-through day for a renewal', async () => {
    const decided = { paymentId: 7, tenant: 'alpha-shop', kind: 'renewal', amount: { amount: 500, currency: 'usd' } };
    const approved = await render('billing.manual_approved', { ...decided, paidThrough: '2026-05-04T00:00:00Z' });
    expect(approved).toEqual({ text: '✅ Your payment of 5.00 USD for alpha-shop is confirmed. It is paid through 2026-05-04. Thank you!', buttons: [[{ text: '🤖 My bots', data: MENU.myBots }]] });
    expect((await render('billing.manual_approved', { ...decided, kind: 'purchase', tenant: 'echo-shop' })).text).toMatch(/setting up your bot echo-shop/);
    expect((await render('billing.manual_rejected', decided, 'ru')).text).toBe(
      'Не удалось подтвердить ваш платёж 5.00 USD за alpha-shop. Если вы оплатили, отправьте подтверждение ещё раз или напишите в поддержку.',
    );
  });

  it('send a broadcast as typed', async () => {
    expect(await render('broadcast', { text: 'Maintenance tonight, 22:00 UTC.\nNo action needed.' })).toEqual({ text: 'Maintenance tonight, 22:00 UTC.\nNo action needed.' });
  });

  it('refuse payloads that do not fit, naming the field', async () => {
    await expect(render('admin.manual_payment', { ...proof, paymentId: -1 })).rejects.toThrow(/admin\.manual_payment: paymentId/);
    await expect(render('billing.manual_approved', { paymentId: 1, tenant: 'x', kind: 'gift', amount: { amount: 1, currency: 'usd' } })).rejects.toBeInstanceOf(PayloadError);
    await expect(render('broadcast', { text: '' })).rejects.toThrow(/broadcast: text/);
    await expect(render('broadcast', null)).rejects.toBeInstanceOf(PayloadError);
  });
});
