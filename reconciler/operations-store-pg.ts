import { OPERATION_LOCK_PREFIX, type OperationOutcome, type OperationQueue, type QueuedOperation } from './operations.js';
import type { Queryable } from './store-pg.js';

/** Queries, and one connection lent for a transaction: a pg Pool fits (the reconciler does not import app/). */
export interface TransactionPool extends Queryable {
  connect(): Promise<Queryable & { release(destroy?: boolean | Error): void }>;
}

/** A running operation's row says it finished, or is gone: two processes ran it, which the locks exclude. */
export class OperationStateError extends Error {
  override readonly name = 'OperationStateError';
  constructor(readonly operation: number, detail: string) {
    super(`tenant operation ${operation}: ${detail}`);
  }
}

/** Longest a restart may run (the SSH command limit is 10 minutes) before its row counts as abandoned. */
export const DEFAULT_STALE_AFTER_MS = 15 * 60_000;

/**
 * The oldest operation that is queued, or running for nobody: its run holds the tenant's lock
 * with reason `operation <id>` (reconciler_locks, written by lock.ts), so a running row without
 * such a holder alive is one a crashed process left. A row running longer than $2 seconds is
 * taken again too (a holder's PID reused by another session); whoever claims it must still get
 * the tenant's lock. Skipped: rows another process has locked for its claim, and `$1`.
 */
const CLAIM = `
SELECT o.id, o.tenant, o.kind, o.requested_by, o.requested_at, o.status
FROM tenant_operations o
WHERE NOT (o.id = ANY($1::bigint[]))
  AND (o.status = 'queued'
    OR (o.status = 'running' AND (
      o.started_at < now() - make_interval(secs => $2)
      OR NOT EXISTS (
        SELECT 1 FROM reconciler_locks l
        WHERE l.tenant = o.tenant AND l.reason = $3 || o.id::text
          AND EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid)))))
ORDER BY o.requested_at, o.id
LIMIT 1
FOR UPDATE OF o SKIP LOCKED`;

const MARK_RUNNING = `UPDATE tenant_operations SET status = 'running', started_at = now(), finished_at = NULL, error = NULL WHERE id = $1`;

const FINISH = `UPDATE tenant_operations SET status = $2, finished_at = now(), error = $3 WHERE id = $1 AND status = 'running' RETURNING id`;

interface Row extends Record<string, unknown> {
  id: string;
  tenant: string;
  kind: string;
  requested_by: string;
  requested_at: Date;
  status: string;
}

/** tenant_operations (migrations/0003_bot.sql) as the reconciler's operation queue. */
export class PgOperationQueue implements OperationQueue {
  readonly #staleAfterSeconds: number;

  constructor(
    private readonly pool: TransactionPool,
    opts: { staleAfterMs?: number } = {},
  ) {
    this.#staleAfterSeconds = (opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) / 1000;
  }

  async claim<T>(skip: readonly number[], take: (operation: QueuedOperation) => Promise<T | null>): Promise<{ operation: QueuedOperation; taken: T | null } | null> {
    return inTransaction(this.pool, async (db) => {
      const row = (await db.query<Row>(CLAIM, [skip, this.#staleAfterSeconds, OPERATION_LOCK_PREFIX])).rows[0];
      if (row === undefined) return null;
      if (row.kind !== 'restart') throw new OperationStateError(Number(row.id), `unknown kind ${JSON.stringify(row.kind)}`);
      const operation: QueuedOperation = {
        id: Number(row.id),
        tenant: row.tenant,
        kind: row.kind,
        requestedBy: Number(row.requested_by),
        requestedAt: row.requested_at,
        retaken: row.status === 'running',
      };
      // The row stays locked while `take` runs: no other process can claim it meanwhile.
      const taken = await take(operation);
      if (taken !== null) await db.query(MARK_RUNNING, [operation.id]);
      return { operation, taken };
    });
  }

  async finish(id: number, outcome: OperationOutcome): Promise<void> {
    const r = await this.pool.query(FINISH, [id, outcome.status, outcome.status === 'failed' ? outcome.error : null]);
    if (r.rows.length === 0) throw new OperationStateError(id, `was not running when it finished ${outcome.status}`);
  }
}

/** BEGIN, `fn`, COMMIT; ROLLBACK when it throws (a connection whose ROLLBACK fails is discarded). */
async function inTransaction<T>(pool: TransactionPool, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
    await db.query('BEGIN');
    const result = await fn(db);
    await db.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await db.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    db.release(broken);
  }
}
