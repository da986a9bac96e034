import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { BILLING_RENDERERS } from './billing.js';
import { RENDERERS } from './index.js';
import { PayloadError, type Rendered, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const render = async (kind: string, payload: unknown, locale: 'en' | 'ru' = 'en'): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, t(locale), { databaseCredentials: null });
};
const RENEW = [[{ text: '💳 Renew', data: 'my:renew:alpha-shop' }]];
const PAID_THROUGH = '2026-04-01T00:00:00.000Z';

describe('billing notifications', () => {
  it('are registered for the four kinds', () => {
    expect(Object.keys(BILLING_RENDERERS).sort()).toEqual(['billing.past_due', 'billing.payment_failed', 'billing.reminder', 'billing.suspended']);
    for (const kind of Object.keys(BILLING_RENDERERS)) expect(RENDERERS.get(kind)).toBe(BILLING_RENDERERS[kind]);
  });

  it('a reminder says the paid-through day and the days left (plural forms in both languages), with a Renew button', async () => {
    const en = await render('billing.reminder', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH, daysLeft: 3 });
    expect(en).toEqual({ text: '⏰ Your bot alpha-shop is paid through 2026-04-01: 3 days left. Renew now to keep it running without a break.', buttons: RENEW });
    expect((await render('billing.reminder', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH, daysLeft: 1 })).text).toContain(': 1 day left.');
    const ru = async (daysLeft: number) => (await render('billing.reminder', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH, daysLeft }, 'ru')).text;
    expect(await ru(1)).toBe('⏰ Ваш бот alpha-shop оплачен по 2026-04-01: остался 1 день. Продлите сейчас, чтобы бот работал без перерыва.');
    expect(await ru(3)).toContain('осталось 3 дня.');
    expect(await ru(7)).toContain('осталось 7 дней.');
    expect((await render('billing.reminder', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH, daysLeft: 7 }, 'ru')).buttons).toEqual([[{ text: '💳 Продлить', data: 'my:renew:alpha-shop' }]]);
  });

  it('past due and suspended say when the paid period ended and what follows, with Renew', async () => {
    const pastDue = await render('billing.past_due', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH });
    expect(pastDue).toEqual({ text: '⚠️ The paid period of your bot alpha-shop ended on 2026-04-01. Renew now: after a few days of grace the bot will be suspended.', buttons: RENEW });
    const suspended = await render('billing.suspended', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH });
    expect(suspended.text).toBe('⛔ Your bot alpha-shop is suspended: its paid period ended on 2026-04-01. Renew to start it again; its settings and data are kept for a while.');
    expect(suspended.buttons).toEqual(RENEW);
    expect((await render('billing.suspended', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH }, 'ru')).text).toMatch(/^⛔ Ваш бот alpha-shop приостановлен: оплаченный период закончился 2026-04-01\./);
  });

  it('a failed payment names the amount due when Stripe gave one, in the currency’s own decimals', async () => {
    const withAmount = await render('billing.payment_failed', { tenant: 'alpha-shop', eventId: 'evt_1', amountDue: { amount: 1200, currency: 'usd' } });
    expect(withAmount.text).toBe('⚠️ A payment of 12.00 USD for your bot alpha-shop did not go through. Please check your payment method, or renew another way, so that the bot keeps running.');
    expect(withAmount.buttons).toEqual(RENEW);
    expect((await render('billing.payment_failed', { tenant: 'alpha-shop', eventId: 'evt_1', amountDue: { amount: 990, currency: 'jpy' } })).text).toContain('of 990 JPY for');
    const without = await render('billing.payment_failed', { tenant: 'alpha-shop', eventId: 'evt_1' });
    expect(without.text).toMatch(/^⚠️ A payment for your bot alpha-shop did not go through\./);
    expect((await render('billing.payment_failed', { tenant: 'alpha-shop', eventId: 'evt_1', amountDue: { amount: 1200, currency: 'eur' } }, 'ru')).text).toMatch(/^⚠️ Платёж 12\.00 EUR за бота alpha-shop не прошёл\./);
  });

  it('the Renew data fits Telegram’s 64 bytes for the longest slug', async () => {
    const slug = `a${'b'.repeat(30)}c`;
    const r = await render('billing.past_due', { tenant: slug, paidThrough: PAID_THROUGH });
    const data = r.buttons?.[0]?.[0]?.data ?? '';
    expect(data).toBe(`my:renew:${slug}`);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
  });

  it('refuse payloads that do not fit', async () => {
    await expect(render('billing.reminder', { tenant: 'alpha-shop', paidThrough: PAID_THROUGH })).rejects.toThrow(/billing\.reminder: daysLeft/);
    await expect(render('billing.past_due', { tenant: 'alpha-shop', paidThrough: 'next tuesday' })).rejects.toThrow(/billing\.past_due: paidThrough/);
    await expect(render('billing.suspended', { tenant: 'alpha-shop', paidThrough: null })).rejects.toBeInstanceOf(PayloadError);
    await expect(render('billing.payment_failed', { tenant: 'alpha-shop', eventId: 'evt_1', amountDue: { amount: -1, currency: 'usd' } })).rejects.toThrow(/amountDue\.amount/);
  });
});
