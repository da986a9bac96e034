import semver from 'semver';
import type { Fleet } from '../fleet/model.js';
import { pickCanary } from './rollout.js';
import { requiresAfter, type RequiresOf } from './requires.js';

/**
 * Renovate's extract → lookup step for one release: which tenants pin the module, on which
 * channel, and who can take the new version. Pure: a fleet and a release in, lists out.
 */

export interface ReleaseFacts {
  readonly module: string;
  readonly version: string;
  /** The new version's `requires` (it may not be in the fleet's catalog yet). */
  readonly requires: Readonly<Record<string, string>>;
}

export interface ReleasePlan {
  /**
   * `auto` tenants that have the module at this version or older, sorted: the update PRs cover
   * them (the module.update builder skips and lists those whose requires would break). Tenants
   * already at the version stay in, so a rerun picks the same canary.
   */
  readonly auto: readonly string[];
  /** Of `auto`, the ones still below the version. */
  readonly autoBehind: readonly string[];
  /** The canary group of `auto`; empty when there is no canary stage. */
  readonly canary: readonly string[];
  /** `notify` tenants below the version that can take it: each owner is told once. */
  readonly notify: readonly { readonly slug: string; readonly owner: number; readonly from: string }[];
  /** `notify` tenants below the version whose other modules' requires would break, with why. */
  readonly notifySkipped: readonly { readonly slug: string; readonly reason: string }[];
}

export function planRelease(fleet: Fleet, release: ReleaseFacts): ReleasePlan {
  // The release's own requires win: main's catalog may not list this version yet.
  const requiresOf: RequiresOf = (m, v) =>
    m === release.module && v === release.version ? release.requires : fleet.catalog.get(m)?.versions[v]?.requires;
  const auto: string[] = [];
  const autoBehind: string[] = [];
  const notify: { slug: string; owner: number; from: string }[] = [];
  const notifySkipped: { slug: string; reason: string }[] = [];
  for (const [slug, { tenant }] of fleet.tenants) {
    const installed = tenant.modules[release.module];
    if (installed === undefined || semver.gt(installed.version, release.version)) continue;
    const behind = semver.lt(installed.version, release.version);
    if (installed.channel === 'auto') {
      auto.push(slug);
      if (behind) autoBehind.push(slug);
      continue;
    }
    if (!behind) continue;
    const problems = requiresAfter(requiresOf, tenant.modules, release.module, release.version);
    if (problems.length > 0) notifySkipped.push({ slug, reason: problems.join('; ') });
    else notify.push({ slug, owner: tenant.owner.telegramUserId, from: installed.version });
  }
  const canary = pickCanary(fleet.config.rollout.canary, auto, `${release.module}@${release.version}`);
  return { auto: auto.sort(), autoBehind: autoBehind.sort(), canary, notify, notifySkipped };
}
