import type { Action } from './actions.js';
import type { HostKeyStore, Journal, Notifier, Operation, OwnerStatus, StatusStore, StepRecord, StepStatus } from './store.js';

/**
 * The one method the reconciler needs of a database: a parameterised query. app/ passes a pg
 * Pool; DESIGN.md's Layout keeps the reconciler from importing app/.
 */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** Journal, status, host keys and notifications over the control database (migrations/). */
export class PgReconcilerStore implements Journal, StatusStore, Notifier {
  constructor(private readonly db: Queryable) {}

  async open(owner: string, revision: string, planHash: string, actions: readonly Action[]): Promise<Operation> {
    const running = await this.db.query<{ id: string; revision: string; plan_hash: string }>(
      `select id, revision, plan_hash from reconcile_operations where tenant = $1 and status = 'running'`,
      [owner],
    );
    const current = running.rows[0];
    if (current && current.plan_hash === planHash) return this.load(Number(current.id), owner, current.revision, planHash);
    if (current) {
      await this.db.query(`update reconcile_operations set status = 'superseded', finished_at = now() where id = $1 and status = 'running'`, [current.id]);
    }
    // A concurrent writer for the same owner is excluded by the tenant lock; the partial unique
    // index on running operations turns a bug there into an error instead of two journals.
    const created = await this.db.query<{ id: string }>(
      `insert into reconcile_operations (tenant, revision, plan_hash, actions, status, started_at)
       values ($1, $2, $3, $4::jsonb, 'running', now()) returning id`,
      [owner, revision, planHash, JSON.stringify(actions)],
    );
    const id = Number(created.rows[0]?.id);
    return { id, owner, revision, planHash, steps: new Map() };
  }

  private async load(id: number, owner: string, revision: string, planHash: string): Promise<Operation> {
    const rows = await this.db.query<{ action_id: string; status: StepStatus; attempt: number; error: string | null }>(
      `select action_id, status, attempt, error from reconcile_steps where operation_id = $1`,
      [id],
    );
    const steps = new Map<string, StepRecord>(rows.rows.map((r) => [r.action_id, { actionId: r.action_id, status: r.status, attempt: r.attempt, error: r.error }]));
    return { id, owner, revision, planHash, steps };
  }

  async started(operation: number, action: Action): Promise<void> {
    await this.db.query(
      `insert into reconcile_steps (operation_id, action_id, kind, status, attempt, started_at)
       values ($1, $2, $3, 'started', 1, now())
       on conflict (operation_id, action_id) do update
         set status = 'started', attempt = reconcile_steps.attempt + 1, started_at = now(), finished_at = null, error = null`,
      [operation, action.id, action.kind],
    );
  }

  async done(operation: number, actionId: string, result: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `update reconcile_steps set status = 'done', finished_at = now(), result = $3::jsonb where operation_id = $1 and action_id = $2`,
      [operation, actionId, JSON.stringify(result)],
    );
  }

  async failed(operation: number, actionId: string, error: string): Promise<void> {
    await this.db.query(
      `update reconcile_steps set status = 'failed', finished_at = now(), error = $3 where operation_id = $1 and action_id = $2`,
      [operation, actionId, error],
    );
  }

  async finish(operation: number, status: 'succeeded' | 'failed', error: string | null): Promise<void> {
    await this.db.query(`update reconcile_operations set status = $2, finished_at = now(), error = $3 where id = $1 and status = 'running'`, [operation, status, error]);
  }

  async settle(owner: string): Promise<void> {
    await this.db.query(`update reconcile_operations set status = 'superseded', finished_at = now() where tenant = $1 and status = 'running'`, [owner]);
  }

  async get(owner: string): Promise<OwnerStatus | null> {
    const r = await this.db.query<{
      conditions: OwnerStatus['conditions'];
      last_attempted_revision: string;
      last_applied_revision: string | null;
      failures: number;
      next_attempt_at: Date | null;
    }>(`select conditions, last_attempted_revision, last_applied_revision, failures, next_attempt_at from tenant_status where tenant = $1`, [owner]);
    const row = r.rows[0];
    if (!row) return null;
    return {
      owner,
      conditions: row.conditions,
      lastAttemptedRevision: row.last_attempted_revision,
      lastAppliedRevision: row.last_applied_revision,
      failures: row.failures,
      nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    };
  }

  async put(s: OwnerStatus): Promise<void> {
    await this.db.query(
      `insert into tenant_status (tenant, conditions, last_attempted_revision, last_applied_revision, failures, next_attempt_at, updated_at)
       values ($1, $2::jsonb, $3, $4, $5, $6, now())
       on conflict (tenant) do update set conditions = excluded.conditions, last_attempted_revision = excluded.last_attempted_revision,
         last_applied_revision = coalesce(excluded.last_applied_revision, tenant_status.last_applied_revision),
         failures = excluded.failures, next_attempt_at = excluded.next_attempt_at, updated_at = now()`,
      [s.owner, JSON.stringify(s.conditions), s.lastAttemptedRevision, s.lastAppliedRevision, s.failures, s.nextAttemptAt],
    );
  }

  async getKey(host: string): Promise<string | null> {
    const r = await this.db.query<{ public_key: string }>(`select public_key from host_keys where host = $1`, [host]);
    return r.rows[0]?.public_key ?? null;
  }

  async putKey(host: string, publicKey: string): Promise<void> {
    await this.db.query(
      `insert into host_keys (host, public_key, created_at) values ($1, $2, now()) on conflict (host) do update set public_key = excluded.public_key`,
      [host, publicKey],
    );
  }

  async removeKey(host: string): Promise<void> {
    await this.db.query(`delete from host_keys where host = $1`, [host]);
  }

  async event(tenant: string, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.db.query(`insert into events (tenant, kind, payload, created_at) values ($1, $2, $3::jsonb, now())`, [tenant, kind, JSON.stringify(payload)]);
  }

  async message(dedupeKey: string, telegramUserId: number, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `insert into outbox (dedupe_key, telegram_user_id, kind, payload, created_at, attempts) values ($1, $2, $3, $4::jsonb, now(), 0)
       on conflict (dedupe_key) do nothing`,
      [dedupeKey, telegramUserId, kind, JSON.stringify(payload)],
    );
  }
}

/** The host key store view of the pg store (its method names differ to keep one class). */
export const hostKeysOf = (store: PgReconcilerStore): HostKeyStore => ({
  get: (host) => store.getKey(host),
  put: (host, key) => store.putKey(host, key),
  remove: (host) => store.removeKey(host),
});
