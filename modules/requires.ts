import { requiresProblems } from '../fleet/requires.js';
import type { ModuleCatalog } from './catalog.js';

/** What modules and versions require, by module and version. */
export type RequiresOf = (module: string, version: string) => Readonly<Record<string, string>> | undefined;

/** An install or update would leave a tenant with a module whose `requires` does not hold. */
export class RequiresBrokenError extends Error {
  override readonly name = 'RequiresBrokenError';
  constructor(
    readonly context: { readonly tenant: string; readonly module: string; readonly version: string },
    /** Every broken requirement, in words: "welcome@2.0.0 requires core >=2 <3, but core is 1.1.0". */
    readonly problems: readonly string[],
  ) {
    super(`${context.module}@${context.version} cannot go on ${context.tenant}: ${problems.join('; ')}`);
  }
}

/** The `requires` of the releases in a catalog loaded from tags. */
export const catalogRequires =
  (catalog: ModuleCatalog): RequiresOf =>
  (module, version) =>
    catalog.modules.get(module)?.find((r) => r.version === version)?.manifest.requires;

/**
 * Why taking `module@version` (an install or an update) breaks a `requires` of the tenant's
 * modules, or [] when every requirement still holds. The same words as the fleet's validator
 * (fleet/requires.ts), which the change builders also use.
 */
export function requiresAfter(requiresOf: RequiresOf, installed: Readonly<Record<string, { version: string }>>, module: string, version: string): string[] {
  return requiresProblems(requiresOf, { ...installed, [module]: { version } });
}

/** Refuses an install or update that breaks a `requires` range, with the reason. */
export function assertRequiresHold(
  requiresOf: RequiresOf,
  tenant: { readonly slug: string; readonly modules: Readonly<Record<string, { version: string }>> },
  module: string,
  version: string,
): void {
  const problems = requiresAfter(requiresOf, tenant.modules, module, version);
  if (problems.length > 0) throw new RequiresBrokenError({ tenant: tenant.slug, module, version }, problems);
}
