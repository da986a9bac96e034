import { z } from 'zod';
import type { ChangeRequestInput } from '../../fleet/changes/index.js';
import type { Fleet } from '../../fleet/model.js';
import type { OutboxMessage } from '../outbox.js';

/**
 * Who is told what about a Stripe event, beside the change it makes in Git: the owner of a
 * failed payment, the admins of a refund (issue 4). Pure: the inbox queues what this returns,
 * in the transaction that marks the event processed. Dedupe keys derive from the event id, so
 * reprocessing an event queues nothing new.
 */

/** The few fields read from the event's object; everything else (card data) is left alone. */
const Amounts = z.object({
  data: z.object({
    object: z.object({
      amount_refunded: z.number().int().nonnegative().optional(),
      amount_due: z.number().int().nonnegative().optional(),
      currency: z.string().regex(/^[a-z]{3}$/).optional(),
    }),
  }),
});

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

export function messagesForEvent(event: StoredEvent, fleet: Fleet, changes: readonly ChangeRequestInput[], adminIds: readonly number[]): OutboxMessage[] {
  const tenant = tenantOf(changes);
  if (tenant === null) return [];
  const amounts = Amounts.safeParse(event.payload);
  const object = amounts.success ? amounts.data.data.object : {};
  const money = (amount: number | undefined) => (amount !== undefined && object.currency !== undefined ? { amount, currency: object.currency } : undefined);

  if (event.type === 'invoice.payment_failed') {
    const owner = fleet.tenants.get(tenant)?.tenant.owner.telegramUserId;
    if (owner === undefined) return [];
    return [
      {
        dedupeKey: `stripe:${event.id}:payment_failed`,
        telegramUserId: owner,
        kind: 'billing.payment_failed',
        payload: withDefined({ tenant, eventId: event.id, amountDue: money(object.amount_due) }),
      },
    ];
  }
  if (event.type === 'charge.refunded') {
    const admins = [...new Set([...fleet.config.admins, ...adminIds])].sort((a, b) => a - b);
    return admins.map((admin) => ({
      dedupeKey: `stripe:${event.id}:refund:${admin}`,
      telegramUserId: admin,
      kind: 'admin.refund',
      payload: withDefined({ tenant, eventId: event.id, refunded: money(object.amount_refunded) }),
    }));
  }
  return [];
}

/** The tenant an event is about: the one its change requests name (billing decided it). */
function tenantOf(changes: readonly ChangeRequestInput[]): string | null {
  for (const change of changes) {
    if ('slug' in change && typeof change.slug === 'string') return change.slug;
  }
  return null;
}

/** JSON drops undefined anyway; leaving the keys out keeps test expectations exact. */
function withDefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
