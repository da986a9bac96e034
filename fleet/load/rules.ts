import { billingFile, catalogFile, hostFile, tenantFile } from '../paths.js';
import { requiresProblems } from '../requires.js';
import { type FleetIssue, WHOLE_FILE } from './errors.js';
import type { Located, ParsedTree } from './index.js';

/**
 * Rules that span files. Each rule reports against the file a person would edit to fix it.
 * Rules only see files that parsed; a broken file is already reported.
 */
export function crossFileIssues(tree: ParsedTree): FleetIssue[] {
  const out: FleetIssue[] = [];
  const at = <T>(loc: Located<T>, path: PropertyKey[], message: string) =>
    out.push({ file: loc.file, line: loc.lineOf(path), field: path.join('.') || WHOLE_FILE, message });

  for (const slug of tree.tenantDirs) {
    if (!tree.present.has(tenantFile(slug))) {
      out.push({ file: tenantFile(slug), line: 1, field: WHOLE_FILE, message: 'missing: every tenant folder has a tenant.yaml' });
    }
  }
  for (const [name, host] of tree.hosts) {
    if (host.value.name !== name) at(host, ['name'], `must equal the file name "${name}"`);
  }
  for (const [name, entry] of tree.catalog) {
    if (entry.value.name !== name) at(entry, ['name'], `must equal the file name "${name}"`);
  }

  const placed = new Map<string, number>();
  for (const [slug, t] of tree.tenants) {
    const tenant = t.value;
    if (tenant.slug !== slug) at(t, ['slug'], `must equal the folder name "${slug}"`);
    if (!tree.present.has(billingFile(slug))) {
      out.push({ file: billingFile(slug), line: 1, field: WHOLE_FILE, message: 'missing: every tenant has a billing.yaml' });
    }
    const plan = tree.fleet?.value.plans[tenant.plan];
    if (tree.fleet && !plan) {
      at(t, ['plan'], `unknown plan "${tenant.plan}"; fleet.yaml has ${Object.keys(tree.fleet.value.plans).join(', ')}`);
    }
    const moduleCount = Object.keys(tenant.modules).length;
    if (plan && moduleCount > plan.maxModules) {
      at(t, ['modules'], `plan "${tenant.plan}" allows ${plan.maxModules} modules, this tenant has ${moduleCount}`);
    }
    if (tenant.placement.type === 'shared') {
      const host = tenant.placement.host;
      // A host file that is present but broken is reported on its own; the tenant is not wrong.
      if (!tree.present.has(hostFile(host))) at(t, ['placement', 'host'], `no host "${host}": expected ${hostFile(host)}`);
      placed.set(host, (placed.get(host) ?? 0) + 1);
    }
    for (const [name, install] of Object.entries(tenant.modules)) {
      const entry = tree.catalog.get(name);
      if (!entry) {
        if (!tree.present.has(catalogFile(name))) at(t, ['modules', name], `unknown module "${name}": no ${catalogFile(name)}`);
        continue;
      }
      if (!entry.value.versions[install.version]) {
        at(t, ['modules', name, 'version'], `${name}@${install.version} is not released (catalog has ${Object.keys(entry.value.versions).join(', ') || 'none'})`);
        continue;
      }
      // Only this module's own requires, so each problem points at the module that has it.
      const requiresOf = (m: string, v: string) => (m === name && v === install.version ? entry.value.versions[v]?.requires : undefined);
      for (const problem of requiresProblems(requiresOf, tenant.modules)) at(t, ['modules', name], problem);
    }
  }
  for (const [name, count] of placed) {
    const host = tree.hosts.get(name);
    if (host && count > host.value.capacity) {
      at(host, ['capacity'], `${count} tenants are placed on this host, over its capacity of ${host.value.capacity}`);
    }
  }
  return out;
}

