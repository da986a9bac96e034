import { createHash } from 'node:crypto';
import type { OwnerLocks } from './reconcile.js';
import type { Queryable } from './store-pg.js';

/**
 * One writer per owner (a tenant slug, or `host:<name>`) across every reconciler process: a
 * PostgreSQL session-level advisory lock, keyed by a 64-bit hash of the owner (pg-boss's
 * `advisoryLock`, but per session, not per transaction: apply spans SSH and minutes, and the
 * journal writes in between must stay short transactions of their own).
 *
 * A session lock belongs to a connection, so the handle keeps one connection checked out of the
 * pool for as long as the lock is held, and runs nothing else on it. If that connection dies
 * (the network, the server restarting, pg_terminate_backend), PostgreSQL releases the lock with
 * the session: another process may then take the owner over. The handle says so: `signal` is
 * aborted and `lost` is set, and the apply loop checks it between steps.
 *
 * Who holds a lock, since when and why is recorded in `reconciler_locks` (Kamal's lock file,
 * as a row) together with the holding backend's PID; the row is removed on release, and
 * overwritten by the next holder if a crash left it behind.
 */

/** A connection checked out of a pool, as lock.ts uses it (a pg `PoolClient` fits). */
export interface LockClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** With an error (or true), the pool discards the connection instead of reusing it. */
  release(destroy?: boolean | Error): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The one thing lock.ts needs of a pool (DESIGN.md Layout: the reconciler does not import app/). */
export interface PoolLike {
  connect(): Promise<LockClient>;
}

export interface TenantLock {
  readonly tenant: string;
  readonly holder: string;
  readonly reason: string;
  readonly since: Date;
  /** Aborted when the lock's connection is lost: the lock is gone, stop mutating. */
  readonly signal: AbortSignal;
  /** True once the connection was lost (see `signal`). */
  readonly lost: boolean;
  /** Unlocks and returns the connection. Idempotent; after a loss it only returns the connection. */
  release(): Promise<void>;
}

/** The lock could not be taken or released for a reason other than "someone else holds it". */
export class TenantLockError extends Error {
  override readonly name = 'TenantLockError';
  constructor(
    readonly tenant: string,
    readonly step: 'acquire' | 'record' | 'release',
    options: { cause: unknown },
  ) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`tenant lock of ${tenant}: ${step} failed: ${detail}`, options);
  }
}

/**
 * The advisory lock key of an owner: the first 8 bytes of sha256('buckfleet:tenant:' + owner),
 * as a signed 64-bit integer in decimal (PostgreSQL's bigint). Computed here rather than with
 * `hashtext`, which is 32 bits (more collisions) and an internal function whose values may
 * change between server versions.
 */
export function lockKey(owner: string): string {
  return createHash('sha256').update(`buckfleet:tenant:${owner}`).digest().readBigInt64BE(0).toString();
}

/** Takes the owner's lock if it is free: a handle, or null when another session holds it. */
export async function tryLockTenant(pool: PoolLike, tenant: string, holder: string, reason: string): Promise<TenantLock | null> {
  let client: LockClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new TenantLockError(tenant, 'acquire', { cause: error });
  }
  const lost = new AbortController();
  const onError = (error: Error) => lost.abort(error);
  // A checked-out pg client has no 'error' listener of the pool's: without ours, a dropped
  // connection would be an uncaught exception.
  client.on('error', onError);
  const giveBack = (destroy?: Error) => {
    client.removeListener('error', onError);
    client.release(destroy ?? lost.signal.aborted);
  };
  const key = lockKey(tenant);
  let locked: boolean;
  try {
    const r = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    locked = r.rows[0]?.locked === true;
  } catch (error) {
    giveBack(asError(error));
    throw new TenantLockError(tenant, 'acquire', { cause: error });
  }
  if (!locked) {
    giveBack();
    return null;
  }
  let since: Date;
  try {
    const r = await client.query(
      `INSERT INTO reconciler_locks (tenant, holder, since, reason, backend_pid) VALUES ($1, $2, now(), $3, pg_backend_pid())
       ON CONFLICT (tenant) DO UPDATE SET holder = excluded.holder, since = excluded.since, reason = excluded.reason, backend_pid = excluded.backend_pid
       RETURNING since`,
      [tenant, holder, reason],
    );
    since = r.rows[0]?.since instanceof Date ? r.rows[0].since : new Date();
    await client.query(
      `INSERT INTO owner_generations (owner, generation) VALUES ($1, 1)
       ON CONFLICT (owner) DO UPDATE SET generation = owner_generations.generation + 1`,
      [tenant],
    );
  } catch (error) {
    // Discarding the connection ends the session, and with it the advisory lock.
    giveBack(asError(error));
    throw new TenantLockError(tenant, 'record', { cause: error });
  }
  let released = false;
  return {
    tenant,
    holder,
    reason,
    since,
    signal: lost.signal,
    get lost() {
      return lost.signal.aborted;
    },
    async release() {
      if (released) return;
      released = true;
      if (lost.signal.aborted) return giveBack();
      try {
        await client.query('DELETE FROM reconciler_locks WHERE tenant = $1 AND backend_pid = pg_backend_pid()', [tenant]);
        // Before the unlock: whoever takes it next sees the generation this holder left.
        await client.query('UPDATE owner_generations SET generation = generation + 1 WHERE owner = $1', [tenant]);
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } catch (error) {
        // The session is unusable; discarding it frees the lock all the same. Reported, not swallowed.
        giveBack(asError(error));
        throw new TenantLockError(tenant, 'release', { cause: error });
      }
      giveBack();
    },
  };
}

/**
 * Who holds which owner's lock right now (for `buckfleet status`): rows whose session no longer
 * holds an advisory lock — left by a crashed process — are left out.
 */
export async function lockHolders(db: { query(text: string): Promise<{ rows: Record<string, unknown>[] }> }): Promise<{ tenant: string; holder: string; since: Date; reason: string }[]> {
  const r = await db.query(
    `SELECT l.tenant, l.holder, l.since, l.reason FROM reconciler_locks l
     WHERE EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid)
     ORDER BY l.since`,
  );
  return r.rows.map((row) => ({ tenant: String(row.tenant), holder: String(row.holder), since: row.since as Date, reason: String(row.reason) }));
}

/**
 * The owners' lock generations now (migrations/0006): of `owners`, or of every owner that was
 * ever locked. An owner never locked is absent (generation 0).
 */
export async function ownerGenerations(db: Queryable, owners?: readonly string[]): Promise<Map<string, number>> {
  const r =
    owners === undefined
      ? await db.query<{ owner: string; generation: string }>('SELECT owner, generation FROM owner_generations')
      : await db.query<{ owner: string; generation: string }>('SELECT owner, generation FROM owner_generations WHERE owner = ANY($1::text[])', [owners]);
  return new Map(r.rows.map((row) => [row.owner, Number(row.generation)]));
}

/** The owner locks of reconcile.ts, on a pool, for one process named `holder` (e.g. `reconciler@<hostname>:<pid>`). */
export function pgOwnerLocks(pool: PoolLike & Queryable, holder: string): OwnerLocks {
  return { tryLock: (owner, reason) => tryLockTenant(pool, owner, holder, reason), generations: (owners) => ownerGenerations(pool, owners) };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
