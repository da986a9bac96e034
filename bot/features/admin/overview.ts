import type { Fleet } from '../../../fleet/model.js';
import type { BillingStatus, Money } from '../../../fleet/schema/index.js';
import type { BotContext } from '../../context.js';
import { formatMoney } from '../../notifications/money.js';
import type { RenderedButton, Translate } from '../../notifications/index.js';
import type { BotDeps, DeployStatus } from '../../ports.js';
import { dataOf } from './callback-data.js';
import { keyboardOf, replaceOrReply, requireAdmin } from './ui.js';

/** The admin's home: the fleet at a glance, and the way to everything else. */

export interface Overview {
  readonly tenants: number;
  readonly byStatus: Readonly<Record<BillingStatus, number>>;
  readonly failed: readonly DeployStatus[];
  /** `2026-03`: the month of the clock, UTC. */
  readonly month: string;
  /** Per currency, in currency order: the periods whose start falls in `month`. */
  readonly revenue: readonly Money[];
}

/** Pure: the same fleet, failures and clock give the same overview. */
export function overviewOf(fleet: Fleet, failed: readonly DeployStatus[], now: Date): Overview {
  const byStatus: Record<BillingStatus, number> = { active: 0, past_due: 0, suspended: 0, cancelled: 0 };
  const month = now.toISOString().slice(0, 7);
  const revenue = new Map<string, number>();
  for (const { billing } of fleet.tenants.values()) {
    byStatus[billing.status] += 1;
    for (const period of billing.periods) {
      if (period.start.slice(0, 7) !== month) continue;
      revenue.set(period.amount.currency, (revenue.get(period.amount.currency) ?? 0) + period.amount.amount);
    }
  }
  return {
    tenants: fleet.tenants.size,
    byStatus,
    failed,
    month,
    revenue: [...revenue].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, amount]) => ({ amount, currency })),
  };
}

/** Failed tenants that get their own button on the home screen; the rest are named in the text. */
const FAILED_BUTTONS = 4;

export function homeView(o: Overview, pending: { prs: number; payments: number }, t: Translate): { text: string; buttons: RenderedButton[][] } {
  const s = o.byStatus;
  const lines = [
    t('admin-home-title'),
    '',
    t('admin-home-tenants', { total: o.tenants, active: s.active, pastDue: s.past_due, suspended: s.suspended, cancelled: s.cancelled }),
    o.failed.length === 0 ? t('admin-home-failed-none') : t('admin-home-failed', { count: o.failed.length, tenants: o.failed.map((f) => f.tenant).join(', ') }),
    o.revenue.length === 0 ? t('admin-home-revenue-none', { month: o.month }) : t('admin-home-revenue', { month: o.month, amounts: o.revenue.map(formatMoney).join(', ') }),
    t('admin-home-pending', { prs: pending.prs, payments: pending.payments }),
  ];
  const buttons: RenderedButton[][] = [
    [
      { text: t('admin-button-prs', { count: pending.prs }), data: dataOf({ type: 'prs' }) },
      { text: t('admin-button-payments', { count: pending.payments }), data: dataOf({ type: 'payments' }) },
    ],
    [
      { text: t('admin-button-find'), data: dataOf({ type: 'find' }) },
      { text: t('admin-button-broadcast'), data: dataOf({ type: 'broadcast' }) },
    ],
    ...o.failed.slice(0, FAILED_BUTTONS).map((f) => [{ text: t('admin-button-failed-tenant', { tenant: f.tenant }), data: dataOf({ type: 'tenant', op: 'show', slug: f.tenant }) }]),
    [{ text: t('admin-button-refresh'), data: dataOf({ type: 'home' }) }],
  ];
  return { text: lines.join('\n'), buttons };
}

/** /admin and the menu's admin button (a new message), and "back" / "refresh" (in place of the pressed one). */
export async function showHome(ctx: BotContext, deps: BotDeps, where: 'new' | 'replace'): Promise<void> {
  requireAdmin(ctx);
  const [fleet, failed, prs, payments] = await Promise.all([deps.fleet.current(), deps.deploys.failed(), deps.changes.listOpen(), deps.manualPayments.pending()]);
  const view = homeView(overviewOf(fleet, failed, deps.now()), { prs: prs.length, payments: payments.length }, (k, v) => ctx.t(k, v));
  const markup = keyboardOf(view.buttons);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  if (where === 'replace') await replaceOrReply(ctx, view.text, markup);
  else await ctx.reply(view.text, { reply_markup: markup });
}
