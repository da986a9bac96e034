import type pg from 'pg';

/**
 * What the reconciler's journal (reconcile_operations / reconcile_steps, reconciler/store-pg.ts)
 * says about a tenant's deploy: when its first operation was opened (the pass had planned it)
 * and each step's start and end, as the database's clock wrote them (the same machine's clock as
 * Date.now(), so the two mix). No production code is timed any other way.
 */
export interface StepSpan {
  readonly kind: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly status: string;
}

export interface TenantJournal {
  /** started_at of the tenant's first operation: the pass had loaded, observed and planned. */
  readonly plannedAt: number | null;
  readonly steps: readonly StepSpan[];
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

export async function journalOf(db: pg.Pool, tenant: string): Promise<TenantJournal> {
  const ops = await db.query<{ started_at: Date }>(`select started_at from reconcile_operations where tenant = $1 order by started_at limit 1`, [tenant]);
  const steps = await db.query<{ kind: string; started_at: Date; finished_at: Date | null; status: string }>(
    `select s.kind, s.started_at, s.finished_at, s.status from reconcile_steps s join reconcile_operations o on o.id = s.operation_id
      where o.tenant = $1 order by s.started_at`,
    [tenant],
  );
  return {
    plannedAt: ms(ops.rows[0]?.started_at ?? null),
    steps: steps.rows.map((r) => ({ kind: r.kind, startedAt: r.started_at.getTime(), finishedAt: ms(r.finished_at), status: r.status })),
  };
}

/** Tenant → when its stack.deploy step finished (the health gate passed): the stack is running. */
export async function deployedAt(db: pg.Pool, tenants: readonly string[]): Promise<Map<string, number>> {
  const r = await db.query<{ tenant: string; at: Date }>(
    `select o.tenant, min(s.finished_at) as at from reconcile_steps s join reconcile_operations o on o.id = s.operation_id
      where o.tenant = any($1) and s.kind = 'stack.deploy' and s.status = 'done' group by o.tenant`,
    [tenants],
  );
  return new Map(r.rows.map((row) => [row.tenant, row.at.getTime()]));
}

/** Tenant → when its first operation was opened (the pass that planned it). */
export async function plannedAt(db: pg.Pool, tenants: readonly string[]): Promise<Map<string, number>> {
  const r = await db.query<{ tenant: string; at: Date }>(`select tenant, min(started_at) as at from reconcile_operations where tenant = any($1) group by tenant`, [tenants]);
  return new Map(r.rows.map((row) => [row.tenant, row.at.getTime()]));
}

/** Waits until every tenant's stack is deployed, polling the journal; the tenants missing at the deadline are reported by the caller. */
export async function waitDeployed(db: pg.Pool, tenants: readonly string[], opts: { timeoutMs: number; everyMs: number }): Promise<Map<string, number>> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const done = await deployedAt(db, tenants);
    if (done.size === tenants.length || Date.now() > deadline) return done;
    await new Promise((r) => setTimeout(r, opts.everyMs));
  }
}
