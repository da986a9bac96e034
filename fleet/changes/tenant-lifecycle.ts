import { billingFile, secretsFile, tenantFile } from '../paths.js';
import type { FileEdit } from '../repo/types.js';
import type { BillingStatus, TenantManifest } from '../schema/index.js';
import { toYaml } from '../serialize.js';
import { mergeBilling } from './billing-merge.js';
import { type Builder, type DraftContext, reject, tenantOf } from './context.js';
import type { ChangeOf } from './request.js';

export const buildTenantUpdate: Builder<'tenant.update'> = (ctx, cr) => {
  const { tenant, secrets } = tenantOf(ctx, cr);
  const next: TenantManifest = structuredClone(tenant);
  const details: string[] = [];
  if (cr.displayName !== undefined) {
    next.displayName = cr.displayName;
    details.push(`display name: ${cr.displayName}`);
  }
  if (cr.plan !== undefined) {
    if (!ctx.fleet.config.plans[cr.plan]) reject(cr, 'invalid', `there is no plan "${cr.plan}"`);
    next.plan = cr.plan;
    details.push(`plan: ${tenant.plan} → ${cr.plan}`);
  }
  if (cr.chats !== undefined) {
    next.chats = cr.chats;
    details.push(`chats: ${cr.chats.map((c) => `${c.title ?? c.id} (${c.type})`).join(', ') || 'none'}`);
  }
  if (cr.moduleConfig !== undefined) {
    const installed = next.modules[cr.moduleConfig.module];
    if (!installed) reject(cr, 'not_found', `module "${cr.moduleConfig.module}" is not installed on ${cr.slug}`);
    installed.config = cr.moduleConfig.config;
    details.push(`config of ${cr.moduleConfig.module}: ${Object.keys(cr.moduleConfig.config).sort().join(', ') || 'cleared'}`);
  }
  const edits: FileEdit[] = [{ path: tenantFile(cr.slug), content: toYaml(next) }];
  if (cr.secrets !== undefined) {
    const values = { ...(secrets?.values ?? {}) };
    for (const key of cr.secrets.unset) delete values[key];
    Object.assign(values, cr.secrets.set);
    const sorted = Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
    edits.push({ path: secretsFile(cr.slug), content: Object.keys(sorted).length > 0 ? toYaml({ values: sorted }) : null });
    const set = Object.keys(cr.secrets.set);
    if (set.length > 0) details.push(`secrets replaced (encrypted): ${set.sort().join(', ')}`);
    if (cr.secrets.unset.length > 0) details.push(`secrets removed: ${[...cr.secrets.unset].sort().join(', ')}`);
  }
  return { edits, title: `Update tenant ${cr.slug}`, commitType: 'chore', details };
};

function setStatus(ctx: DraftContext, cr: ChangeOf<'tenant.suspend' | 'tenant.resume'>, value: BillingStatus, verb: string) {
  const { billing } = tenantOf(ctx, cr);
  const reason = cr.reason ?? `${verb} by request`;
  const next = mergeBilling(billing, { status: { value, reason } }, ctx.now);
  return {
    edits: [{ path: billingFile(cr.slug), content: toYaml(next) }],
    title: `${verb[0]?.toUpperCase()}${verb.slice(1)} tenant ${cr.slug}`,
    commitType: 'chore' as const,
    details: [`billing status: ${billing.status} → ${value}`, `reason: ${reason}`],
  };
}

export const buildTenantSuspend: Builder<'tenant.suspend'> = (ctx, cr) => setStatus(ctx, cr, 'suspended', 'suspend');
export const buildTenantResume: Builder<'tenant.resume'> = (ctx, cr) => setStatus(ctx, cr, 'active', 'resume');

/** Removing the tenant's folder is the whole change: the reconciler prunes what it ran. */
export const buildTenantDelete: Builder<'tenant.delete'> = (ctx, cr) => {
  const { tenant, secrets } = tenantOf(ctx, cr);
  const edits: FileEdit[] = [
    { path: tenantFile(cr.slug), content: null },
    { path: billingFile(cr.slug), content: null },
    ...(secrets ? [{ path: secretsFile(cr.slug), content: null }] : []),
  ];
  return {
    edits,
    title: `Delete tenant ${cr.slug}`,
    commitType: 'feat',
    breaking: true,
    details: [
      `owner: Telegram user ${tenant.owner.telegramUserId}`,
      'on merge the reconciler dumps the database to the host backup directory, then removes the stack, database, role' +
        (tenant.placement.type === 'dedicated' ? ' and droplet' : ''),
    ],
  };
};
