import { z } from 'zod';
import { dataOf } from '../features/admin/callback-data.js';
import { MENU } from '../main-menu.js';
import { dayOf, formatMoney, Instant, Money } from './money.js';
import { parsePayload as parse } from './payload.js';
import type { Rendered, RenderedButton, Renderers, Translate } from './types.js';

/**
 * Messages of the admin side and of its decisions:
 * - `admin.manual_payment`: a customer sent proof of a manual payment; to every admin, with
 *   Approve / Reject / Show proof buttons (the same view the admin menu lists pending ones with);
 * - `billing.manual_approved` / `billing.manual_rejected`: the admin's decision, to the customer;
 * - `broadcast`: an admin's text, as typed, to each recipient.
 */

const TenantName = z.string().min(1).max(64);

const ManualPaymentPayload = z.object({
  paymentId: z.number().int().positive(),
  tenant: TenantName,
  kind: z.enum(['purchase', 'renewal']),
  amount: Money,
  reference: z.string().max(1000).optional(),
  hasPhoto: z.boolean(),
  from: z.object({ id: z.number().int().positive(), username: z.string().max(64).optional() }),
});
export type ManualPaymentNotice = z.infer<typeof ManualPaymentPayload>;

const DecisionPayload = z.object({
  paymentId: z.number().int().positive(),
  tenant: TenantName,
  kind: z.enum(['purchase', 'renewal']),
  amount: Money,
  /** The end of the approved period (approvals). */
  paidThrough: Instant.optional(),
});
export type ManualDecisionNotice = z.infer<typeof DecisionPayload>;

const BroadcastPayload = z.object({ text: z.string().min(1).max(4096) });

/** What an admin sees of a manual payment waiting for a decision: the outbox message and the admin list alike. */
export function manualPaymentView(p: ManualPaymentNotice, t: Translate): Rendered {
  const lines = [
    p.kind === 'purchase'
      ? t('notify-admin-manual-payment-purchase', { id: String(p.paymentId), tenant: p.tenant })
      : t('notify-admin-manual-payment-renewal', { id: String(p.paymentId), tenant: p.tenant }),
    t('notify-admin-manual-payment-amount', { amount: formatMoney(p.amount) }),
    p.from.username ? t('notify-admin-manual-payment-from-username', { id: String(p.from.id), username: p.from.username }) : t('notify-admin-manual-payment-from', { id: String(p.from.id) }),
    ...(p.reference ? [t('notify-admin-manual-payment-reference', { reference: p.reference })] : []),
    p.hasPhoto ? t('notify-admin-manual-payment-photo') : t('notify-admin-manual-payment-no-photo'),
  ];
  const decide: RenderedButton[] = [
    { text: t('admin-approve'), data: dataOf({ type: 'payment', decision: 'ok', id: p.paymentId }) },
    { text: t('admin-reject'), data: dataOf({ type: 'payment', decision: 'no', id: p.paymentId }) },
  ];
  const show: RenderedButton[] = p.hasPhoto ? [{ text: t('admin-payment-show-proof'), data: dataOf({ type: 'payment', decision: 'show', id: p.paymentId }) }] : [];
  return { text: lines.join('\n'), buttons: show.length > 0 ? [decide, show] : [decide] };
}

const withMyBots = (t: Translate, text: string): Rendered => ({ text, buttons: [[{ text: t('menu-my-bots'), data: MENU.myBots }]] });

export const ADMIN_RENDERERS: Renderers = {
  'admin.manual_payment': (payload, t) => manualPaymentView(parse(ManualPaymentPayload, 'admin.manual_payment', payload), t),
  'billing.manual_approved': (payload, t) => {
    const p = parse(DecisionPayload, 'billing.manual_approved', payload);
    const amount = formatMoney(p.amount);
    if (p.kind === 'purchase') return withMyBots(t, t('notify-manual-approved-purchase', { tenant: p.tenant, amount }));
    return withMyBots(
      t,
      p.paidThrough ? t('notify-manual-approved-renewal', { tenant: p.tenant, amount, date: dayOf(p.paidThrough) }) : t('notify-manual-approved-renewal-undated', { tenant: p.tenant, amount }),
    );
  },
  'billing.manual_rejected': (payload, t) => {
    const p = parse(DecisionPayload, 'billing.manual_rejected', payload);
    return withMyBots(t, t('notify-manual-rejected', { tenant: p.tenant, amount: formatMoney(p.amount) }));
  },
  broadcast: (payload) => ({ text: parse(BroadcastPayload, 'broadcast', payload).text }),
};
