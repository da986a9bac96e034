import { billingFile, hostFile, secretsFile, tenantFile } from '../paths.js';
import type { FileEdit } from '../repo/types.js';
import { CORE_MODULE, type ModuleInstall, type TenantManifest, type TenantPlacement } from '../schema/index.js';
import { toYaml } from '../serialize.js';
import { newBilling } from './billing-merge.js';
import { isReleased, latestVersion, requiresProblem } from './catalog.js';
import { type Builder, reject } from './context.js';
import { chooseSharedHost } from './placement.js';

export const buildTenantCreate: Builder<'tenant.create'> = (ctx, cr) => {
  const { fleet, now } = ctx;
  if (fleet.tenants.has(cr.slug)) reject(cr, 'exists', `the name "${cr.slug}" is taken`);
  const plan = fleet.config.plans[cr.plan];
  if (!plan) reject(cr, 'invalid', `there is no plan "${cr.plan}" (plans: ${Object.keys(fleet.config.plans).join(', ')})`);

  const modules: Record<string, ModuleInstall> = {};
  const choices = cr.modules.some((m) => m.name === CORE_MODULE) ? cr.modules : [{ name: CORE_MODULE }, ...cr.modules];
  for (const choice of choices) {
    if (choice.name in modules) reject(cr, 'invalid', `module "${choice.name}" is listed twice`);
    const version = choice.version ?? latestVersion(fleet, choice.name);
    if (version === null) reject(cr, 'not_found', `there is no module "${choice.name}" in the catalog`);
    if (!isReleased(fleet, choice.name, version)) reject(cr, 'not_found', `${choice.name}@${version} is not released`);
    modules[choice.name] = { version, channel: choice.channel ?? 'notify', config: choice.config ?? {} };
  }
  const broken = requiresProblem(fleet, modules);
  if (broken) reject(cr, 'invalid', broken);

  const edits: FileEdit[] = [];
  let placement: TenantPlacement;
  let where: string;
  if ((cr.placement ?? plan.placement) === 'dedicated') {
    placement = { type: 'dedicated', region: fleet.config.defaults.region, size: plan.size ?? fleet.config.defaults.size };
    where = `a dedicated droplet (${placement.size} in ${placement.region})`;
  } else {
    const choice = chooseSharedHost(fleet);
    placement = { type: 'shared', host: choice.host };
    where = choice.added ? `new shared host ${choice.host}` : `shared host ${choice.host}`;
    if (choice.added) edits.push({ path: hostFile(choice.host), content: toYaml(choice.added) });
  }

  const tenant: TenantManifest = {
    slug: cr.slug,
    ...(cr.displayName ? { displayName: cr.displayName } : {}),
    owner: cr.owner,
    plan: cr.plan,
    placement,
    modules,
    chats: cr.chats,
    createdAt: now,
  };
  edits.push({ path: tenantFile(cr.slug), content: toYaml(tenant) });
  edits.push({ path: billingFile(cr.slug), content: toYaml(newBilling(cr.billing, now)) });
  const secretNames = Object.keys(cr.secrets).sort();
  if (secretNames.length > 0) edits.push({ path: secretsFile(cr.slug), content: toYaml({ values: cr.secrets }) });

  return {
    edits,
    title: `Create tenant ${cr.slug}`,
    commitType: 'feat',
    details: [
      `plan: ${cr.plan} (${plan.title})`,
      `placement: ${where}`,
      `modules: ${Object.entries(modules).map(([n, m]) => `${n}@${m.version}`).join(', ')}`,
      ...(secretNames.length > 0 ? [`secrets (encrypted): ${secretNames.join(', ')}`] : []),
      ...(cr.billing.periods?.length ? [`paid: ${cr.billing.periods.map((p) => `${p.start.slice(0, 10)} → ${p.end.slice(0, 10)}`).join(', ')}`] : []),
    ],
  };
};
