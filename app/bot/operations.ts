import type { OperationRequests, RestartRequest } from '../../bot/ports.js';
import { type TxPool, transaction } from '../db/db.js';

/** At most one restart per tenant in this window: a restart loop helps nobody and costs a host. */
export const RESTART_INTERVAL_SECONDS = 300;

/**
 * tenant_operations: restarts asked for in the bot, journaled and rate-limited here, carried out
 * by the reconciler process (it owns the hosts; reconciler/operations.ts).
 */
export class PgOperationRequests implements OperationRequests {
  constructor(
    private readonly pool: TxPool,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async requestRestart(tenant: string, requestedBy: number): Promise<RestartRequest> {
    return transaction(this.pool, async (db) => {
      // Two presses at once must not both pass the check: one at a time per tenant.
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('tenant_operations:' || $1))`, [tenant]);
      const last = await db.query<{ at: Date }>(
        `SELECT requested_at AS at FROM tenant_operations WHERE tenant = $1 AND kind = 'restart' AND status <> 'failed' ORDER BY requested_at DESC LIMIT 1`,
        [tenant],
      );
      const now = this.now();
      const previous = last.rows[0]?.at;
      if (previous !== undefined) {
        const elapsed = (now.getTime() - previous.getTime()) / 1000;
        if (elapsed < RESTART_INTERVAL_SECONDS) return { status: 'rate_limited', retryAfterSeconds: Math.ceil(RESTART_INTERVAL_SECONDS - elapsed) };
      }
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO tenant_operations (tenant, kind, requested_by, requested_at) VALUES ($1, 'restart', $2, $3) RETURNING id`,
        [tenant, requestedBy, now],
      );
      return { status: 'queued', id: Number(inserted.rows[0]!.id) };
    });
  }
}
