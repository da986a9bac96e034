import { billingFile } from '../paths.js';
import { toYaml } from '../serialize.js';
import { mergeBilling } from './billing-merge.js';
import { type Builder, tenantOf } from './context.js';

export const buildBillingRecord: Builder<'billing.record'> = (ctx, cr) => {
  const { billing } = tenantOf(ctx, cr);
  const next = mergeBilling(billing, cr.record, ctx.now);
  const details: string[] = [];
  const added = (cr.record.periods ?? []).filter((p) => !billing.periods.some((q) => q.id === p.id));
  for (const p of added) details.push(`paid ${p.start.slice(0, 10)} → ${p.end.slice(0, 10)} (${p.source} ${p.id})`);
  if (next.status !== billing.status) details.push(`status: ${billing.status} → ${next.status} (${next.statusReason ?? ''})`);
  if (next.paidThrough !== billing.paidThrough) details.push(`paid through: ${billing.paidThrough ?? 'never'} → ${next.paidThrough ?? 'never'}`);
  const refunds = (cr.record.refunds ?? []).filter((r) => !billing.refunds.some((q) => q.id === r.id));
  for (const r of refunds) details.push(`refund ${r.id}: ${r.amount.amount} ${r.amount.currency}`);
  return {
    edits: [{ path: billingFile(cr.slug), content: toYaml(next) }],
    title: `Record billing for ${cr.slug}`,
    commitType: 'chore',
    details,
  };
};
