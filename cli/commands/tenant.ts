import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { openFleetRepoForReading } from '../../app/fleet-repo.js';
import { readFleetDir } from '../../fleet/fs-read.js';
import { loadFleet } from '../../fleet/load/index.js';
import type { FleetSnapshot, TenantRecord } from '../../fleet/model.js';
import type { TenantPlacement } from '../../fleet/schema/index.js';
import { type CliIo, type CommandContext, println } from '../io.js';
import { printIssues } from '../report.js';
import { formatTable } from '../table.js';
import { registerTenantChanges } from './tenant-changes.js';

/** `buckfleet tenant ...`: the tenants of the fleet as `main` (or a checkout) describes them, and changes to them. */
export function registerTenant(program: Command, ctx: CommandContext): void {
  const tenant = program.command('tenant').summary('inspect and change tenants').description('Inspect the tenants of the fleet, create them, suspend and resume them.');
  tenant
    .command('list')
    .summary('list the tenants')
    .description(
      'List the tenants with their owner, plan, placement, billing status and modules. Reads main ' +
        'of FLEET_REPO (a local git repo for now), or a checkout with --dir. An invalid fleet is ' +
        'reported like `buckfleet validate` does, with exit code 1.',
    )
    .option('--dir <dir>', 'read a fleet repo checkout instead of FLEET_REPO')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const result = loadFleet(await readSnapshot(ctx.io, options.dir));
      if (!result.ok) {
        printIssues(ctx.io, result.issues);
        ctx.exitCode = 1;
        return;
      }
      const tenants = [...result.fleet.tenants.values()];
      if (options.json) {
        println(ctx.io.stdout, JSON.stringify(tenants.map(tenantJson), null, 2));
        return;
      }
      if (tenants.length === 0) {
        println(ctx.io.stdout, `fleet "${result.fleet.config.name}" has no tenants yet`);
        return;
      }
      for (const line of formatTable(TABLE_HEADERS, tenants.map(tenantRow))) println(ctx.io.stdout, line);
    });
  registerTenantChanges(tenant, ctx);
}

export async function readSnapshot(io: CliIo, dir: string | undefined): Promise<FleetSnapshot> {
  if (dir !== undefined) return readFleetDir(resolve(io.cwd, dir));
  const repo = await openFleetRepoForReading(loadConfig(io.env), io.cwd);
  return repo.readMain();
}

const TABLE_HEADERS = ['SLUG', 'OWNER', 'PLAN', 'PLACEMENT', 'STATUS', 'PAID THROUGH', 'MODULES'];

function tenantRow({ slug, tenant, billing }: TenantRecord): string[] {
  const owner = tenant.owner.username ? `${tenant.owner.telegramUserId} @${tenant.owner.username}` : String(tenant.owner.telegramUserId);
  return [
    slug,
    owner,
    tenant.plan,
    placementText(tenant.placement),
    billing.status,
    // The date is what a person scans for; --json has the exact instant.
    billing.paidThrough?.slice(0, 10) ?? '-',
    Object.entries(tenant.modules)
      .map(([name, m]) => `${name}@${m.version}`)
      .join(', '),
  ];
}

export const placementText = (p: TenantPlacement) => (p.type === 'shared' ? `shared:${p.host}` : `dedicated:${p.region}/${p.size}`);

/** A stable projection for scripts: no per-module config, no secrets (not even sealed ones). */
function tenantJson({ slug, tenant, billing }: TenantRecord) {
  return {
    slug,
    displayName: tenant.displayName ?? null,
    owner: tenant.owner,
    plan: tenant.plan,
    placement: tenant.placement,
    status: billing.status,
    paidThrough: billing.paidThrough,
    modules: Object.entries(tenant.modules).map(([name, m]) => ({ name, version: m.version, channel: m.channel })),
  };
}
