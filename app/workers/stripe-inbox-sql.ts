/**
 * The inbox's SQL (`stripe_events`, migrations/0002_billing.sql), as data: the worker runs it,
 * tests read it. Times are the database's `now()`, one clock for every process sharing the inbox.
 */

/** An unprocessed event as claimed. */
export interface PendingEvent extends Record<string, unknown> {
  readonly id: string;
  readonly type: string;
  /** The verified webhook body, parsed by pg from jsonb. */
  readonly payload: unknown;
  readonly attempts: number;
  /** How long ago the webhook recorded it, by the database's clock. */
  readonly age_ms: number;
}

export const pendingEventQueries = {
  /**
   * The oldest due event not yet tried in this round ($1: ids tried), locked for this
   * transaction; rows other processes hold are skipped, not waited for, so each process takes the
   * next free one, and an event waiting for its tenant never blocks the events behind it.
   */
  claimNext: `SELECT id, type, payload, attempts, (extract(epoch FROM now() - received_at) * 1000)::float8 AS age_ms FROM stripe_events
    WHERE processed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now()) AND NOT (id = ANY($1::text[]))
    ORDER BY received_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
  /** $1 id. */
  markProcessed: `UPDATE stripe_events SET processed_at = now(), attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL WHERE id = $1`,
  /** $1 id, $2 error: processed for good, the error kept. */
  markRejected: `UPDATE stripe_events SET processed_at = now(), attempts = attempts + 1, last_error = $2, next_attempt_at = NULL WHERE id = $1`,
  /** $1 id, $2 error, $3 milliseconds until the next attempt. */
  markFailed: `UPDATE stripe_events SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1`,
  /** $1 event id, $2 detail (JSON). */
  audit: `INSERT INTO audit_log (actor, action, subject, detail, at) VALUES ('stripe', 'stripe.event_rejected', $1, $2::jsonb, now())`,
} as const;
