import { z } from 'zod';
import { Slug } from '../../fleet/schema/index.js';
import { MENU } from '../main-menu.js';
import { formatMoney, Money } from './money.js';
import { parsePayload } from './payload.js';
import type { Rendered, Renderers, Translate } from './types.js';

/**
 * Alerts to admins: a tenant whose deploy failed and is marked degraded (reconciler/reconcile.ts,
 * one per admin per revision), and a Stripe refund (app/workers/stripe-messages.ts). Each has a
 * button to the admin panel, which checks the presser is an admin again.
 */

const DeployFailed = z.object({ tenant: Slug, reason: z.string().min(1).max(200), message: z.string() });
const Refund = z.object({ tenant: Slug, eventId: z.string().min(1).max(255), refunded: Money.optional() });

/** Telegram takes 4096 characters; the reconciler's message is cut well before that. */
const MAX_DETAIL = 3000;

const withAdminPanel = (t: Translate, text: string): Rendered => ({ text, buttons: [[{ text: t('menu-admin'), data: MENU.admin }]] });

export const ADMIN_ALERT_RENDERERS: Renderers = {
  'admin.deploy_failed': (payload, t) => {
    const p = parsePayload(DeployFailed, 'admin.deploy_failed', payload);
    const detail = p.message.length > MAX_DETAIL ? `${p.message.slice(0, MAX_DETAIL)}…` : p.message;
    const head = t('notify-admin-deploy-failed', { tenant: p.tenant, reason: p.reason });
    return withAdminPanel(t, detail.trim() === '' ? head : `${head}\n\n${detail}`);
  },
  'admin.refund': (payload, t) => {
    const p = parsePayload(Refund, 'admin.refund', payload);
    const text =
      p.refunded === undefined
        ? t('notify-admin-refund', { tenant: p.tenant, event: p.eventId })
        : t('notify-admin-refund-amount', { tenant: p.tenant, event: p.eventId, amount: formatMoney(p.refunded) });
    return withAdminPanel(t, text);
  },
};
