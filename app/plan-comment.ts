import type { Log } from '../fleet/log.js';
import { formatIssue } from '../fleet/load/errors.js';
import { loadFleet } from '../fleet/load/index.js';
import type { FleetSnapshot } from '../fleet/model.js';
import { redactUrls } from '../fleet/repo/git/runner.js';
import type { ChangeRequests, CommitStatus, FleetRepo } from '../fleet/repo/types.js';
import type { Plan } from '../reconciler/plan.js';
import { reconcilePass, type ReconcilerDeps } from '../reconciler/reconcile.js';
import { planMarkdown } from '../reconciler/render-plan.js';

/**
 * The plan comment on a fleet PR, posted by the control plane when a `pull_request` webhook
 * arrives and the fleet repo does not run buckfleet's own workflows (plan.yml does the same job
 * there). Same marker (`<!-- buckfleet:plan -->`, via `ensureComment(pr, 'plan', …)`) and same
 * `buckfleet/plan` commit status as the workflow, so one comment is edited on every push.
 *
 * The plan is of the PR's head commit against the observed world, as `buckfleet plan --dir`
 * plans a checkout: `reconcilePass` with `dryRun`, its fleet source replaced by the head's tree.
 */

/** What a dry run reads the desired state from: the PR head instead of main. */
export type FleetSource = ReconcilerDeps['fleet'];

/** Plans one fleet source against the world without changing anything. */
export type PlanFleet = (source: FleetSource) => Promise<{ readonly revision: string; readonly plan: Plan }>;

export interface PlanCommentDeps {
  readonly repo: Pick<FleetRepo, 'read'> & Pick<ChangeRequests, 'getPr' | 'ensureComment' | 'setStatus'>;
  readonly plan: PlanFleet;
  readonly log: Log;
}

/**
 * posted: comment and status written. workflows: the PR's tree has plan.yml, which comments
 * itself (two writers of one comment would overwrite each other on every push). outdated: the
 * PR moved on while this plan ran; the event of the newer push posts its own.
 */
export type PlanCommentOutcome = 'posted' | 'workflows' | 'outdated';

export const PLAN_WORKFLOW_PATH = '.github/workflows/plan.yml';
export const PLAN_STATUS_CONTEXT = 'buckfleet/plan';
const MARKER = 'plan';

/** The dry run `buckfleet plan` does, over the reconciler's real observers. */
export function dryRunPlanner(deps: ReconcilerDeps): PlanFleet {
  return async (source) => {
    const report = await reconcilePass({ ...deps, fleet: source }, { dryRun: true });
    return { revision: report.revision, plan: report.plan };
  };
}

export async function commentPlan(deps: PlanCommentDeps, pr: number, headSha: string): Promise<PlanCommentOutcome> {
  const snapshot = await deps.repo.read(headSha);
  if (snapshot.files.has(PLAN_WORKFLOW_PATH)) return 'workflows';
  const { text, status } = await planText(deps, snapshot, headSha);
  // Planning observes the world (seconds, over SSH): a later push may have superseded this one.
  if ((await deps.repo.getPr(pr)).head !== headSha) {
    deps.log.info({ pr, head: headSha.slice(0, 12) }, 'plan comment skipped: the PR moved on while planning');
    return 'outdated';
  }
  await deps.repo.ensureComment(pr, MARKER, text);
  await deps.repo.setStatus(headSha, status);
  deps.log.info({ pr, head: headSha.slice(0, 12), state: status.state }, 'plan comment posted');
  return 'posted';
}

async function planText(deps: PlanCommentDeps, snapshot: FleetSnapshot, headSha: string): Promise<{ text: string; status: CommitStatus }> {
  const loaded = loadFleet(snapshot);
  if (!loaded.ok) {
    // The same words as plan.yml's comment for a fleet that does not validate. Issues name files
    // and fields; the loader's secret scan never quotes a value it refuses.
    const text = ['### buckfleet plan', '', '**The fleet does not validate.** `buckfleet validate` says:', '', '```', ...loaded.issues.map(formatIssue), '```', ''].join('\n');
    return { text, status: { context: PLAN_STATUS_CONTEXT, state: 'failure', description: 'the fleet does not validate' } };
  }
  try {
    const { plan, revision } = await deps.plan({ head: () => Promise.resolve(headSha), read: () => Promise.resolve(snapshot) });
    const text = planMarkdown(plan, revision);
    const counts = /\*\*(\d+ to create, \d+ to change, \d+ to remove)\*\*/.exec(text);
    return { text, status: { context: PLAN_STATUS_CONTEXT, state: 'success', description: counts?.[1] ?? 'no changes' } };
  } catch (error) {
    // An observer's error can carry hosts and URLs: it goes to our log, not into a public comment.
    deps.log.warn({ error: redactUrls(error instanceof Error ? error.message : String(error)), head: headSha.slice(0, 12) }, 'plan for the PR comment failed');
    const text = ['### buckfleet plan', '', '**The plan failed**: the control plane could not observe the world; its log says why.', ''].join('\n');
    return { text, status: { context: PLAN_STATUS_CONTEXT, state: 'error', description: 'buckfleet plan failed' } };
  }
}
