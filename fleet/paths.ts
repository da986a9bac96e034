import { isSlug, ModuleName } from './schema/index.js';

/** Where each manifest lives in the fleet repo. The only place paths are built. */
export const FLEET_FILE = 'fleet.yaml';
export const tenantDir = (slug: string) => `tenants/${slug}`;
export const tenantFile = (slug: string) => `tenants/${slug}/tenant.yaml`;
export const billingFile = (slug: string) => `tenants/${slug}/billing.yaml`;
export const secretsFile = (slug: string) => `tenants/${slug}/secrets.age`;
export const hostFile = (name: string) => `hosts/${name}.yaml`;
export const catalogFile = (module: string) => `catalog/${module}.yaml`;

export type ManifestPath =
  | { kind: 'fleet' }
  | { kind: 'tenant' | 'billing' | 'secrets'; slug: string }
  | { kind: 'host'; name: string }
  | { kind: 'catalog'; module: string };

export type PathClass = ManifestPath | { kind: 'ignored' } | { kind: 'unexpected'; reason: string };

/** Folders whose every file must be a manifest; anything else in the repo (README, workflows) is ignored. */
const MANAGED_ROOTS = ['tenants/', 'hosts/', 'catalog/'];

/**
 * Classifies a repo path. Names are checked against the same rules as the manifests, so a path
 * like `tenants/../x` or `hosts/a b.yaml` is refused here, before anything reads it.
 */
export function classifyPath(path: string): PathClass {
  if (path === FLEET_FILE) return { kind: 'fleet' };
  if (!MANAGED_ROOTS.some((r) => path.startsWith(r))) return { kind: 'ignored' };
  if (path.endsWith('/.gitkeep') && path.split('/').length === 2) return { kind: 'ignored' };
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return { kind: 'unexpected', reason: 'path has an empty, "." or ".." segment' };
  const [root, a, b] = parts;
  if (root === 'tenants') {
    if (parts.length !== 3 || a === undefined || b === undefined) return { kind: 'unexpected', reason: 'expected tenants/<slug>/<file>' };
    if (!isSlug(a)) return { kind: 'unexpected', reason: `tenant folder "${a}" is not a valid slug` };
    if (b === 'tenant.yaml') return { kind: 'tenant', slug: a };
    if (b === 'billing.yaml') return { kind: 'billing', slug: a };
    if (b === 'secrets.age') return { kind: 'secrets', slug: a };
    return { kind: 'unexpected', reason: 'a tenant folder holds only tenant.yaml, billing.yaml and secrets.age' };
  }
  if (parts.length !== 2 || a === undefined || !a.endsWith('.yaml')) return { kind: 'unexpected', reason: `expected ${root}/<name>.yaml` };
  const name = a.slice(0, -'.yaml'.length);
  // Host names are slugs (HostName); module names are checked by their own schema.
  if (root === 'hosts') return isSlug(name) ? { kind: 'host', name } : { kind: 'unexpected', reason: `"${name}" is not a valid host name` };
  return ModuleName.safeParse(name).success ? { kind: 'catalog', module: name } : { kind: 'unexpected', reason: `"${name}" is not a valid module name` };
}
