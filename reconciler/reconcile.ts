import { loadRevision } from '../fleet/load/revision.js';
import type { TreeSource } from '../fleet/load/load-tree.js';
import type { Fleet, FleetSnapshot } from '../fleet/model.js';
import { type ApplyHooks, applyOwner } from './apply.js';
import type { HostAddresses, ModuleSource, StepContext } from './context.js';
import { desiredState, type DesiredState } from './desired.js';
import { StalledError, TransientError, type ReconcileError } from './errors.js';
import { observe, type ObserveDeps } from './observe.js';
import type { Observed } from './observed.js';
import { ownerLimiter } from './owner-limits.js';
import { plan, type Plan } from './plan.js';
import { type Backoff, computeResult } from './result.js';
import type { Journal, Notifier, StatusStore } from './store.js';

/** One writer per owner across every reconciler process (PostgreSQL advisory locks in production). */
export interface OwnerLocks {
  /** Null when another process holds it. `signal` aborts if the lock is lost (its connection died). */
  tryLock(owner: string, reason: string): Promise<{ release(): Promise<void>; readonly signal?: AbortSignal } | null>;
  /**
   * Each owner's lock generation (+1 on take, +1 on release; absent = 0), of `owners` or of all.
   * Without it every owner's turn observes its host again once its lock is held.
   */
  generations?(owners?: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

export interface ReconcilerSettings {
  readonly pruneLimit: number;
  readonly networkMode: 'host' | 'bridge';
  /** Owners applied at once, and tenants at once on one host. */
  readonly concurrency: { readonly global: number; readonly perHost: number };
  readonly backoff: Backoff;
}

/**
 * The fleet repo as the reconciler reads it. A repo that can also list trees and read blobs by sha
 * (LocalFleetRepo does) is loaded through a cache of validated manifests kept across passes.
 */
export type ReconcilerFleet = { head(branch: string): Promise<string | null>; read(commit: string): Promise<FleetSnapshot> } & Partial<TreeSource>;

export interface ReconcilerDeps extends ObserveDeps {
  readonly fleet: ReconcilerFleet;
  readonly modules: ModuleSource;
  readonly store: Journal & StatusStore & Notifier;
  readonly locks: OwnerLocks;
  /** The step context without what each pass derives (desired state, host addresses). */
  readonly steps: Omit<StepContext, 'desired' | 'addresses'>;
  readonly settings: ReconcilerSettings;
  readonly random: () => number;
}

export interface OwnerOutcome {
  readonly owner: string;
  /** locked: another process holds the owner this pass, or this process is stopping and left it for the next run. */
  readonly status: 'ready' | 'progressing' | 'failed' | 'stalled' | 'locked';
  readonly applied: readonly string[];
  readonly error: string | null;
  /** When this owner wants another look, jittered; null: the regular interval is enough. */
  readonly requeueAfterMs: number | null;
}

export interface PassReport {
  readonly revision: string;
  readonly plan: Plan;
  readonly owners: readonly OwnerOutcome[];
  /** Where the pass's time went (ms): loading main, deriving and observing, the owners' turns. */
  readonly timings: PassTimings;
}

export interface PassTimings {
  readonly loadMs: number;
  readonly desiredMs: number;
  readonly observeMs: number;
  readonly applyMs: number;
}

/** The soonest any owner asked to be looked at again. */
export function soonestRequeue(report: PassReport): number | null {
  const waits = report.owners.map((o) => o.requeueAfterMs).filter((ms): ms is number => ms !== null);
  return waits.length > 0 ? Math.min(...waits) : null;
}

/** main itself does not validate: nothing is applied until a person fixes it. */
export class FleetInvalidError extends StalledError {}

/**
 * One reconcile pass: load main, derive what it wants, observe the world, plan, and apply per
 * owner — shared hosts first, then tenants — each under its lock, re-observed and re-planned
 * once the lock is held so that two processes never do the same step. One failing owner never
 * stops the others.
 */
export async function reconcilePass(deps: ReconcilerDeps, opts: { only?: string; dryRun?: boolean; hooks?: ApplyHooks } = {}): Promise<PassReport> {
  const began = performance.now();
  const revision = await deps.fleet.head('main');
  if (revision === null) throw new FleetInvalidError('NoMain', 'the fleet repo has no main branch');
  const loaded = await loadRevision(deps.fleet, revision);
  if (!loaded.ok) throw new FleetInvalidError('InvalidFleet', `main (${revision.slice(0, 12)}) does not validate: ${loaded.issues.length} problems (run buckfleet validate)`);
  const fleet = loaded.fleet;
  const loadedAt = performance.now();
  const desired = desiredState(fleet, await deps.modules.runtimes(fleet), deps.steps.now().toISOString(), { networkMode: deps.settings.networkMode });
  const derivedAt = performance.now();
  // Read before looking: a lock taken after this moment shows in an owner's generation.
  const generations = (await deps.locks.generations?.()) ?? null;
  const observed = await observe(deps, fleet.config.name);
  const full = plan(desired, observed, { pruneLimit: deps.settings.pruneLimit });
  const plannedAt = performance.now();
  const timings = (appliedAt: number): PassTimings => ({
    loadMs: Math.round(loadedAt - began),
    desiredMs: Math.round(derivedAt - loadedAt),
    observeMs: Math.round(plannedAt - derivedAt),
    applyMs: Math.round(appliedAt - plannedAt),
  });
  if (opts.dryRun) return { revision, plan: full, owners: [], timings: timings(plannedAt) };

  const passObservation: PassObservation = { observed, generations, hostsOfProject: hostsByProject(observed) };
  const owners = ownersOf(full, desired, opts.only);
  const doneInPass = new Set<string>();
  const limited = ownerLimiter(deps.settings.concurrency.global, deps.settings.concurrency.perHost);
  const run = (owner: string) =>
    limited(desired.tenants.get(owner)?.host.key ?? owner, (): Promise<OwnerOutcome> => {
      // Stopping: owners not begun yet are left for the next run, untouched (not even locked).
      if (opts.hooks?.stopping?.aborted) return Promise.resolve({ owner, status: 'locked', applied: [], error: null, requeueAfterMs: null });
      return reconcileOwner(deps, fleet, desired, passObservation, revision, owner, doneInPass, opts.hooks ?? {});
    });
  // Every owner of a phase ends its turn (lock released, step journaled if the journal can be
  // written) before the pass fails: a rejection must not leave owners running behind the next pass.
  const hostsFirst = await allOwners(owners.filter((o) => o.startsWith('host:')).map(run));
  const tenants = await allOwners(owners.filter((o) => !o.startsWith('host:')).map(run));
  return { revision, plan: full, owners: [...hostsFirst, ...tenants], timings: timings(performance.now()) };
}

/**
 * An owner's turn failed outside its steps, where no outcome could be recorded: the control
 * database went away (journal, status, lock), the fresh observe failed. The whole pass is retried
 * (the loop's retryMs); the journal resumes each owner where it stopped.
 */
export class PassInterruptedError extends TransientError {
  override readonly name = 'PassInterruptedError';
}

async function allOwners(turns: readonly Promise<OwnerOutcome>[]): Promise<OwnerOutcome[]> {
  const settled = await Promise.allSettled(turns);
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failed.length === 0) return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const first = failed[0];
  const message = first instanceof Error ? first.message : String(first);
  throw new PassInterruptedError('PassInterrupted', `the reconcile pass was interrupted (${failed.length} owner(s)): ${message}; retried on the next pass`, {}, { cause: first });
}

function ownersOf(p: Plan, desired: DesiredState, only: string | undefined): string[] {
  const all = new Set<string>([...desired.tenants.keys(), ...desired.problems.keys(), ...p.actions.map((a) => a.owner)]);
  all.delete('fleet');
  if (only === undefined) return [...all].sort();
  const host = desired.tenants.get(only)?.host.key;
  return [...all].filter((o) => o === only || (host?.startsWith('host:') === true && o === host)).sort();
}

/** The pass's look at the world, and the owners' lock generations read just before it. */
interface PassObservation {
  readonly observed: Observed;
  readonly generations: ReadonlyMap<string, number> | null;
  /** The hosts each compose project was seen on, built once: not every host asked per owner. */
  readonly hostsOfProject: ReadonlyMap<string, readonly string[]>;
}

function hostsByProject(observed: Observed): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, h] of observed.hosts) for (const project of h.stacks.keys()) out.set(project, [...(out.get(project) ?? []), key]);
  return out;
}

/**
 * Whether the pass's observation still holds for `owner` now that its lock is held: nobody held
 * the owner's lock when the pass looked (even generation) and nobody took it since but us (+1),
 * and none of the shared hosts it stands or stood on was touched either (their host owners'
 * turns in this very pass, or another process, would have moved those generations).
 */
async function untouchedSinceObserved(deps: ReconcilerDeps, pass: PassObservation, owner: string, hostOwners: readonly string[]): Promise<boolean> {
  if (pass.generations === null || !deps.locks.generations) return false;
  const then = (o: string) => pass.generations?.get(o) ?? 0;
  const related = [owner, ...hostOwners];
  if (related.some((o) => then(o) % 2 !== 0)) return false;
  const now = await deps.locks.generations(related);
  return related.every((o) => (now.get(o) ?? 0) === then(o) + (o === owner ? 1 : 0));
}

async function reconcileOwner(
  deps: ReconcilerDeps,
  fleet: Fleet,
  desired: DesiredState,
  pass: PassObservation,
  revision: string,
  owner: string,
  doneInPass: Set<string>,
  hooks: ApplyHooks,
): Promise<OwnerOutcome> {
  const lock = await deps.locks.tryLock(owner, `reconcile ${revision.slice(0, 12)}`);
  if (lock === null) return { owner, status: 'locked', applied: [], error: null, requeueAfterMs: null };
  try {
    const observed = pass.observed;
    const host = desired.tenants.get(owner)?.host.key;
    // What this owner touches: its own host and every host its stack was seen on.
    const hosts = new Set<string>(pass.hostsOfProject.get(`bf-${owner}`) ?? []);
    if (host) hosts.add(host);
    if (owner.startsWith('host:')) hosts.add(owner);
    const sharedHosts = [...hosts].filter((k) => k.startsWith('host:') && k !== owner);
    // Re-observe that now that the lock is held, unless nobody touched it since the pass looked:
    // another process may have just done the work, and then there is nothing left to do.
    let fresh = observed;
    if (!(await untouchedSinceObserved(deps, pass, owner, sharedHosts))) {
      // Only this owner's database: reading every tenant's for every owner made a pass N² connections.
      fresh = await observe(deps, fleet.config.name, { hosts, tenants: new Set(owner.startsWith('host:') ? [] : [owner]) });
    }
    const p = plan(desired, fresh, { pruneLimit: deps.settings.pruneLimit });
    const actions = p.actions.filter((a) => a.owner === owner);
    const problem = p.problems.get(owner);
    const previous = await deps.store.get(owner);
    if (problem !== undefined) {
      const error = new StalledError('PlanProblem', problem, { owner });
      await record(deps, owner, revision, error, 0, previous?.failures ?? 0);
      return { owner, status: 'stalled', applied: [], error: problem, requeueAfterMs: null };
    }
    const addresses: HostAddresses = new Map([...fresh.droplets].map(([k, ds]) => [k, { dropletId: ds[0]!.id, ipv4: ds[0]!.status === 'active' ? ds[0]!.ipv4 : null }]));
    const ctx: StepContext = { ...deps.steps, desired, addresses };
    const progress = progressHook(deps, fleet, owner, revision, hooks);
    // Nothing to do: an operation still marked running (its process died, or the database went
    // away before its last step was journaled) is over, the world being as the fleet says.
    if (actions.length === 0) await deps.store.settle(owner);
    const outcome = actions.length === 0 ? { error: null, applied: [], remaining: 0 } : await applyOwner(ctx, deps.store, owner, actions, revision, doneInPass, { ...hooks, progress, ...(lock.signal ? { lockLost: lock.signal } : {}) });
    const failures = outcome.error === null ? 0 : (previous?.failures ?? 0) + 1;
    const result = await record(deps, owner, revision, outcome.error, outcome.remaining, failures);
    const status = outcome.error === null ? 'ready' : outcome.error.kind === 'stalled' ? 'stalled' : result.degraded ? 'failed' : 'progressing';
    if (outcome.error === null && actions.some((a) => a.kind === 'stack.deploy')) await tell(deps, fleet, owner, `running:${revision}`, 'deploy.running', {});
    if (result.degraded && outcome.error) await tellAdmins(deps, fleet, owner, revision, outcome.error);
    return { owner, status, applied: outcome.applied, error: outcome.error?.message ?? null, requeueAfterMs: result.requeueAfterMs };
  } finally {
    await lock.release();
  }
}

async function record(deps: ReconcilerDeps, owner: string, revision: string, error: ReconcileError | null, remaining: number, failures: number) {
  const result = computeResult({ error, remaining, failures }, deps.settings.backoff, deps.random);
  const next = result.requeueAfterMs === null ? null : new Date(deps.steps.now().getTime() + result.requeueAfterMs).toISOString();
  await deps.store.put({
    owner,
    conditions: result.conditions,
    lastAttemptedRevision: revision,
    lastAppliedRevision: error === null && remaining === 0 ? revision : null,
    failures,
    nextAttemptAt: next,
  });
  return result;
}

function progressHook(deps: ReconcilerDeps, fleet: Fleet, owner: string, revision: string, hooks: ApplyHooks): ApplyHooks['progress'] {
  return async (action, index, total, next) => {
    await deps.store.event(owner, 'reconcile.step', { revision, action: action.id, kind: action.kind, step: index, of: total });
    await tell(deps, fleet, owner, `${revision}:${action.id}`, 'deploy.progress', { step: index, of: total, kind: action.kind, next: next?.kind ?? null });
    await hooks.progress?.(action, index, total, next);
  };
}

/** A message to the tenant's owner, once per dedupe key; hosts have no owner to tell. */
async function tell(deps: ReconcilerDeps, fleet: Fleet, owner: string, key: string, kind: string, payload: Record<string, unknown>): Promise<void> {
  const record = fleet.tenants.get(owner);
  if (!record) return;
  await deps.store.message(`${owner}:${key}`, record.tenant.owner.telegramUserId, kind, { tenant: owner, ...payload });
}

async function tellAdmins(deps: ReconcilerDeps, fleet: Fleet, owner: string, revision: string, error: ReconcileError): Promise<void> {
  await tell(deps, fleet, owner, `failed:${revision}`, 'deploy.failed', { reason: error.reason });
  for (const admin of fleet.config.admins) {
    await deps.store.message(`admin:${admin}:${owner}:failed:${revision}`, admin, 'admin.deploy_failed', { tenant: owner, reason: error.reason, message: error.message });
  }
}
