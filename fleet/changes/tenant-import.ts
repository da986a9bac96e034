import type { Fleet, TenantRecord } from '../model.js';
import { billingFile, hostFile, secretsFile, tenantFile } from '../paths.js';
import type { FileEdit } from '../repo/types.js';
import { CORE_MODULE, type HostManifest, type TenantManifest, type TenantPlacement } from '../schema/index.js';
import { toYaml } from '../serialize.js';
import { newBilling } from './billing-merge.js';
import { latestVersion } from './catalog.js';
import { type Builder, reject } from './context.js';
import { chooseSharedHost } from './placement.js';

/**
 * Many tenants in one change (an import from another system). Each is made as tenant.create
 * makes one — core at its latest release, the plan's placement, billing folded from its facts —
 * and placed one after another, so the hosts fill up as they would by single purchases. The PR
 * lists counts and dates, never a secret (secrets arrive sealed and are named only).
 */
export const buildTenantImport: Builder<'tenant.import'> = (ctx, cr) => {
  const { fleet, now } = ctx;
  const core = latestVersion(fleet, CORE_MODULE);
  if (core === null) reject(cr, 'not_found', `there is no module "${CORE_MODULE}" in the catalog to install`);

  // Placement sees the tenants and hosts this import adds, like a sequence of purchases would.
  const tenants = new Map<string, TenantRecord>(fleet.tenants);
  const hosts = new Map<string, HostManifest>(fleet.hosts);
  const addedHosts: HostManifest[] = [];
  const edits: FileEdit[] = [];
  const plans = new Map<string, number>();
  let withToken = 0;
  let periods = 0;
  let latestPaid: string | null = null;

  for (const t of cr.tenants) {
    if (tenants.has(t.slug)) reject(cr, 'exists', `the name "${t.slug}" is taken`);
    const plan = fleet.config.plans[t.plan];
    if (!plan) reject(cr, 'invalid', `tenant ${t.slug}: there is no plan "${t.plan}" (plans: ${Object.keys(fleet.config.plans).join(', ')})`);
    let placement: TenantPlacement;
    if (plan.placement === 'dedicated') {
      placement = { type: 'dedicated', region: fleet.config.defaults.region, size: plan.size ?? fleet.config.defaults.size };
    } else {
      const current: Fleet = { ...fleet, tenants, hosts };
      const choice = chooseSharedHost(current);
      if (choice.added) {
        hosts.set(choice.added.name, choice.added);
        addedHosts.push(choice.added);
      }
      placement = { type: 'shared', host: choice.host };
    }
    const tenant: TenantManifest = {
      slug: t.slug,
      ...(t.displayName ? { displayName: t.displayName } : {}),
      owner: t.owner,
      plan: t.plan,
      placement,
      modules: { [CORE_MODULE]: { version: core, channel: 'notify', config: {} } },
      chats: [],
      createdAt: t.createdAt ?? now,
    };
    const billing = newBilling(t.billing, now);
    tenants.set(t.slug, { slug: t.slug, tenant, billing, secrets: null });
    edits.push({ path: tenantFile(t.slug), content: toYaml(tenant) });
    edits.push({ path: billingFile(t.slug), content: toYaml(billing) });
    if (Object.keys(t.secrets).length > 0) {
      withToken += 1;
      edits.push({ path: secretsFile(t.slug), content: toYaml({ values: t.secrets }) });
    }
    plans.set(t.plan, (plans.get(t.plan) ?? 0) + 1);
    periods += billing.periods.length;
    if (billing.paidThrough !== null && (latestPaid === null || Date.parse(billing.paidThrough) > Date.parse(latestPaid))) latestPaid = billing.paidThrough;
  }
  for (const host of addedHosts) edits.push({ path: hostFile(host.name), content: toYaml(host) });

  const n = cr.tenants.length;
  return {
    edits,
    title: `Import ${n} tenant${n === 1 ? '' : 's'} from ${cr.source}`,
    commitType: 'feat',
    details: [
      `tenants: ${n} (${[...plans].map(([p, c]) => `${c} on ${p}`).join(', ')})`,
      `modules: ${CORE_MODULE}@${core} for each`,
      `bot tokens (encrypted): ${withToken} of ${n}`,
      `paid periods recorded: ${periods}${latestPaid === null ? '' : `, latest paid-through ${latestPaid.slice(0, 10)}`}`,
      ...(addedHosts.length > 0 ? [`new shared hosts: ${addedHosts.map((h) => h.name).join(', ')}`] : []),
      `slugs: ${cr.tenants.map((t) => t.slug).join(', ')}`,
    ],
  };
};
