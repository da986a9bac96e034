import type { Command } from 'commander';
import { loadConfig } from '../../app/config.js';
import { loadFleet } from '../../fleet/load/index.js';
import type { TenantRecord } from '../../fleet/model.js';
import { reachControlDb, readTenantStatus, type TenantHealthRow, tenantState, timeAgo } from '../control-db.js';
import { type CommandContext, println } from '../io.js';
import { printIssues } from '../report.js';
import { formatTable } from '../table.js';
import { placementText, readSnapshot } from './tenant.js';

/**
 * `buckfleet status`: every tenant of main with where it runs and how it is doing. The fleet
 * repo says what should be; the control database's tenant_status says what the reconciler saw.
 * Without the database the table still prints, status `unknown`, with a note saying why.
 */
export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .summary('show every tenant: placement, status, versions, paid-through, last reconcile')
    .description(
      'A table of the tenants of main of FLEET_REPO: placement (shared host or dedicated droplet), status (running, degraded, ' +
        'reconciling, suspended; from the reconciler\'s tenant_status in the control database), module versions, paid-through and ' +
        'the last reconcile. When the control database cannot be reached the status is unknown and a note says why.',
    )
    .option('--dir <dir>', 'read a fleet repo checkout instead of FLEET_REPO')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const loaded = loadFleet(await readSnapshot(ctx.io, options.dir));
      if (!loaded.ok) {
        printIssues(ctx.io, loaded.issues);
        ctx.exitCode = 1;
        return;
      }
      const { rows, note } = await statusRows(ctx);
      const now = new Date();
      const tenants = [...loaded.fleet.tenants.values()].map((record) => entry(record, rows === null ? null : rows.get(record.slug)));
      if (options.json) {
        const json = tenants.map((t) => ({ ...t, lastReconcile: t.lastReconcile?.toISOString() ?? null }));
        println(ctx.io.stdout, JSON.stringify({ tenants: json, note }, null, 2));
        return;
      }
      if (tenants.length === 0) println(ctx.io.stdout, `fleet "${loaded.fleet.config.name}" has no tenants yet`);
      else {
        const table = tenants.map((t) => [
          t.slug,
          t.placement,
          t.status,
          t.modules.map((m) => `${m.name}@${m.version}`).join(', '),
          t.paidThrough?.slice(0, 10) ?? '-',
          t.lastReconcile === null ? (t.status === 'unknown' ? '-' : 'never') : timeAgo(t.lastReconcile, now),
        ]);
        for (const line of formatTable(['TENANT', 'PLACEMENT', 'STATUS', 'MODULES', 'PAID THROUGH', 'LAST RECONCILE'], table)) println(ctx.io.stdout, line);
      }
      if (note !== null) println(ctx.io.stdout, `note: status unknown: ${note}`);
    });
}

/** tenant_status rows, or null and why not: a missing database is a note, not a failure. */
async function statusRows(ctx: CommandContext): Promise<{ rows: Map<string, TenantHealthRow> | null; note: string | null }> {
  const db = await reachControlDb(loadConfig(ctx.io.env), ctx.io.cwd);
  if (!db.ok) return { rows: null, note: db.reason };
  try {
    const rows = await readTenantStatus(db.query);
    return rows === null ? { rows: null, note: 'the control database has no tenant_status table yet (buckfleet up migrates it)' } : { rows, note: null };
  } finally {
    await db.close();
  }
}

function entry({ slug, tenant, billing }: TenantRecord, row: TenantHealthRow | undefined | null) {
  return {
    slug,
    placement: tenant.placement.type === 'shared' ? `host ${tenant.placement.host}` : placementText(tenant.placement),
    status: tenantState(billing.status, row),
    billing: billing.status,
    modules: Object.entries(tenant.modules).map(([name, m]) => ({ name, version: m.version })),
    paidThrough: billing.paidThrough,
    lastReconcile: row?.updatedAt ?? null,
    reason: row && row.conditions.Ready?.status !== true ? (row.conditions.Stalled?.status === true ? row.conditions.Stalled.message : (row.conditions.Ready?.message ?? null)) : null,
  };
}
