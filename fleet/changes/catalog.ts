import semver from 'semver';
import type { Fleet } from '../model.js';
import { requiresProblems } from '../requires.js';

/** The newest released version of a module, or null when the catalog does not have it. */
export function latestVersion(fleet: Fleet, module: string): string | null {
  const entry = fleet.catalog.get(module);
  if (!entry) return null;
  return semver.rsort(Object.keys(entry.versions))[0] ?? null;
}

export function isReleased(fleet: Fleet, module: string, version: string): boolean {
  return fleet.catalog.get(module)?.versions[version] !== undefined;
}

/** Why a set of module versions cannot run together, or null when every `requires` holds. */
export function requiresProblem(fleet: Fleet, modules: Readonly<Record<string, { version: string }>>): string | null {
  return requiresProblems((m, v) => fleet.catalog.get(m)?.versions[v]?.requires, modules)[0] ?? null;
}
