import { z } from 'zod';
import { Instant, Money, TelegramUserId } from './common.js';

export const BillingStatus = z.enum(['active', 'past_due', 'suspended', 'cancelled']);
export type BillingStatus = z.infer<typeof BillingStatus>;

/**
 * One paid period. `id` is what paid it (a Stripe invoice, a manual payment reference, an import
 * key) and is unique, so recording the same payment twice is a no-op.
 */
export const PaidPeriod = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_:.-]{3,100}$/, { error: 'must be a payment reference of letters, digits and _:.-' }),
    start: Instant,
    end: Instant,
    source: z.enum(['stripe', 'manual', 'import']),
    amount: Money,
    /** The admin who approved a manual payment. */
    approvedBy: TelegramUserId.optional(),
  })
  .refine((p) => Date.parse(p.end) > Date.parse(p.start), { error: 'end must be after start', path: ['end'] })
  .refine((p) => p.source !== 'manual' || p.approvedBy !== undefined, {
    error: 'a manual payment names the admin who approved it',
    path: ['approvedBy'],
  });
export type PaidPeriod = z.infer<typeof PaidPeriod>;

export const Refund = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_:.-]{3,100}$/),
  at: Instant,
  amount: Money,
  periodId: z.string().max(100).optional(),
});
export type Refund = z.infer<typeof Refund>;

/**
 * The latest end of the paid periods: paid-through is derived, never incremented. Instants are
 * compared as times, not as text: `...00Z` and `...00.500Z` do not sort by their characters.
 */
export function paidThroughOf(periods: readonly { end: string }[]): string | null {
  let latest: string | null = null;
  for (const p of periods) if (latest === null || Date.parse(p.end) > Date.parse(latest)) latest = p.end;
  return latest;
}

export const BillingManifest = z
  .strictObject({
    status: BillingStatus,
    statusReason: z.string().max(300).optional(),
    statusSince: Instant.optional(),
    /** The latest end of `periods`; kept in the file for people, checked against the periods. */
    paidThrough: Instant.nullable(),
    /** True while a subscription will renew by itself (no reminders then). */
    autoRenew: z.boolean().default(false),
    stripe: z
      .strictObject({
        customerId: z.string().regex(/^cus_[A-Za-z0-9]+$/, { error: 'must be a Stripe customer id (cus_...)' }),
        subscriptionId: z.string().regex(/^sub_[A-Za-z0-9]+$/, { error: 'must be a Stripe subscription id (sub_...)' }).optional(),
      })
      .optional(),
    periods: z.array(PaidPeriod).max(1000).default([]),
    refunds: z.array(Refund).max(1000).default([]),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.periods.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['periods', i, 'id'], message: `payment ${p.id} is recorded twice` });
      seen.add(p.id);
    });
    const derived = paidThroughOf(b.periods);
    const same = b.paidThrough === null || derived === null ? b.paidThrough === derived : Date.parse(b.paidThrough) === Date.parse(derived);
    if (!same) {
      ctx.addIssue({
        code: 'custom',
        path: ['paidThrough'],
        message: `must be the latest end of the paid periods (${derived ?? 'null: no periods'})`,
      });
    }
  });
export type BillingManifest = z.infer<typeof BillingManifest>;
