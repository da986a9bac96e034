import { tenantFile } from '../paths.js';
import type { FileEdit } from '../repo/types.js';
import { CORE_MODULE } from '../schema/index.js';
import { toYaml } from '../serialize.js';
import { isReleased, latestVersion, requiresProblem } from './catalog.js';
import { type Builder, reject, tenantOf } from './context.js';

export const buildModuleInstall: Builder<'module.install'> = (ctx, cr) => {
  const { tenant } = tenantOf(ctx, cr);
  const version = cr.version ?? latestVersion(ctx.fleet, cr.module);
  if (version === null) reject(cr, 'not_found', `there is no module "${cr.module}" in the catalog`);
  if (!isReleased(ctx.fleet, cr.module, version)) reject(cr, 'not_found', `${cr.module}@${version} is not released`);
  const installed = tenant.modules[cr.module];
  if (installed && installed.version !== version) {
    reject(cr, 'exists', `${cr.module} is installed at ${installed.version}; an update changes its version`);
  }
  const install = { version, channel: cr.channel ?? installed?.channel ?? 'notify', config: cr.config ?? installed?.config ?? {} };
  const modules = { ...tenant.modules, [cr.module]: install };
  const broken = requiresProblem(ctx.fleet, modules);
  if (broken) reject(cr, 'invalid', broken);
  return {
    edits: [{ path: tenantFile(cr.slug), content: toYaml({ ...tenant, modules }) }],
    title: `Install ${cr.module}@${version} on ${cr.slug}`,
    commitType: 'feat',
    details: [`module: ${cr.module}@${version} (updates: ${install.channel})`],
  };
};

export const buildModuleRemove: Builder<'module.remove'> = (ctx, cr) => {
  const { tenant } = tenantOf(ctx, cr);
  if (cr.module === CORE_MODULE) reject(cr, 'forbidden', `"${CORE_MODULE}" is the multi-bot itself and cannot be removed`);
  if (!tenant.modules[cr.module]) reject(cr, 'not_found', `module "${cr.module}" is not installed on ${cr.slug}`);
  const modules = Object.fromEntries(Object.entries(tenant.modules).filter(([name]) => name !== cr.module));
  const broken = requiresProblem(ctx.fleet, modules);
  if (broken) reject(cr, 'invalid', `removing ${cr.module} breaks a requirement: ${broken}`);
  return {
    edits: [{ path: tenantFile(cr.slug), content: toYaml({ ...tenant, modules }) }],
    title: `Remove ${cr.module} from ${cr.slug}`,
    commitType: 'feat',
    details: [`module removed: ${cr.module} (its data stays in the tenant database)`],
  };
};

/**
 * One release for many tenants. Tenants that no longer exist, lack the module, or whose other
 * modules' `requires` would break are skipped and listed, so the PR covers everyone it safely can.
 */
export const buildModuleUpdate: Builder<'module.update'> = (ctx, cr) => {
  if (!isReleased(ctx.fleet, cr.module, cr.version)) reject(cr, 'not_found', `${cr.module}@${cr.version} is not released`);
  const edits: FileEdit[] = [];
  const updated: string[] = [];
  const skipped: string[] = [];
  for (const slug of [...new Set(cr.tenants)].sort()) {
    const record = ctx.fleet.tenants.get(slug);
    const installed = record?.tenant.modules[cr.module];
    if (!record) skipped.push(`${slug}: no longer exists`);
    else if (!installed) skipped.push(`${slug}: does not have ${cr.module}`);
    else if (installed.version === cr.version) continue;
    else {
      const modules = { ...record.tenant.modules, [cr.module]: { ...installed, version: cr.version } };
      const broken = requiresProblem(ctx.fleet, modules);
      if (broken) skipped.push(`${slug}: ${broken}`);
      else {
        edits.push({ path: tenantFile(slug), content: toYaml({ ...record.tenant, modules }) });
        updated.push(`${slug} (${installed.version} → ${cr.version})`);
      }
    }
  }
  if (updated.length === 0 && skipped.length > 0) reject(cr, 'invalid', `no tenant can take ${cr.module}@${cr.version}: ${skipped.join('; ')}`);
  return {
    edits,
    title: `Update ${cr.module} to ${cr.version}`,
    commitType: 'chore',
    details: [
      `tenants updated: ${updated.join(', ') || 'none'}`,
      ...(skipped.length > 0 ? [`skipped: ${skipped.join('; ')}`] : []),
      ...(ctx.fleet.catalog.get(cr.module)?.versions[cr.version]?.notes ? ['release notes below'] : []),
    ],
  };
};
