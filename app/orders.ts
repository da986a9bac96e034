import { z } from 'zod';
import type { OrderStore, PendingOrder } from '../billing/contract.js';
import { Chat, ModuleName, SemVer, Slug, TelegramUserId } from '../fleet/schema/index.js';
import type { Db } from './db/db.js';

/**
 * Pending orders in the control database (`orders`, migrations/0002_billing.sql): the bot puts
 * what a customer asked for before sending them to Checkout; the Stripe inbox reads it when
 * `checkout.session.completed` arrives and marks it completed.
 */

/** A stored order that no longer reads as one (edited by hand, an older shape). */
export class OrderCorruptError extends Error {
  override readonly name = 'OrderCorruptError';
}

/**
 * The stored shape, checked on the way out: rows outlive code, and a half-read order would
 * create a wrong tenant. Sealed secrets are age armor, checked when the tenant is created.
 */
const StoredOrder = z.object({
  tenant: Slug,
  telegramUserId: TelegramUserId,
  telegramUsername: z.string().max(32).optional(),
  botUsername: z.string().max(32).optional(),
  plan: z.string().min(1).max(64),
  modules: z.array(z.object({ name: ModuleName, version: SemVer.optional() })),
  chats: z.array(Chat),
  secrets: z.record(z.string(), z.string()),
  createdAt: z.string(),
});

export class PgOrderStore implements OrderStore {
  /** `db`: the pool, or a transaction's connection when the caller needs the write inside it. */
  constructor(private readonly db: Db) {}

  /**
   * Stores or replaces a tenant's pending order. Only its own customer's unpaid order is
   * replaced (they started over): false when the name is held by another customer's order or
   * was paid for already, decided in the one statement, so two customers who pick the same free
   * name at once cannot overwrite each other.
   */
  async put(order: PendingOrder): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO orders (tenant, payload, created_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (tenant) DO UPDATE SET payload = excluded.payload, created_at = excluded.created_at
       WHERE orders.completed_at IS NULL AND orders.payload->>'telegramUserId' = excluded.payload->>'telegramUserId'`,
      [order.tenant, JSON.stringify(order), order.createdAt],
    );
    return result.rowCount === 1;
  }

  /** The order of a tenant, completed or not: a redelivered checkout event must still find it. */
  async get(tenant: string): Promise<PendingOrder | null> {
    const result = await this.db.query<{ payload: unknown }>(`SELECT payload FROM orders WHERE tenant = $1`, [tenant]);
    const row = result.rows[0];
    if (row === undefined) return null;
    const parsed = StoredOrder.safeParse(row.payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(order)'}: ${i.message}`).join('; ');
      throw new OrderCorruptError(`the stored order of tenant ${tenant} is not a valid pending order: ${problems}`);
    }
    return parsed.data;
  }

  /** Marks the order paid by `eventId`; the first completing event is kept. */
  async complete(tenant: string, eventId: string): Promise<void> {
    await this.db.query(`UPDATE orders SET completed_at = now(), event_id = $2 WHERE tenant = $1 AND completed_at IS NULL`, [tenant, eventId]);
  }
}
