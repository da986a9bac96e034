import type { Money } from '../../../fleet/schema/index.js';
import type { BotDeps, ManualPayment } from '../../ports.js';
import { creationPending } from '../buy/name-check.js';
import type { ManualKind } from './callback.js';

export type Due =
  | { readonly ok: true; readonly tenant: string; readonly kind: ManualKind; readonly amount: Money; readonly instructions: string | undefined }
  /** `not_found` also covers what exists but is someone else's: the answer does not tell them apart. */
  | { readonly ok: false; readonly reason: 'disabled' | 'not_found' | 'bought' };

/**
 * What a user may pay manually for, and how much (the plan's price, fleet.yaml): for a purchase,
 * their own pending order of a tenant that is not bought yet; for a renewal, a tenant they own.
 */
export async function amountDue(deps: BotDeps, request: { readonly tenant: string; readonly kind: ManualKind }, userId: number): Promise<Due> {
  const fleet = await deps.fleet.current();
  const manual = fleet.config.billing.manualPayments;
  if (!manual.enabled) return { ok: false, reason: 'disabled' };
  const tenant = fleet.tenants.get(request.tenant);
  let planName: string;
  if (request.kind === 'purchase') {
    const order = await deps.orders.get(request.tenant);
    if (order === null || order.telegramUserId !== userId) return { ok: false, reason: 'not_found' };
    if (tenant !== undefined) return tenant.tenant.owner.telegramUserId === userId ? { ok: false, reason: 'bought' } : { ok: false, reason: 'not_found' };
    if (await creationPending(deps, request.tenant)) return { ok: false, reason: 'bought' };
    planName = order.plan;
  } else {
    if (tenant === undefined || tenant.tenant.owner.telegramUserId !== userId) return { ok: false, reason: 'not_found' };
    planName = tenant.tenant.plan;
  }
  const plan = fleet.config.plans[planName];
  if (plan === undefined) return { ok: false, reason: 'not_found' };
  return { ok: true, tenant: request.tenant, kind: request.kind, amount: plan.price, instructions: manual.instructions };
}

/** The proof of a tenant that waits for an admin, if any (one at most: manual_payments_one_pending). */
export async function pendingProof(deps: BotDeps, tenant: string): Promise<ManualPayment | undefined> {
  return (await deps.manualPayments.pending()).find((p) => p.tenant === tenant);
}
