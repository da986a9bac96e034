import { createHash } from 'node:crypto';
import { clockDecisions } from '../../billing/clock.js';
import { branchFor } from '../../fleet/changes/describe.js';
import { ChangeRequest } from '../../fleet/changes/index.js';
import { loadRevision } from '../../fleet/load/revision.js';
import type { Log } from '../../fleet/log.js';
import { mergeModeOf } from '../../fleet/policy.js';
import { type ChangeRequests, type FleetRepo, MAIN } from '../../fleet/repo/types.js';
import { FleetBrokenError, submitChange } from '../../fleet/submit.js';
import { transaction, type TxPool } from '../db/db.js';
import { queueMessage } from '../outbox.js';
import { startWorkerLoop, type WorkerLoop } from './loop.js';

/**
 * The billing clock (issue 4): once a minute, billing/ looks at every tenant's paid-through date
 * and says what time has made due — status moves, a deletion PR after retention, reminders —
 * and this worker submits the changes and queues the reminders. One process runs it at a time,
 * under a transaction-level advisory lock; the others skip that tick. Running a tick twice is
 * harmless anyway: change requests are idempotent by id and reminders by dedupe key.
 */

export interface ClockDeps {
  readonly pool: TxPool;
  readonly repo: FleetRepo & ChangeRequests;
  readonly now: () => Date;
  readonly log: Log;
  readonly random: () => number;
  /** billing/'s rules; replaced in tests to drive the worker with chosen decisions. */
  readonly decide?: typeof clockDecisions;
}

export type ClockTick =
  | { readonly ran: false }
  | { readonly ran: true; readonly submitted: number; readonly waiting: number; readonly failed: number; readonly reminders: number };

/** The clock's advisory lock key: 8 bytes of a hash, as the reconciler's owner locks do. */
export const CLOCK_LOCK_KEY = createHash('sha256').update('buckfleet:billing-clock').digest().readBigInt64BE(0).toString();

/** One tick; `{ ran: false }` when another process holds the clock. */
export async function runClockTick(deps: ClockDeps): Promise<ClockTick> {
  return transaction(deps.pool, async (db) => {
    const lock = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [CLOCK_LOCK_KEY]);
    if (lock.rows[0]?.locked !== true) return { ran: false };
    const head = await deps.repo.head(MAIN);
    if (head === null) throw new FleetBrokenError('(none)', [{ file: 'fleet.yaml', line: 1, field: '(file)', message: 'the fleet repo has no main branch' }]);
    const loaded = await loadRevision(deps.repo, head);
    if (!loaded.ok) throw new FleetBrokenError(head, loaded.issues);
    const decisions = (deps.decide ?? clockDecisions)(loaded.fleet, deps.now());

    let submitted = 0;
    let waiting = 0;
    let failed = 0;
    for (const input of decisions.changes) {
      const change = ChangeRequest.parse(input);
      // A change waiting for review (tenant.delete) is already where it should be; submitting
      // it again every minute would only add commits to its branch. (An auto-merge change left
      // open by a failed merge is submitted again, which merges it.)
      if (mergeModeOf(loaded.fleet.config, change.kind) === 'review' && (await deps.repo.findPr(branchFor(change)))?.state === 'open') {
        waiting += 1;
        continue;
      }
      try {
        await submitChange({ repo: deps.repo, prs: deps.repo, now: deps.now, log: deps.log, random: deps.random }, input);
        submitted += 1;
      } catch (error) {
        // One tenant's failed change must not hold back the others' (nor the reminders); the
        // next tick submits it again.
        failed += 1;
        deps.log.warn({ kind: change.kind, id: change.id, err: error instanceof Error ? error.message : String(error) }, 'billing clock change failed; next tick retries');
      }
    }
    let reminders = 0;
    for (const r of decisions.reminders) {
      const payload = { tenant: r.tenant, paidThrough: r.paidThrough, ...(r.daysLeft !== undefined ? { daysLeft: r.daysLeft } : {}) };
      if (await queueMessage(db, { dedupeKey: r.dedupeKey, telegramUserId: r.telegramUserId, kind: r.kind, payload })) reminders += 1;
    }
    const tick = { ran: true as const, submitted, waiting, failed, reminders };
    if (submitted + failed + reminders > 0) deps.log.info({ revision: head, ...tick }, 'billing clock tick');
    return tick;
  });
}

export function startBillingClock(deps: ClockDeps, opts: { signal: AbortSignal; intervalMs?: number }): WorkerLoop {
  return startWorkerLoop({
    name: 'billing-clock',
    intervalMs: opts.intervalMs ?? 60_000,
    retryMs: 60_000,
    signal: opts.signal,
    log: deps.log,
    random: deps.random,
    round: async () => {
      await runClockTick(deps);
      return false;
    },
  });
}
