import type { Actor, ChangeRequestInput } from '../fleet/changes/index.js';
import { branchFor } from '../fleet/changes/describe.js';
import { ChangeRequest } from '../fleet/changes/request.js';
import { loadModuleRelease, type ReleasedModule } from './catalog.js';
import { describeEnsured, type EnsuredChange, ensureChange, mainFleet } from './changes.js';
import type { ReleaseDeps } from './ports.js';
import type { RolloutRecord } from './rollout.js';
import type { TagSource } from './tags.js';
import { planRelease } from './updater.js';

/** Outbox kind of the "update available" message to a `notify` tenant's owner (bot/notifications/modules.ts). */
export const UPDATE_AVAILABLE = 'module.update_available';
/** The catalog keeps notes up to this length (catalog schema); the rest is in the changelog. */
const MAX_NOTES = 10_000;

export interface ReleaseReport {
  readonly tag: string;
  readonly release: ReleasedModule;
  /** Recording the version in catalog/<module>.yaml. */
  readonly catalog: EnsuredChange;
  /** The update PR of the `auto` tenants (the canary PR when staged); null when none was needed. */
  readonly update: EnsuredChange | null;
  /** The staged rollout, when fleet.yaml has a canary and the release has tenants beyond it. */
  readonly rollout: RolloutRecord | null;
  /** `notify` tenants whose owner was told now, and those told by an earlier run. */
  readonly notified: readonly string[];
  readonly alreadyNotified: readonly string[];
  /** `notify` tenants that cannot take the release, with why. */
  readonly skipped: readonly { readonly slug: string; readonly reason: string }[];
  /** Set when the release stopped early: the catalog PR waits for an admin. */
  readonly pending: string | null;
}

/** The ids that make a release's changes the same changes on every run. */
export const releaseChangeId = (tag: string, stage?: 'canary' | 'rest') => `release:${tag}${stage ? `:${stage}` : ''}`;

/**
 * `buckfleet release <name>@<version>`: validates the module at its tag, records the release in
 * the fleet's catalog, then updates the tenants that have the module. `auto` tenants get one
 * module.update PR for the release (only the canary group first, when fleet.yaml has one);
 * `notify` tenants' owners get the release notes and an "Update now" button. Every step is keyed
 * by the tag, so running it again (a retried workflow) opens, commits and sends nothing new.
 */
export async function releaseModule(deps: ReleaseDeps & { readonly source: TagSource & { readonly repo: string } }, name: string, version: string): Promise<ReleaseReport> {
  const release = await loadModuleRelease(deps.source, name, version);
  const tag = release.tag;
  const requestedBy: Actor = { type: 'release', tag };
  const notes = release.notes === null ? undefined : release.notes.length > MAX_NOTES ? `${release.notes.slice(0, MAX_NOTES - 1)}…` : release.notes;
  const catalog = await ensureChange(deps, {
    kind: 'module.release',
    id: releaseChangeId(tag),
    requestedBy,
    reason: `tag ${tag} at ${release.commit.slice(0, 12)}`,
    module: name,
    version,
    title: release.manifest.title,
    description: release.manifest.description,
    release: { image: release.image, requires: release.manifest.requires, releasedAt: release.releasedAt, ...(notes === undefined ? {} : { notes }) },
  });
  const base = { tag, release, catalog, update: null, rollout: null, notified: [], alreadyNotified: [], skipped: [] };
  if (catalog.status === 'open' || catalog.status === 'closed' || catalog.status === 'rejected') {
    // Tenants can only pin what main's catalog lists: updates wait for the catalog PR.
    return { ...base, pending: `${describeEnsured('catalog', catalog)}; run the release again once it is merged` };
  }

  const { fleet } = await mainFleet(deps);
  const plan = planRelease(fleet, { module: name, version, requires: release.manifest.requires });
  const update = (stage: 'canary' | undefined, tenants: readonly string[]): ChangeRequestInput => ({
    kind: 'module.update',
    id: releaseChangeId(tag, stage),
    requestedBy,
    reason: stage === 'canary' ? `canary group of the staged rollout of ${tag}` : `release ${tag}`,
    module: name,
    version,
    tenants: [...tenants],
  });

  let rollout = await deps.rollouts.get(name, version);
  let updateChange: EnsuredChange | null = null;
  if (rollout === null) {
    const canaryInput = update('canary', plan.canary);
    // A canary PR of an earlier run counts even after it merged (its tenants are no longer behind).
    const earlier = plan.canary.length > 0 ? await deps.prs.findPr(branchFor(ChangeRequest.parse(canaryInput))) : null;
    const staged =
      earlier !== null || (plan.canary.some((s) => plan.autoBehind.includes(s)) && plan.autoBehind.some((s) => !plan.canary.includes(s)));
    if (staged) {
      updateChange = await ensureChange(deps, canaryInput);
      if (updateChange.status !== 'noop' && updateChange.status !== 'rejected') {
        rollout = await deps.rollouts.start({
          module: name,
          version,
          state: 'canary',
          canary: [...plan.canary],
          canaryPr: updateChange.pr.number,
          restPr: null,
          healthySince: {},
          haltedReason: null,
          startedAt: deps.now().toISOString(),
        });
      }
    } else if (plan.autoBehind.length > 0) {
      updateChange = await ensureChange(deps, update(undefined, plan.autoBehind));
    }
  }

  const notified: string[] = [];
  const alreadyNotified: string[] = [];
  for (const { slug, owner, from } of plan.notify) {
    const queued = await deps.outbox.queue({
      dedupeKey: `${UPDATE_AVAILABLE}:${slug}:${tag}`,
      telegramUserId: owner,
      kind: UPDATE_AVAILABLE,
      payload: { tenant: slug, module: name, version, from, title: release.manifest.title, ...(notes === undefined ? {} : { notes }) },
    });
    (queued ? notified : alreadyNotified).push(slug);
  }
  deps.log?.info({ tag, notified: notified.length, staged: rollout !== null }, 'release processed');
  return { ...base, update: updateChange, rollout, notified, alreadyNotified, skipped: plan.notifySkipped, pending: null };
}

/** The report as lines for the command line and the workflow log. */
export function describeRelease(r: ReleaseReport): string[] {
  if (r.pending !== null) return [`${r.tag}: valid`, r.pending];
  return [
    `${r.tag}: valid (${r.release.image}${r.release.notes === null ? ', no release notes' : ''})`,
    describeEnsured('catalog', r.catalog),
    r.rollout !== null
      ? `auto tenants: staged rollout, canary ${r.rollout.canary.join(', ')} in PR #${r.rollout.canaryPr} (${r.rollout.state}); \`buckfleet rollout advance\` opens the rest after the soak`
      : r.update === null
        ? 'auto tenants: none to update'
        : describeEnsured('auto tenants', r.update),
    `notify tenants told now: ${r.notified.join(', ') || 'none'}${r.alreadyNotified.length > 0 ? `; told before: ${r.alreadyNotified.join(', ')}` : ''}`,
    ...r.skipped.map((s) => `skipped ${s.slug}: ${s.reason}`),
  ];
}
