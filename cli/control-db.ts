import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../app/config.js';
import { openControlDb } from '../app/db/open.js';
import { Secret } from '../fleet/secret.js';
import type { Conditions } from '../reconciler/result.js';

/**
 * The control database for commands that only read it (`status`, `tenant show`) and must work
 * without it: an operator may only have the fleet repo. Never starts a server and never
 * migrates; in local mode it joins the embedded server a running `buckfleet up` started.
 */
export type ReachedDb =
  | { readonly ok: true; readonly query: Queryable; readonly close: () => Promise<void> }
  /** Why not, in words for a note under the table; never a password. */
  | { readonly ok: false; readonly reason: string };

interface Queryable {
  query<R extends Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
}

export async function reachControlDb(config: Config, cwd: string): Promise<ReachedDb> {
  const url = config.database.kind === 'url' ? config.database.url : await embeddedUrl(config, cwd);
  if (url === null) return { ok: false, reason: 'the control database is not running (local mode: start it with `buckfleet up`)' };
  try {
    const db = await openControlDb({ database: { kind: 'url', url }, home: config.home });
    return { ok: true, query: db.pool, close: () => db.close() };
  } catch (error) {
    // openControlDb's errors name the server without its password.
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The embedded server of `buckfleet up` in BUCKFLEET_HOME, when one runs: its port is the fourth
 * line of postmaster.pid, its password the file `up` keeps beside it (app/db/open.ts).
 */
async function embeddedUrl(config: Config, cwd: string): Promise<Secret | null> {
  const home = resolve(cwd, config.home);
  const pid = await readFile(join(home, 'postgres', 'postmaster.pid'), 'utf8').catch(() => null);
  const port = pid?.split('\n')[3]?.trim();
  if (port === undefined || !/^\d{1,5}$/.test(port)) return null;
  const password = await readFile(join(home, 'postgres.password'), 'utf8').catch(() => null);
  if (password === null) return null;
  return new Secret(`postgres://postgres:${encodeURIComponent(password.trim())}@127.0.0.1:${port}/postgres`);
}

/** A tenant's row of tenant_status, as status and show print it. */
export interface TenantHealthRow {
  readonly conditions: Partial<Conditions>;
  readonly failures: number;
  readonly updatedAt: Date;
  readonly lastAppliedRevision: string | null;
}

/** Null when the table is not there yet (a database `up` never migrated). */
export async function readTenantStatus(db: Queryable): Promise<Map<string, TenantHealthRow> | null> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('tenant_status')::text AS t`);
  if (exists.rows[0]?.t == null) return null;
  const r = await db.query<{ tenant: string; conditions: Partial<Conditions>; failures: number; updated_at: Date; last_applied_revision: string | null }>(
    'SELECT tenant, conditions, failures, updated_at, last_applied_revision FROM tenant_status',
  );
  return new Map(r.rows.map((row) => [row.tenant, { conditions: row.conditions, failures: row.failures, updatedAt: row.updated_at, lastAppliedRevision: row.last_applied_revision }]));
}

export type TenantState = 'running' | 'degraded' | 'reconciling' | 'suspended' | 'unknown';

/**
 * One word for a tenant: billing that stops it wins (its stack is stopped on purpose); then the
 * reconciler's conditions. No row yet: the reconciler has not got to it, so it is on its way.
 * Degraded as the reconciler decides it: stalled (a person must act), or failing 3 passes in a row.
 */
export function tenantState(billingStatus: string, row: TenantHealthRow | undefined | null): TenantState {
  if (billingStatus === 'suspended' || billingStatus === 'cancelled') return 'suspended';
  if (row === null) return 'unknown';
  if (row === undefined) return 'reconciling';
  const c = row.conditions;
  if (c.Stalled?.status === true) return 'degraded';
  if (c.Ready?.status === true) return 'running';
  if (row.failures >= 3) return 'degraded';
  if (c.Reconciling?.status === true) return 'reconciling';
  return 'degraded';
}

/** `3m ago`, `2h ago`, `5d ago`: what a person scans a status table for. */
export function timeAgo(then: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
