import { loadRevision } from '../fleet/load/revision.js';
import type { Log } from '../fleet/log.js';
import type { Fleet, TenantRecord } from '../fleet/model.js';
import { composeProject } from '../fleet/names.js';
import { mustRun } from './desired.js';
import { asReconcileError, TransientError } from './errors.js';
import { dropletsByHost } from './observed.js';
import { type CloudProvider, fleetTag, type HostRuntime, type HostTarget } from './ports.js';
import { FleetInvalidError, type OwnerLocks, type ReconcilerDeps } from './reconcile.js';
import { HostUnreachableError } from './resources/compose-stack/errors.js';
import type { HostKeyStore, Notifier } from './store.js';

/**
 * Operations customers ask for in the bot that are not fleet changes (a restart): queued in
 * `tenant_operations` by the bot, carried out here, by the reconciler process, which owns the
 * hosts (DESIGN.md). Each one runs under the tenant's owner lock, the one a reconcile pass takes,
 * so a restart never races a deploy, a stop or a removal of the same tenant's stack; while a pass
 * holds it, the operation waits in the queue for a later round.
 *
 * The owner is told the outcome once, through the outbox (`operation.done` / `operation.failed`,
 * dedupe key `operation:<id>:<status>`). The message is queued before the row is marked finished:
 * a crash between the two runs the operation again (a second restart harms nothing) and the
 * dedupe key keeps the message single, where the other order could lose it.
 */

export type OperationKind = 'restart';

/** A row of tenant_operations, as claimed. */
export interface QueuedOperation {
  readonly id: number;
  readonly tenant: string;
  readonly kind: OperationKind;
  /** The Telegram user who asked. */
  readonly requestedBy: number;
  readonly requestedAt: Date;
  /** True when a process took it before and did not finish (crashed): it runs again. */
  readonly retaken: boolean;
}

export type OperationOutcome = { readonly status: 'done' } | { readonly status: 'failed'; readonly reason: FailureReason; readonly error: string };

/**
 * Why an operation failed, as the owner is told (bot/notifications/operations.ts renders each):
 * - deleted: the tenant is not on main (any more);
 * - suspended / cancelled: billing stopped it, and a restart would start its stopped containers;
 * - unpaid: paid-through plus the grace days has passed, or it was never paid;
 * - not_deployed: its stack is not on its host (yet);
 * - host_unavailable: its host has no droplet, address or pinned key yet, or does not answer;
 * - error: the restart itself failed.
 */
export type FailureReason = 'deleted' | 'suspended' | 'cancelled' | 'unpaid' | 'not_deployed' | 'host_unavailable' | 'error';

/** The lock reason an operation holds its tenant's lock with: the queue reads it to tell a live run from a crashed one. */
export const OPERATION_LOCK_PREFIX = 'operation ';
export const operationLockReason = (id: number) => `${OPERATION_LOCK_PREFIX}${id}`;

/** tenant_operations, as runOperations uses it (operations-store-pg.ts). */
export interface OperationQueue {
  /**
   * The oldest operation that is queued, or running for a process that is gone, and not in
   * `skip`: claimed with the row locked against other processes, then `take` decides. A non-null
   * result marks it running (started now); null leaves the row exactly as it was. Null when no
   * operation is left.
   */
  claim<T>(skip: readonly number[], take: (operation: QueuedOperation) => Promise<T | null>): Promise<{ readonly operation: QueuedOperation; readonly taken: T | null } | null>;
  /** Marks a running operation done or failed (with its error), finished now. */
  finish(id: number, outcome: OperationOutcome): Promise<void>;
}

/** What runOperations uses: a slice of ReconcilerDeps plus the queue, so `{ ...reconcilerDeps, operations }` fits. */
export interface OperationDeps {
  readonly fleet: ReconcilerDeps['fleet'];
  readonly cloud: CloudProvider;
  readonly runtime: HostRuntime;
  readonly hostKeys: HostKeyStore;
  readonly sshUser: string;
  readonly sshPort: number;
  readonly store: Notifier;
  readonly locks: OwnerLocks;
  readonly steps: { readonly now: () => Date; readonly log: Log };
  readonly operations: OperationQueue;
}

export interface OperationsReport {
  readonly done: number;
  readonly failed: number;
  /** Left queued this round: another process holds the tenant's lock (a deploy in progress). */
  readonly waiting: number;
}

type Lock = NonNullable<Awaited<ReturnType<OwnerLocks['tryLock']>>>;

/**
 * Runs up to `limit` operations, oldest first, each at most once per round. An operation whose
 * tenant is locked stays queued for the next round. What fails for the whole round (the fleet
 * repo unreadable, main invalid, the database down) throws before the operation is marked
 * running, so it stays queued too.
 */
export async function runOperations(deps: OperationDeps, opts: { limit: number }): Promise<OperationsReport> {
  const counts = { done: 0, failed: 0, waiting: 0 };
  const tried: number[] = [];
  const main = mainReader(deps.fleet);
  for (let i = 0; i < opts.limit; i += 1) {
    const claimed = await claimNext(deps, tried, main);
    if (claimed === null) break;
    const { operation, taken } = claimed;
    tried.push(operation.id);
    if (taken === null) {
      counts.waiting += 1;
      continue;
    }
    const outcome = await runHeld(deps, operation, taken);
    counts[outcome.status] += 1;
  }
  return counts;
}

interface Held {
  readonly lock: Lock;
  readonly fleet: Fleet;
}

/** The next operation, with its tenant's lock and main's fleet when both could be had. */
async function claimNext(deps: OperationDeps, tried: readonly number[], main: () => Promise<Fleet>): Promise<{ operation: QueuedOperation; taken: Held | null } | null> {
  let held: Lock | null = null;
  try {
    return await deps.operations.claim(tried, async (operation): Promise<Held | null> => {
      const lock = await deps.locks.tryLock(operation.tenant, operationLockReason(operation.id));
      if (lock === null) return null;
      held = lock;
      // Read once the lock is held: a suspension merged meanwhile is seen, and a pass that
      // would stop the stack waits for this lock.
      return { lock, fleet: await main() };
    });
  } catch (error) {
    // Nothing was marked running (the claim rolled back): the lock must not outlive it.
    await (held as Lock | null)?.release();
    throw error;
  }
}

async function runHeld(deps: OperationDeps, operation: QueuedOperation, { lock, fleet }: Held): Promise<OperationOutcome> {
  const log = deps.steps.log;
  const context = { tenant: operation.tenant, operation: operation.id, kind: operation.kind, retaken: operation.retaken };
  try {
    const record = fleet.tenants.get(operation.tenant);
    const outcome = await restart(deps, fleet, operation.tenant, record, lock.signal);
    // The owner as main names them; a deleted tenant has none left, so whoever asked is told.
    const recipient = record?.tenant.owner.telegramUserId ?? operation.requestedBy;
    const payload = { tenant: operation.tenant, operation: operation.kind, ...(outcome.status === 'failed' ? { reason: outcome.reason } : {}) };
    await deps.store.event(operation.tenant, `operation.${outcome.status}`, { id: operation.id, ...payload, ...(outcome.status === 'failed' ? { error: outcome.error } : {}) });
    await deps.store.message(`operation:${operation.id}:${outcome.status}`, recipient, `operation.${outcome.status}`, payload);
    await deps.operations.finish(operation.id, outcome);
    if (outcome.status === 'done') log.info(context, 'operation done');
    else log.warn({ ...context, reason: outcome.reason, err: outcome.error }, 'operation failed');
    return outcome;
  } finally {
    await lock.release();
  }
}

/**
 * A restart, checked first against main: nothing is touched for a tenant that must not run. The
 * cloud or the host failing fails it, and the owner, told, may ask again; retrying on our own
 * would leave them waiting with no word for as long as the fault lasts.
 */
async function restart(deps: OperationDeps, fleet: Fleet, slug: string, record: TenantRecord | undefined, lockLost: AbortSignal | undefined): Promise<OperationOutcome> {
  if (record === undefined) return failed('deleted', `${slug} is not in the fleet at main`);
  const billing = mustRun(record, fleet.config.billing.graceDays, deps.steps.now().toISOString());
  if (!billing.run) {
    const status = record.billing.status;
    return failed(status === 'suspended' || status === 'cancelled' ? status : 'unpaid', `${slug} must not run: ${billing.reason}`);
  }
  const host = hostKeyOf(record);
  const project = composeProject(slug);
  let target: HostTarget | string;
  try {
    target = await targetOf(deps, fleet.config.name, host);
    if (typeof target === 'string') return failed('host_unavailable', `${host} ${target}`);
    const stack = (await deps.runtime.listStacks(target)).find((s) => s.project === project);
    if (stack === undefined || stack.services.length === 0) return failed('not_deployed', `${project} has no containers on ${host}`);
  } catch (error) {
    return failedBy(error, slug);
  }
  // Without the lock a deploy may be starting: stop, unfinished, and let the row be taken again
  // (its run has no live lock holder any more).
  if (lockLost?.aborted) throw new TransientError('LockLost', `the lock of ${slug} was lost (its database connection ended); not restarting`, { owner: slug });
  try {
    await deps.runtime.restart(target, project);
    return { status: 'done' };
  } catch (error) {
    return failedBy(error, slug);
  }
}

function failedBy(error: unknown, slug: string): OperationOutcome {
  const e = asReconcileError(error, { owner: slug, action: `${slug}/restart` });
  return failed(error instanceof HostUnreachableError ? 'host_unavailable' : 'error', `${e.reason}: ${e.message}`);
}

const failed = (reason: FailureReason, error: string): OperationOutcome => ({ status: 'failed', reason, error: error.slice(0, 2_000) });

/** The host key of desired.ts: `tenant:<slug>` for a dedicated tenant, `host:<name>` for a shared one. */
function hostKeyOf(record: TenantRecord): string {
  const placement = record.tenant.placement;
  return placement.type === 'dedicated' ? `tenant:${record.slug}` : `host:${placement.host}`;
}

/**
 * The SSH target of a host as a reconcile pass finds it: the fleet's droplets by tag, grouped by
 * host key, the first one's address once active, and the pinned host key. Else why not.
 */
async function targetOf(deps: OperationDeps, fleet: string, host: string): Promise<HostTarget | string> {
  const droplet = dropletsByHost(await deps.cloud.listDroplets(fleetTag(fleet))).get(host)?.[0];
  if (droplet === undefined) return 'has no droplet';
  if (droplet.status !== 'active' || droplet.ipv4 === null) return `droplet ${droplet.id} is ${droplet.status}, without an address yet`;
  const hostKey = await deps.hostKeys.get(host);
  if (hostKey === null) return 'has no pinned host key';
  return { address: droplet.ipv4, port: deps.sshPort, user: deps.sshUser, hostKey };
}

/** Main's fleet, loaded again only when main moved since the last read. */
function mainReader(repo: OperationDeps['fleet']): () => Promise<Fleet> {
  let last: { revision: string; fleet: Fleet } | null = null;
  return async () => {
    const revision = await repo.head('main');
    if (revision === null) throw new FleetInvalidError('NoMain', 'the fleet repo has no main branch');
    if (last?.revision === revision) return last.fleet;
    const loaded = await loadRevision(repo, revision);
    if (!loaded.ok) throw new FleetInvalidError('InvalidFleet', `main (${revision.slice(0, 12)}) does not validate: ${loaded.issues.length} problems (run buckfleet validate)`);
    last = { revision, fleet: loaded.fleet };
    return loaded.fleet;
  };
}
