import { loadFleet } from '../fleet/load/index.js';
import { FULL_SHA } from '../fleet/repo/git/write.js';
import { describeEnsured, type EnsuredChange, ensureChange, mainFleet } from './changes.js';
import type { ReleaseDeps, TenantHealthReader } from './ports.js';
import { releaseChangeId } from './release.js';
import { type CanaryObservation, decideRollout, type RolloutDecision, type RolloutRecord } from './rollout.js';
import { planRelease } from './updater.js';

/** Outbox kind of the alert to each admin when a canary fails (bot/notifications/modules.ts). */
export const ROLLOUT_HALTED = 'admin.rollout_halted';

export interface AdvanceDeps extends ReleaseDeps {
  readonly health: TenantHealthReader;
  /** Admins beyond fleet.yaml's (ADMIN_TELEGRAM_IDS). */
  readonly extraAdmins: readonly number[];
}

export interface AdvanceReport {
  readonly tag: string;
  readonly decision: RolloutDecision;
  /** The PR for the rest of the tenants, when the rollout advanced now. */
  readonly rest: EnsuredChange | null;
  /** Admins alerted now (a halt). */
  readonly alerted: readonly number[];
}

/**
 * One pass over the rollouts in their canary stage (`buckfleet rollout advance`, safe to run
 * from cron or a worker as often as wanted): reads the canary tenants' status and the time,
 * lets {@link decideRollout} choose, and does what it says. The decision is pure; this is the
 * I/O around it.
 */
export async function advanceRollouts(deps: AdvanceDeps): Promise<AdvanceReport[]> {
  const reports: AdvanceReport[] = [];
  for (const rollout of await deps.rollouts.active()) reports.push(await advanceRollout(deps, rollout));
  return reports;
}

export async function advanceRollout(deps: AdvanceDeps, rollout: RolloutRecord): Promise<AdvanceReport> {
  const tag = `${rollout.module}@${rollout.version}`;
  const pr = await deps.prs.getPr(rollout.canaryPr);
  const { fleet } = await mainFleet(deps);
  const now = deps.now();
  const decision = decideRollout({
    rollout,
    canaryPr: pr.state,
    observations: await observe(deps, rollout),
    now,
    soakMinutes: fleet.config.rollout.soakMinutes,
  });
  const report = { tag, decision, rest: null, alerted: [] };
  switch (decision.kind) {
    case 'idle':
      return report;
    case 'wait':
      await deps.rollouts.save({ ...rollout, healthySince: { ...decision.healthySince } });
      return report;
    case 'halt': {
      await deps.rollouts.save({ ...rollout, state: 'halted', haltedReason: decision.reason });
      const alerted: number[] = [];
      for (const admin of [...new Set([...fleet.config.admins, ...deps.extraAdmins])].sort((a, b) => a - b)) {
        const queued = await deps.outbox.queue({
          dedupeKey: `${ROLLOUT_HALTED}:${tag}:${admin}`,
          telegramUserId: admin,
          kind: ROLLOUT_HALTED,
          payload: { module: rollout.module, version: rollout.version, canaryPr: rollout.canaryPr, reason: decision.reason.slice(0, 3000) },
        });
        if (queued) alerted.push(admin);
      }
      deps.log?.warn({ tag, reason: decision.reason }, 'rollout halted');
      return { ...report, alerted };
    }
    case 'advance': {
      const requires = fleet.catalog.get(rollout.module)?.versions[rollout.version]?.requires ?? {};
      const plan = planRelease(fleet, { module: rollout.module, version: rollout.version, requires });
      const rest = plan.autoBehind.filter((s) => !rollout.canary.includes(s));
      const change =
        rest.length === 0
          ? null
          : await ensureChange(deps, {
              kind: 'module.update',
              id: releaseChangeId(tag, 'rest'),
              requestedBy: { type: 'system', component: 'rollout' },
              reason: `the canary group (${rollout.canary.join(', ')}) ran ${tag} healthily for ${fleet.config.rollout.soakMinutes} min`,
              module: rollout.module,
              version: rollout.version,
              tenants: rest,
            });
      const restPr = change !== null && 'pr' in change ? change.pr.number : null;
      await deps.rollouts.save({ ...rollout, state: 'completed', healthySince: { ...decision.healthySince }, restPr });
      deps.log?.info({ tag, restPr }, 'rollout advanced to the rest of the tenants');
      return { ...report, rest: change };
    }
  }
}

/** Each canary tenant's status, with the module's version at the revisions the reconciler applied and attempted. */
async function observe(deps: AdvanceDeps, rollout: RolloutRecord): Promise<CanaryObservation[]> {
  const { fleet } = await mainFleet(deps);
  const health = await deps.health.get(rollout.canary);
  const versions = new Map<string, Map<string, string> | null>();
  const versionAt = async (revision: string | null, slug: string): Promise<string | null> => {
    if (revision === null || !FULL_SHA.test(revision)) return null;
    if (!versions.has(revision)) {
      // A revision main no longer has (force-pushed away) reads as unknown, not as a failure.
      const loaded = await deps.repo.read(revision).then(loadFleet, () => null);
      versions.set(revision, loaded?.ok ? new Map([...loaded.fleet.tenants].flatMap(([s, r]) => { const m = r.tenant.modules[rollout.module]; return m ? [[s, m.version] as const] : []; })) : null);
    }
    return versions.get(revision)?.get(slug) ?? null;
  };
  const out: CanaryObservation[] = [];
  for (const slug of rollout.canary) {
    const h = health.get(slug);
    out.push({
      slug,
      gone: fleet.tenants.get(slug)?.tenant.modules[rollout.module] === undefined,
      appliedVersion: await versionAt(h?.lastAppliedRevision ?? null, slug),
      attemptedVersion: await versionAt(h?.lastAttemptedRevision ?? null, slug),
      ready: h?.ready ?? false,
      stalled: h?.stalled ?? false,
      failures: h?.failures ?? 0,
      reason: h?.reason ?? null,
    });
  }
  return out;
}

export function describeAdvance(r: AdvanceReport): string {
  switch (r.decision.kind) {
    case 'idle':
      return `${r.tag}: ${r.decision.reason}`;
    case 'wait':
      return `${r.tag}: waiting: ${r.decision.reason}`;
    case 'halt':
      return `${r.tag}: halted: ${r.decision.reason}; admins told: ${r.alerted.join(', ') || 'none new'}`;
    case 'advance':
      return `${r.tag}: canary healthy; ${r.rest === null ? 'no other tenant to update' : describeEnsured('the rest', r.rest)}`;
  }
}
