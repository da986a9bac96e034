import type { Action } from '../actions.js';
import type { StepContext } from '../context.js';
import { targetOf } from '../context.js';
import { WaitingError } from '../errors.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

export async function databaseEnsure(ctx: StepContext, a: Of<'database.ensure'>): Promise<Record<string, unknown>> {
  await ctx.tenantDb.ensure(ctx.desired.fleet, a.tenant, ctx.dbPassword(a.tenant));
  return {};
}

export async function databaseMigrate(ctx: StepContext, a: Of<'database.migrate'>): Promise<Record<string, unknown>> {
  const migrations = await Promise.all(a.migrations.map((id) => ctx.modules.migration(id)));
  const applied = await ctx.tenantDb.migrate(a.tenant, migrations);
  return { applied };
}

/** Dumps to the host's backup dir (or the control plane's, when the host is gone) before anything is removed. */
export async function databaseDump(ctx: StepContext, a: Of<'database.dump'>): Promise<Record<string, unknown>> {
  const name = `${a.tenant}-${ctx.now().toISOString().replace(/[:.]/g, '-')}.dump`;
  if (a.host === null) return { path: await ctx.writeLocalBackup(name, ctx.tenantDb.dump(a.tenant)) };
  const target = await targetOf(ctx, a.host);
  if (target === null) throw new WaitingError('HostUnknown', `no address or host key for ${a.host} to write the dump to`, 10_000, { owner: a.owner, action: a.id });
  return { host: a.host, path: await ctx.runtime.writeBackup(target, name, ctx.tenantDb.dump(a.tenant)) };
}

export async function databaseDrop(ctx: StepContext, a: Of<'database.drop'>): Promise<Record<string, unknown>> {
  await ctx.tenantDb.drop(a.tenant);
  return {};
}
