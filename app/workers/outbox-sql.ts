/**
 * The outbox sender's SQL (migrations/0001 outbox, 0003 progress_messages and telegram_users,
 * 0004 status and credentials_sent). Times come from the sender's clock as parameters, so one
 * clock decides what is due.
 */

export interface ClaimedRow extends Record<string, unknown> {
  readonly id: string;
  readonly dedupe_key: string;
  /** bigint: pg hands it over as a string. */
  readonly telegram_user_id: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly message_id: string | null;
}

export const outboxSql = {
  /**
   * Due rows of recipients who blocked the bot are given up on without a call to Telegram; they
   * write again, `seen` clears blocked_at, and what is queued from then on is sent. Leased rows
   * (another sender is on them) are left to that sender. $1 now.
   */
  skipBlocked: `
    UPDATE outbox SET status = 'skipped', finished_at = $1, last_error = 'the recipient has blocked the bot'
    WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
      AND telegram_user_id IN (SELECT id FROM telegram_users WHERE blocked_at IS NOT NULL)`,

  /**
   * Claims up to $2 due rows, oldest first, by leasing them until $3: each is the oldest pending
   * row of its recipient, so one person's messages go out one at a time and in the order they
   * were queued, even with several senders (a row another sender holds keeps its recipient's
   * later rows back). SKIP LOCKED: senders running side by side never wait on each other.
   * $1 now.
   */
  claim: `
    WITH due AS (
      SELECT o.id FROM outbox o
      WHERE o.status = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $1)
        AND NOT EXISTS (SELECT 1 FROM outbox older WHERE older.telegram_user_id = o.telegram_user_id AND older.status = 'pending' AND older.id < o.id)
      ORDER BY o.id
      LIMIT $2
      FOR UPDATE OF o SKIP LOCKED
    )
    UPDATE outbox SET next_attempt_at = $3 FROM due WHERE outbox.id = due.id
    RETURNING outbox.id, outbox.dedupe_key, outbox.telegram_user_id, outbox.kind, outbox.payload, outbox.attempts, outbox.message_id`,

  /** The row's message reached Telegram ($2 its id); it is done. $3 now. */
  markSent: `UPDATE outbox SET status = 'sent', sent_at = $3, finished_at = $3, message_id = $2, next_attempt_at = NULL, last_error = NULL WHERE id = $1`,

  /** The first of two messages reached Telegram: a retry sends only the second. */
  recordMessage: `UPDATE outbox SET message_id = $2 WHERE id = $1`,

  /** Given up on: 'skipped' or 'failed' ($2), with why ($3). $4 now. */
  finish: `UPDATE outbox SET status = $2, last_error = $3, finished_at = $4, next_attempt_at = NULL WHERE id = $1`,

  /** The last attempt failed too: counted, and given up on with why ($2). $3 now. */
  exhausted: `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2, finished_at = $3, next_attempt_at = NULL WHERE id = $1`,

  /** A failed attempt: counted, tried again at $3. */
  retry: `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1`,

  /** Not tried (Telegram asked for a pause): again at $2, the attempt not counted. */
  defer: `UPDATE outbox SET next_attempt_at = $2, last_error = coalesce($3, last_error) WHERE id = $1`,

  topicMessage: `SELECT message_id FROM progress_messages WHERE telegram_user_id = $1 AND topic = $2`,
  putTopicMessage: `
    INSERT INTO progress_messages (telegram_user_id, topic, message_id, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (telegram_user_id, topic) DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at`,
  closeTopic: `DELETE FROM progress_messages WHERE telegram_user_id = $1 AND topic = $2`,

  /** Whether a tenant's credentials were sent, or claimed by a sender that may have sent them. */
  credentialsKnown: `SELECT 1 FROM credentials_sent WHERE tenant = $1`,
  /** The claim before sending: no row back means another sender has them. */
  claimCredentials: `
    INSERT INTO credentials_sent (tenant, telegram_user_id, outbox_id, claimed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (tenant) DO NOTHING RETURNING tenant`,
  /** Telegram refused the message (nothing was sent): the claim goes, so a retry may send it. */
  releaseCredentials: `DELETE FROM credentials_sent WHERE tenant = $1 AND outbox_id = $2 AND sent_at IS NULL`,
  credentialsSent: `UPDATE credentials_sent SET sent_at = $2, message_id = $3 WHERE tenant = $1`,

  /** The customer bot's username the order recorded (the buy flow writes `botUsername`). */
  botUsername: `SELECT payload->>'botUsername' AS username FROM orders WHERE tenant = $1`,
} as const;
