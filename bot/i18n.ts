import { I18n } from '@grammyjs/i18n';
import type { BaseContext } from './context.js';
import { localesDir } from './paths.js';

export const LOCALES = ['en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** A supported locale for a Telegram language code (`ru`, `ru-RU`), else the default. */
export function localeFor(code: string | null | undefined): Locale {
  const base = code?.toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === base) ?? DEFAULT_LOCALE;
}

/**
 * Texts live in bot/locales/<locale>/*.ftl (Fluent), one file per feature. The user's own choice
 * (bot settings, stored in telegram_users) wins over Telegram's language_code; `userLanguage` is
 * put on the context by the users middleware before this runs.
 */
export function createI18n(): I18n<BaseContext> {
  return new I18n<BaseContext>({
    defaultLocale: DEFAULT_LOCALE,
    directory: localesDir(),
    // Fluent wraps interpolations in Unicode isolation marks by default; in Telegram they show up
    // as stray characters and break copying usernames and ids.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => localeFor(ctx.userLanguage ?? ctx.from?.language_code),
  });
}
