import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { PrState } from '../fleet/repo/types.js';
import { Instant, ModuleName, SemVer, Slug } from '../fleet/schema/index.js';

/**
 * Staged rollout of a release to the `auto` tenants (fleet.yaml `rollout`): the first update PR
 * covers only the canary tenants; once every one of them has run the new version healthily for
 * `soakMinutes`, the next PR covers the rest. A canary that fails stops the rollout and the
 * admins are told. Everything here is pure: the decision takes what was observed and the time.
 */

export const RolloutRecord = z.strictObject({
  module: ModuleName,
  version: SemVer,
  state: z.enum(['canary', 'completed', 'halted']),
  canary: z.array(Slug).min(1),
  canaryPr: z.number().int().positive(),
  restPr: z.number().int().positive().nullable(),
  /** Per canary tenant: since when it has been seen ready on the new version, without a break. */
  healthySince: z.record(Slug, Instant),
  haltedReason: z.string().nullable(),
  startedAt: Instant,
});
export type RolloutRecord = z.infer<typeof RolloutRecord>;

export type CanarySetting = { readonly percent: number } | readonly string[] | undefined;

/**
 * The canary tenants of a release among the eligible ones (auto channel, with the module): the
 * listed slugs that are eligible, or `percent` of them (at least one, rounded up), picked by a
 * hash of release and slug, so a rerun picks the same tenants and releases spread the risk over
 * different tenants. Empty when there is no canary stage: none set, none eligible, or the
 * canary would be everyone (a second PR would have nobody to cover).
 */
export function pickCanary(setting: CanarySetting, eligible: readonly string[], release: string): string[] {
  if (setting === undefined || eligible.length === 0) return [];
  let canary: string[];
  if (Array.isArray(setting)) canary = eligible.filter((s) => setting.includes(s));
  else {
    const { percent } = setting as { percent: number };
    const count = Math.max(1, Math.ceil((eligible.length * percent) / 100));
    const score = (slug: string) => createHash('sha256').update(`${release}\0${slug}`).digest('hex');
    canary = [...eligible].sort((a, b) => score(a).localeCompare(score(b))).slice(0, count);
  }
  return canary.length === eligible.length ? [] : canary.sort();
}

/** What the reconciler last did with one canary tenant, in terms of the released module. */
export interface CanaryObservation {
  readonly slug: string;
  /** The tenant no longer exists or no longer has the module on main: it does not hold the rollout up. */
  readonly gone: boolean;
  /** The module's version at the revision last applied to the tenant; null when none is known. */
  readonly appliedVersion: string | null;
  /** The module's version at the revision last attempted; null when none is known. */
  readonly attemptedVersion: string | null;
  readonly ready: boolean;
  readonly stalled: boolean;
  /** Consecutive failed passes. */
  readonly failures: number;
  /** The reconciler's reason and message, for the admins. */
  readonly reason: string | null;
}

/** Consecutive failures after which a canary counts as failed: the reconciler's "degraded". */
export const CANARY_FAILURES = 3;

export type RolloutDecision =
  | { readonly kind: 'idle'; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string; readonly healthySince: Readonly<Record<string, string>> }
  | { readonly kind: 'advance'; readonly healthySince: Readonly<Record<string, string>> }
  | { readonly kind: 'halt'; readonly reason: string };

export interface RolloutInput {
  readonly rollout: RolloutRecord;
  /** State of the canary PR. */
  readonly canaryPr: PrState;
  /** One per canary slug; a slug without one counts as not observed yet. */
  readonly observations: readonly CanaryObservation[];
  readonly now: Date;
  readonly soakMinutes: number;
}

/**
 * The next step of a rollout. A canary fails when the reconciler is stuck (stalled, or failing
 * {@link CANARY_FAILURES} times in a row) on a revision with the new version: failures on an
 * older revision are not this release's. Soak time counts from when a tenant is first seen
 * ready on the new version and starts again after any pass where it is not.
 */
export function decideRollout(input: RolloutInput): RolloutDecision {
  const { rollout, now } = input;
  if (rollout.state !== 'canary') return { kind: 'idle', reason: `the rollout is ${rollout.state}` };
  if (input.canaryPr === 'closed') return { kind: 'halt', reason: `the canary PR #${rollout.canaryPr} was closed without merging` };
  if (input.canaryPr === 'open') return { kind: 'wait', reason: `the canary PR #${rollout.canaryPr} is not merged yet`, healthySince: rollout.healthySince };

  const seen = new Map(input.observations.map((o) => [o.slug, o]));
  const failed: string[] = [];
  const healthySince: Record<string, string> = {};
  const waiting: string[] = [];
  const soakMs = input.soakMinutes * 60_000;
  for (const slug of rollout.canary) {
    const o = seen.get(slug);
    if (o?.gone) continue;
    if (o !== undefined && o.attemptedVersion === rollout.version && (o.stalled || o.failures >= CANARY_FAILURES)) {
      failed.push(`${slug}: ${o.reason ?? (o.stalled ? 'stalled' : `${o.failures} failed passes`)}`);
      continue;
    }
    if (o === undefined || !o.ready || o.appliedVersion !== rollout.version) {
      waiting.push(`${slug}: not running ${rollout.module}@${rollout.version} healthily yet`);
      continue;
    }
    const since = rollout.healthySince[slug] ?? now.toISOString();
    healthySince[slug] = since;
    const left = soakMs - (now.getTime() - Date.parse(since));
    if (left > 0) waiting.push(`${slug}: healthy since ${since}, ${Math.ceil(left / 60_000)} min of soak left`);
  }
  if (failed.length > 0) return { kind: 'halt', reason: `canary failed: ${failed.join('; ')}` };
  if (waiting.length > 0) return { kind: 'wait', reason: waiting.join('; '), healthySince };
  return { kind: 'advance', healthySince };
}
