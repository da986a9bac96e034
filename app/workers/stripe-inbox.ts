import { BillingEventCustomerPendingError, BillingEventError, BillingEventWaitingError, changesForEvent } from '../../billing/stripe-events.js';
import { loadRevision } from '../../fleet/load/revision.js';
import type { Log } from '../../fleet/log.js';
import type { Fleet } from '../../fleet/model.js';
import { type ChangeRequests, type FleetRepo, MAIN } from '../../fleet/repo/types.js';
import { redactUrls } from '../../fleet/repo/git/runner.js';
import { FleetBrokenError, submitChange } from '../../fleet/submit.js';
import { type Db, transaction, type TxPool } from '../db/db.js';
import { PgOrderStore } from '../orders.js';
import { queueMessage } from '../outbox.js';
import { type PendingEvent, pendingEventQueries as sql } from './stripe-inbox-sql.js';
import { messagesForEvent } from './stripe-messages.js';
import { startWorkerLoop, type WorkerLoop } from './loop.js';

/**
 * The Stripe inbox worker: turns recorded webhook events (`stripe_events`) into fleet changes.
 * Each event is claimed in a transaction with `FOR UPDATE SKIP LOCKED`, so processes running
 * side by side share the inbox and never handle one event at the same time; the oldest first.
 * Handling one event: read the fleet at main, find the pending order of a purchase, ask
 * billing/ for the change requests, submit each (idempotent by request id, so a retry after a
 * crash lands nothing twice), queue the messages, mark it processed — the last two in the
 * claiming transaction.
 *
 * The error decides what follows (STYLE.md rule 3): a `BillingEventError` (an unknown tenant, an
 * event type billing does not handle) can never succeed, so the event is marked processed with
 * the error and an audit_log row. A `BillingEventWaitingError` (its tenant is being bought but
 * not on main yet) is looked at again soon, and so is a `BillingEventCustomerPendingError` (its
 * customer is on no billing.yaml yet) until it has waited three days, when it is rejected. Anything else (the fleet repo unreachable, main
 * broken, a rejected change) may pass once something changes: retried with a growing wait.
 */

export interface InboxDeps {
  /** The control database; each event is handled in a transaction of its own. */
  readonly pool: TxPool;
  readonly repo: FleetRepo & ChangeRequests;
  readonly now: () => Date;
  readonly log: Log;
  readonly random: () => number;
  /** ADMIN_TELEGRAM_IDS: told of refunds along with fleet.yaml's admins. */
  readonly adminIds: readonly number[];
  /** Waits after a failure: base · 2^(attempts-1), capped, ±20% jitter. */
  readonly backoff?: Backoff;
  /** The same for an event waiting for its tenant to be created (`BillingEventWaitingError`). */
  readonly waitingBackoff?: Backoff;
}

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface InboxReport {
  /** Handled and marked processed. */
  readonly processed: number;
  /** Can never succeed: marked processed with the error. */
  readonly rejected: number;
  /** Failed this time; waiting for a retry. */
  readonly retrying: number;
}

const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 60 * 60_000 };
/** A purchase under review may take hours; a few minutes between looks is soon enough then. */
const DEFAULT_WAITING_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 5 * 60_000 };
/**
 * How long an event of a customer not on file waits for the Checkout that makes the customer:
 * Stripe redelivers an event for up to three days, so a Checkout not in by then is not coming.
 */
const CUSTOMER_WAIT_MS = 3 * 86_400_000;

/** Handles up to `limit` due events, one transaction each, each at most once; stops early when none is left. */
export async function processInbox(deps: InboxDeps, opts: { limit: number }): Promise<InboxReport> {
  const counts = { processed: 0, rejected: 0, retrying: 0 };
  const tried: string[] = [];
  for (let i = 0; i < opts.limit; i += 1) {
    const outcome = await transaction(deps.pool, (db) => handleNext(deps, db, tried));
    if (outcome === 'empty') break;
    counts[outcome] += 1;
  }
  return counts;
}

type Outcome = 'empty' | keyof InboxReport;

async function handleNext(deps: InboxDeps, db: Db, tried: string[]): Promise<Outcome> {
  const event = (await db.query<PendingEvent>(sql.claimNext, [tried])).rows[0];
  if (event === undefined) return 'empty';
  tried.push(event.id);
  const ctx = { event: event.id, type: event.type, attempt: event.attempts + 1 };
  // Writes of a failed attempt are undone to here; the failure itself is still recorded.
  await db.query('SAVEPOINT handle_event');
  try {
    await handleEvent(deps, db, event);
    await db.query(sql.markProcessed, [event.id]);
    deps.log.info(ctx, 'stripe event processed');
    return 'processed';
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT handle_event');
    const final = error instanceof BillingEventCustomerPendingError && event.age_ms > CUSTOMER_WAIT_MS ? error.giveUp : error;
    if (final instanceof BillingEventError) {
      const message = `${final.reason}: ${errorText(final.message)}`;
      await db.query(sql.markRejected, [event.id, message]);
      await db.query(sql.audit, [event.id, JSON.stringify({ type: event.type, reason: final.reason, error: message })]);
      deps.log.warn({ ...ctx, reason: final.reason, err: message }, 'stripe event rejected: it can never apply');
      return 'rejected';
    }
    const message = errorText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    // Waiting is expected (a purchase's invoice.paid often comes before its Checkout): look
    // again soon. Anything else is a failure: back off further each time.
    const waiting = error instanceof BillingEventWaitingError || error instanceof BillingEventCustomerPendingError;
    const waitMs = retryDelay(waiting ? (deps.waitingBackoff ?? DEFAULT_WAITING_BACKOFF) : (deps.backoff ?? DEFAULT_BACKOFF), event.attempts + 1, deps.random);
    await db.query(sql.markFailed, [event.id, message, waitMs]);
    if (error instanceof BillingEventWaitingError) deps.log.info({ ...ctx, tenant: error.tenant, retryInMs: waitMs }, 'stripe event waits for its tenant');
    else if (error instanceof BillingEventCustomerPendingError) deps.log.info({ ...ctx, customer: error.customer, retryInMs: waitMs }, 'stripe event waits for its customer\'s Checkout');
    else deps.log.warn({ ...ctx, err: message, retryInMs: waitMs }, 'stripe event failed; will retry');
    return 'retrying';
  }
}

async function handleEvent(deps: InboxDeps, db: Db, event: PendingEvent): Promise<void> {
  const fleet = await fleetAtMain(deps.repo);
  const orders = new PgOrderStore(db);
  const orderTenant = purchaseTenantOf(event);
  const order = orderTenant === null ? null : await orders.get(orderTenant);
  // The payload is the body whose signature the webhook verified; billing/ parses what it reads.
  const changes = changesForEvent(event.payload, { fleet, order, now: deps.now() });
  for (const change of changes) {
    await submitChange({ repo: deps.repo, prs: deps.repo, now: deps.now, log: deps.log, random: deps.random }, change);
  }
  for (const message of messagesForEvent(event, fleet, changes, deps.adminIds)) await queueMessage(db, message);
  if (order !== null) await orders.complete(order.tenant, event.id);
}

async function fleetAtMain(repo: FleetRepo): Promise<Fleet> {
  const head = await repo.head(MAIN);
  if (head === null) throw new FleetBrokenError('(none)', [{ file: 'fleet.yaml', line: 1, field: '(file)', message: 'the fleet repo has no main branch' }]);
  const loaded = await loadRevision(repo, head);
  if (!loaded.ok) throw new FleetBrokenError(head, loaded.issues);
  return loaded.fleet;
}

/** The tenant a completed Checkout names (client_reference_id, else metadata.tenant); null otherwise. */
function purchaseTenantOf(event: PendingEvent): string | null {
  if (event.type !== 'checkout.session.completed') return null;
  const object = objectOf(event.payload);
  const reference = object?.client_reference_id;
  if (typeof reference === 'string' && reference !== '') return reference;
  const metadata = object?.metadata;
  const tenant = typeof metadata === 'object' && metadata !== null && 'tenant' in metadata ? metadata.tenant : undefined;
  return typeof tenant === 'string' && tenant !== '' ? tenant : null;
}

function objectOf(payload: unknown): Record<string, unknown> | null {
  if (typeof payload !== 'object' || payload === null || !('data' in payload)) return null;
  const data = payload.data;
  if (typeof data !== 'object' || data === null || !('object' in data)) return null;
  const object = data.object;
  return typeof object === 'object' && object !== null ? (object as Record<string, unknown>) : null;
}

function retryDelay({ baseMs, maxMs }: Backoff, attempt: number, random: () => number): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)) * (0.8 + 0.4 * random()));
}

/** An error's text for `last_error` and the logs: URL credentials stripped, bounded. */
function errorText(text: string): string {
  return redactUrls(text).slice(0, 2_000);
}

export interface InboxWorkerOptions {
  readonly signal: AbortSignal;
  /** Poll interval when idle; the webhook kicks the worker when an event arrives. */
  readonly intervalMs?: number;
  /** Events per round. */
  readonly batch?: number;
}

/** The service's inbox worker: `processInbox` in a loop until `signal` aborts. */
export function startStripeInbox(deps: InboxDeps, opts: InboxWorkerOptions): WorkerLoop {
  const batch = opts.batch ?? 10;
  return startWorkerLoop({
    name: 'stripe-inbox',
    intervalMs: opts.intervalMs ?? 5_000,
    retryMs: 15_000,
    signal: opts.signal,
    log: deps.log,
    random: deps.random,
    round: async () => {
      const report = await processInbox(deps, { limit: batch });
      return report.processed + report.rejected + report.retrying === batch;
    },
  });
}
