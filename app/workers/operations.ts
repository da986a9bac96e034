import { type OperationsReport, runOperations } from '../../reconciler/operations.js';
import { PgOperationQueue, type TransactionPool } from '../../reconciler/operations-store-pg.js';
import type { ReconcilerDeps } from '../../reconciler/reconcile.js';
import { startWorkerLoop, type WorkerLoop } from './loop.js';

/**
 * The operations worker: carries out what customers asked for in the bot that is not a fleet
 * change (a restart, `tenant_operations`), in the reconciler's process and with its dependencies,
 * since the hosts are the reconciler's alone (DESIGN.md). Processes running side by side share
 * the queue (reconciler/operations.ts).
 */

export interface OperationsWorkerDeps {
  /** The reconciler's dependencies (app/reconciler.ts `openReconciler(...).deps`). */
  readonly reconciler: ReconcilerDeps;
  /** The control database that holds `tenant_operations` (the control plane's pool). */
  readonly pool: TransactionPool;
}

export interface OperationsWorkerOptions {
  readonly signal: AbortSignal;
  /** Poll interval when idle: a customer is waiting for the restart they asked for. `kick()` cuts it short. */
  readonly intervalMs?: number;
  /** Operations per round. */
  readonly batch?: number;
  /** How long a run may take before its row counts as abandoned (reconciler/operations-store-pg.ts). */
  readonly staleAfterMs?: number;
  /** Called after each round with what it did (tests wait on it). */
  readonly onRound?: (report: OperationsReport) => void;
}

/** `runOperations` in a loop until `signal` aborts. */
export function startOperationsWorker(deps: OperationsWorkerDeps, opts: OperationsWorkerOptions): WorkerLoop {
  const batch = opts.batch ?? 10;
  const operations = new PgOperationQueue(deps.pool, opts.staleAfterMs === undefined ? {} : { staleAfterMs: opts.staleAfterMs });
  const reconciler = deps.reconciler;
  return startWorkerLoop({
    name: 'operations',
    intervalMs: opts.intervalMs ?? 5_000,
    retryMs: 15_000,
    signal: opts.signal,
    log: reconciler.steps.log,
    random: reconciler.random,
    round: async () => {
      const report = await runOperations({ ...reconciler, operations }, { limit: batch });
      opts.onRound?.(report);
      // A full round may have left more. Operations waiting for a lock alone are tried again
      // after the interval, not at once: a deploy holding one takes minutes.
      const handled = report.done + report.failed;
      return handled > 0 && handled + report.waiting === batch;
    },
  });
}
