import { adminsOf } from '../../admins.js';
import type { BotDeps, ManualPayment, QueuedMessage } from '../../ports.js';
import { amountDue, pendingProof } from './due.js';
import type { ManualKind } from './callback.js';

export interface Proof {
  readonly tenant: string;
  readonly kind: ManualKind;
  readonly photoFileId: string | null;
  readonly reference: string | null;
  readonly from: { readonly id: number; readonly username: string | undefined };
}

export type Submitted = 'submitted' | 'waiting' | 'gone';

/**
 * Stores a proof and tells every admin (fleet.yaml's and ADMIN_TELEGRAM_IDS) through the outbox,
 * once per payment and admin (the dedupe key). Ownership is checked again: the conversation may
 * have waited for days. When the tenant already has a proof waiting, this one is refused; the
 * admins are told of the waiting one again, which the dedupe key turns into nothing unless an
 * earlier attempt stopped between storing and telling. The same proof stored by an attempt that
 * crashed before it could answer counts as submitted.
 */
export async function submitProof(deps: BotDeps, proof: Proof): Promise<Submitted> {
  const due = await amountDue(deps, proof, proof.from.id);
  if (!due.ok) return 'gone';
  const stored = await deps.manualPayments.submit({
    tenant: proof.tenant,
    telegramUserId: proof.from.id,
    kind: proof.kind,
    photoFileId: proof.photoFileId,
    reference: proof.reference,
    amount: due.amount.amount,
    currency: due.amount.currency,
  });
  const payment = stored ?? (await pendingProof(deps, proof.tenant));
  if (payment === undefined) return 'gone';
  const admins = adminsOf(await deps.fleet.current(), deps.adminIds);
  for (const message of adminNotices(payment, admins, proof.from)) await deps.outbox.queue(message);
  const same = payment.telegramUserId === proof.from.id && payment.photoFileId === proof.photoFileId && payment.reference === proof.reference;
  return stored !== null || same ? 'submitted' : 'waiting';
}

/** `admin.manual_payment` for each admin (rendered by bot/notifications/admin.ts). */
export function adminNotices(payment: ManualPayment, admins: readonly number[], from: { readonly id: number; readonly username: string | undefined }): QueuedMessage[] {
  const payload = {
    paymentId: payment.id,
    tenant: payment.tenant,
    kind: payment.kind,
    amount: { amount: payment.amount, currency: payment.currency },
    ...(payment.reference !== null ? { reference: payment.reference } : {}),
    hasPhoto: payment.photoFileId !== null,
    // Who sent it: the payment's own sender, even when this call is someone else's retry.
    from: payment.telegramUserId === from.id ? { id: from.id, ...(from.username ? { username: from.username } : {}) } : { id: payment.telegramUserId },
  };
  return admins.map((admin) => ({ dedupeKey: `manual:${payment.id}:${admin}`, telegramUserId: admin, kind: 'admin.manual_payment', payload }));
}
