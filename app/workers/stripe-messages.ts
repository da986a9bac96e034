import { z } from 'zod';
import type { ChangeRequestInput } from '../../fleet/changes/index.js';
import type { Fleet } from '../../fleet/model.js';
import type { OutboxMessage } from '../outbox.js';

/**
 * Who is told what about a Stripe event, beside the change it makes in Git: the buyer of a paid
 * purchase, the owner of a failed payment, the admins of a refund (issues 4 and 5). Pure: the inbox queues what this returns,
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

/** A Checkout buckfleet started: its kind and the tenant it names (client_reference_id, else metadata). */
const Checkout = z.object({
  data: z.object({
    object: z.object({
      client_reference_id: z.string().nullish(),
      metadata: z.record(z.string(), z.string()).nullish(),
    }),
  }),
});

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

export function messagesForEvent(event: StoredEvent, fleet: Fleet, changes: readonly ChangeRequestInput[], adminIds: readonly number[]): OutboxMessage[] {
  if (event.type === 'checkout.session.completed') return purchasePaid(event, fleet, changes);
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

/**
 * A paid purchase: its buyer is told at once that setup has begun (the deploy's progress edits
 * that message later). The buyer is the owner of the tenant.create the order led to; when that
 * change is not made again (a retry after the tenant reached main), the tenant's owner on main,
 * so a retry still queues the message its first attempt may have lost.
 */
function purchasePaid(event: StoredEvent, fleet: Fleet, changes: readonly ChangeRequestInput[]): OutboxMessage[] {
  const parsed = Checkout.safeParse(event.payload);
  if (!parsed.success) return [];
  const session = parsed.data.data.object;
  if (session.metadata?.kind !== 'purchase') return [];
  const tenant = session.client_reference_id ?? session.metadata.tenant;
  if (tenant === undefined || tenant === '') return [];
  const created = changes.find((c) => c.kind === 'tenant.create' && c.slug === tenant);
  const owner = created?.kind === 'tenant.create' ? created.owner.telegramUserId : fleet.tenants.get(tenant)?.tenant.owner.telegramUserId;
  if (owner === undefined) return [];
  return [{ dedupeKey: `stripe:${event.id}:paid`, telegramUserId: owner, kind: 'purchase.paid', payload: { tenant } }];
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
