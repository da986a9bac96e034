import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { RENDERERS } from './index.js';
import { PayloadError, type RenderExtras, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const extras: RenderExtras = { databaseCredentials: null };

describe('purchase.paid', () => {
  const render = async (payload: unknown, locale: 'en' | 'ru' = 'en') => {
    const renderer = RENDERERS.get('purchase.paid');
    if (!renderer) throw new Error('purchase.paid is not registered');
    return renderer(payload, t(locale), extras);
  };

  it("says the payment arrived, in the buyer's language, on the deploy's topic so its progress edits this message", async () => {
    expect(await render({ tenant: 'carol-shop' })).toEqual({ text: '✅ Payment received for carol-shop. Setting up your bot…', topic: 'deploy:carol-shop' });
    expect((await render({ tenant: 'carol-shop' }, 'ru')).text).toBe('✅ Оплата за carol-shop получена. Настраиваю вашего бота…');
  });

  it('refuses a payload without a tenant name', async () => {
    await expect(render({})).rejects.toBeInstanceOf(PayloadError);
    await expect(render({ tenant: 'Not A Slug' })).rejects.toThrow(/purchase\.paid: tenant/);
  });
});
