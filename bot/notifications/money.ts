import { z } from 'zod';

/** An amount in the currency's smallest unit, as Stripe gives it (`1200` usd is 12.00 USD). */
export const Money = z.object({
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
});
export type Money = z.infer<typeof Money>;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/**
 * `12.00 USD`, `500 JPY`: the decimals are the currency's own (ISO 4217 through Intl), two for a
 * code Intl does not know. The same in every language, so messages need no number formatting.
 */
export function formatMoney(money: Money): string {
  const code = money.currency.toUpperCase();
  const digits = CURRENCIES.has(code) ? (new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2) : 2;
  return `${(money.amount / 10 ** digits).toFixed(digits)} ${code}`;
}

/** `2026-04-01`: the UTC day of an instant, as billing.yaml's periods end on one. */
export const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not a date' });
export const dayOf = (instant: string): string => new Date(Date.parse(instant)).toISOString().slice(0, 10);
