import type { Db } from './db/db.js';

/**
 * Telegram messages for the bot to send (`outbox`, migrations/0001): each queued once by its
 * dedupe key, so a worker that runs an item again — after a crash, in a second process —
 * never tells anyone twice.
 */
export interface OutboxMessage {
  /** Derived from what caused it (a Stripe event id, a reminder's day), never random. */
  readonly dedupeKey: string;
  readonly telegramUserId: number;
  /** What the bot renders: `billing.payment_failed`, `admin.refund`, `billing.reminder`. */
  readonly kind: string;
  /** Facts for the message; no card data, no secrets. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Queues a message unless one with its dedupe key is queued already; true when queued now. */
export async function queueMessage(db: Db, message: OutboxMessage): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO outbox (dedupe_key, telegram_user_id, kind, payload, created_at, attempts) VALUES ($1, $2, $3, $4::jsonb, now(), 0)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [message.dedupeKey, message.telegramUserId, message.kind, JSON.stringify(message.payload)],
  );
  return result.rowCount === 1;
}
