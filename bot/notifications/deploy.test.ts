import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n.js';
import { MENU } from '../main-menu.js';
import { DEPLOY_RENDERERS } from './deploy.js';
import { RENDERERS } from './index.js';
import { type DatabaseCredentials, PayloadError, type Rendered, type RenderExtras, type Translate } from './types.js';

const i18n = createI18n();
const t = (locale: 'en' | 'ru'): Translate => (key, variables) => i18n.t(locale, key, variables);
const NONE: RenderExtras = { databaseCredentials: null };
const CREDENTIALS: DatabaseCredentials = { host: 'db.example.net', port: 25060, database: 'bf_alpha_shop', user: 'bf_alpha_shop', password: 'pw-Xy_123' };

const render = async (kind: string, payload: unknown, opts: { locale?: 'en' | 'ru'; extras?: RenderExtras } = {}): Promise<Rendered> => {
  const renderer = RENDERERS.get(kind);
  if (!renderer) throw new Error(`${kind} is not registered`);
  return renderer(payload, t(opts.locale ?? 'en'), opts.extras ?? NONE);
};
const progress = (step: number, of: number, kind: string, next?: string | null) => ({ tenant: 'alpha-shop', step, of, kind, ...(next === undefined ? {} : { next }) });
const lines = (text: string) => text.split('\n');

describe('deploy notifications', () => {
  it('are registered, each kind once', () => {
    expect(Object.keys(DEPLOY_RENDERERS).sort()).toEqual(['deploy.failed', 'deploy.progress', 'deploy.running']);
    for (const kind of Object.keys(DEPLOY_RENDERERS)) expect(RENDERERS.get(kind)).toBe(DEPLOY_RENDERERS[kind]);
  });

  it('edit one message per tenant: every kind has the topic deploy:<tenant>', async () => {
    const topics = await Promise.all([
      render('deploy.progress', progress(1, 3, 'droplet.create')),
      render('deploy.progress', progress(1, 2, 'stack.stop')),
      render('deploy.running', { tenant: 'alpha-shop' }),
      render('deploy.failed', { tenant: 'alpha-shop', reason: 'Unhealthy' }),
    ]);
    expect(topics.map((r) => r.topic)).toEqual(Array(4).fill('deploy:alpha-shop'));
    expect((await render('deploy.progress', { ...progress(1, 1, 'stack.deploy'), tenant: 'bravo-news' })).topic).toBe('deploy:bravo-news');
  });

  it('show the steps so far as a checklist: done, under way, still to come', async () => {
    // A dedicated tenant: the droplet is ordered, its database is made while it boots.
    const afterDroplet = await render('deploy.progress', progress(1, 5, 'droplet.create', 'database.ensure'));
    expect(lines(afterDroplet.text)).toEqual([
      '⚙️ Setting up your bot alpha-shop: step 1 of 5 done.',
      '',
      '✅ Payment received',
      '✅ Order accepted into the fleet',
      '⏳ Database',
      '▫️ Server',
      '▫️ Bot started on the server',
      '▫️ Health check',
      '▫️ Running',
    ]);
    const icons = async (kind: string, next?: string | null) => lines((await render('deploy.progress', progress(2, 5, kind, next))).text).slice(2).map((l) => l.split(' ')[0]);
    expect(await icons('database.ensure', 'database.migrate')).toEqual(['✅', '✅', '⏳', '▫️', '▫️', '▫️', '▫️']);
    // Then the server is under way (booting) when host.wait follows…
    expect(await icons('database.migrate', 'host.wait')).toEqual(['✅', '✅', '✅', '⏳', '▫️', '▫️', '▫️']);
    expect(await icons('host.wait', 'stack.deploy')).toEqual(['✅', '✅', '✅', '✅', '⏳', '▫️', '▫️']);
    // …and was there already for a tenant on a running host, or in a message from before `next` was sent.
    expect(await icons('database.migrate', 'stack.deploy')).toEqual(['✅', '✅', '✅', '✅', '⏳', '▫️', '▫️']);
    expect(await icons('database.ensure')).toEqual(['✅', '✅', '✅', '✅', '⏳', '▫️', '▫️']);
    // stack.deploy holds the health gate: both are done when it is.
    expect(await icons('stack.deploy', null)).toEqual(['✅', '✅', '✅', '✅', '✅', '✅', '⏳']);
  });

  it('say what a step outside a setup did (a suspension stops the bot), and a plain step count for a kind they do not know', async () => {
    expect((await render('deploy.progress', progress(1, 2, 'stack.stop'))).text).toBe('⚙️ Your bot alpha-shop has been stopped (step 1 of 2).');
    const others = await Promise.all(['database.dump', 'stack.remove', 'database.drop', 'droplet.delete', 'volume.resize'].map(async (k) => (await render('deploy.progress', progress(2, 5, k))).text));
    expect(new Set(others).size).toBe(5);
    expect(others.at(-1)).toBe('⚙️ Working on your bot alpha-shop: step 2 of 5 done.');
    expect((await render('deploy.progress', progress(1, 2, 'stack.stop'), { locale: 'ru' })).text).toBe('⚙️ Ваш бот alpha-shop остановлен (шаг 1 из 2).');
  });

  it('running: every step done, the bot’s @username with a link, /admin for its panel; closes the topic', async () => {
    const running = await render('deploy.running', { tenant: 'alpha-shop' }, { extras: { databaseCredentials: null, botUsername: (tenant) => Promise.resolve(tenant === 'alpha-shop' ? 'alpha_shop_bot' : null) } });
    expect(lines(running.text)[0]).toBe('✅ Your bot alpha-shop is up and running!');
    expect(running.text).toContain('✅ Health check\n✅ Running\n\nOpen it in Telegram: @alpha_shop_bot\nSend /admin in your bot to open its admin panel.');
    expect(running.text).not.toMatch(/⏳|▫/);
    expect(running.buttons).toEqual([[{ text: 'Open @alpha_shop_bot', url: 'https://t.me/alpha_shop_bot' }], [{ text: '🤖 My bots', data: MENU.myBots }]]);
    expect(running.closesTopic).toBe(true);
    expect(running.credentials).toBeUndefined();
    const ru = await render('deploy.running', { tenant: 'alpha-shop' }, { locale: 'ru', extras: { databaseCredentials: null, botUsername: () => Promise.resolve('alpha_shop_bot') } });
    expect(ru.text).toContain('Откройте его в Telegram: @alpha_shop_bot\nОтправьте /admin своему боту');
  });

  it('running without a known username (none in the order, a malformed one, no lookup at all) still says how to reach the panel', async () => {
    for (const botUsername of [() => Promise.resolve(null), () => Promise.resolve('no spaces allowed'), undefined]) {
      const extras: RenderExtras = botUsername === undefined ? NONE : { databaseCredentials: null, botUsername };
      const r = await render('deploy.running', { tenant: 'alpha-shop' }, { extras });
      expect(r.text).toContain('Open it in Telegram: it is the bot whose token you sent me.\nSend /admin in your bot');
      expect(r.text).not.toContain('@');
      expect(r.buttons).toEqual([[{ text: '🤖 My bots', data: MENU.myBots }]]);
    }
  });

  it('running carries the database credentials as a second text when the sender gives them, telling the customer to save them', async () => {
    const asked: string[] = [];
    const extras: RenderExtras = {
      databaseCredentials: (tenant) => {
        asked.push(tenant);
        return Promise.resolve(CREDENTIALS);
      },
    };
    const r = await render('deploy.running', { tenant: 'alpha-shop' }, { extras });
    expect(asked).toEqual(['alpha-shop']);
    expect(r.credentials?.tenant).toBe('alpha-shop');
    expect(lines(r.credentials?.text ?? '')).toEqual([
      '🔐 The database of your bot alpha-shop:',
      '',
      'Host: db.example.net',
      'Port: 25060',
      'Database: bf_alpha_shop',
      'User: bf_alpha_shop',
      'Password: pw-Xy_123',
      '',
      'Save these details somewhere safe now: this message is sent only once, and the password will not be sent again.',
    ]);
    // The password is only in the second text, never in the message that stays in the topic.
    expect(r.text).not.toContain(CREDENTIALS.password);
    const ru = await render('deploy.running', { tenant: 'alpha-shop' }, { locale: 'ru', extras });
    expect(ru.credentials?.text).toContain('Пароль: pw-Xy_123');
    expect(ru.credentials?.text).toContain('пароль больше не будет прислан');
  });

  it('failed: tells the customer the admins know, with the reason code, and closes the topic', async () => {
    const r = await render('deploy.failed', { tenant: 'alpha-shop', reason: 'Unhealthy' });
    expect(r.text).toBe("❌ Setting up your bot alpha-shop did not finish. Our admins have been told and are looking into it; you don't need to do anything. (Reference: Unhealthy)");
    expect(r.closesTopic).toBe(true);
    expect((await render('deploy.failed', { tenant: 'alpha-shop', reason: 'Unhealthy' }, { locale: 'ru' })).text).toMatch(/^❌ Настройка бота alpha-shop не завершилась\..*\(Код: Unhealthy\)$/);
  });

  it('refuse payloads that do not fit, naming the kind and the field', async () => {
    await expect(render('deploy.progress', { tenant: 'alpha-shop', step: 3, of: 2, kind: 'stack.deploy' })).rejects.toThrow(/deploy\.progress: step/);
    await expect(render('deploy.progress', { tenant: 'alpha-shop', step: 1, of: 2 })).rejects.toThrow(/deploy\.progress: kind/);
    await expect(render('deploy.running', { tenant: 'Not A Slug' })).rejects.toBeInstanceOf(PayloadError);
    await expect(render('deploy.failed', { tenant: 'alpha-shop' })).rejects.toThrow(/deploy\.failed: reason/);
    await expect(render('deploy.running', null)).rejects.toBeInstanceOf(PayloadError);
  });
});
