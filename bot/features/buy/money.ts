import type { Money } from '../../../fleet/schema/index.js';
import type { Locale } from '../../i18n.js';

const TAGS: Readonly<Record<Locale, string>> = { en: 'en-US', ru: 'ru-RU' };

/**
 * A price as people read it: `$5.00` in English, `5,00 $` in Russian. Amounts are in minor units
 * (fleet.yaml); the currency's own number of decimals says how many (2 for usd, 0 for jpy).
 */
export function formatMoney(money: Money, locale: Locale): string {
  const format = new Intl.NumberFormat(TAGS[locale], { style: 'currency', currency: money.currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** digits);
}
