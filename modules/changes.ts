import { branchFor } from '../fleet/changes/describe.js';
import { ChangeRejectedError, ChangeRequest, type ChangeRequestInput } from '../fleet/changes/index.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import { MAIN, type PullRequest } from '../fleet/repo/types.js';
import { FleetBrokenError, submitChange } from '../fleet/submit.js';
import type { ReleaseDeps } from './ports.js';

/** What became of one change the release asked for. */
export type EnsuredChange =
  | { readonly status: 'merged' | 'open' | 'closed'; readonly pr: PullRequest; readonly created: boolean }
  /** Nothing to change: main has it already. */
  | { readonly status: 'noop' }
  /** The builder refused it (e.g. no tenant can take the release); the reason says why. */
  | { readonly status: 'rejected'; readonly reason: string };

/**
 * Submits a change once: when its PR exists in any state, that PR is the answer and nothing is
 * written. `submitChange` alone would recommit an open PR's branch on every run (a new commit
 * time is a new commit), and a PR an admin closed must stay closed when the workflow reruns.
 */
export async function ensureChange(deps: ReleaseDeps, input: ChangeRequestInput): Promise<EnsuredChange> {
  const cr = ChangeRequest.parse(input);
  const existing = await deps.prs.findPr(branchFor(cr));
  if (existing !== null) return { status: existing.state, pr: existing, created: false };
  try {
    const outcome = await submitChange({ repo: deps.repo, prs: deps.prs, now: deps.now, ...(deps.log ? { log: deps.log } : {}) }, cr);
    return outcome.status === 'noop' ? { status: 'noop' } : { status: outcome.status, pr: outcome.pr, created: true };
  } catch (error) {
    if (error instanceof ChangeRejectedError && error.reason !== 'invalid') throw error;
    if (error instanceof ChangeRejectedError) return { status: 'rejected', reason: error.message };
    throw error;
  }
}

/** The fleet on main, validated. */
export async function mainFleet(deps: Pick<ReleaseDeps, 'repo'>): Promise<{ fleet: Fleet; revision: string }> {
  const revision = await deps.repo.head(MAIN);
  if (revision === null) throw new FleetBrokenError('(none)', [{ file: 'fleet.yaml', line: 1, field: '(file)', message: 'the fleet repo has no main branch' }]);
  const loaded = loadFleet(await deps.repo.read(revision));
  if (!loaded.ok) throw new FleetBrokenError(revision, loaded.issues);
  return { fleet: loaded.fleet, revision };
}

export const describeEnsured = (what: string, c: EnsuredChange): string => {
  switch (c.status) {
    case 'noop':
      return `${what}: already on main`;
    case 'rejected':
      return `${what}: refused: ${c.reason}`;
    default:
      return `${what}: PR #${c.pr.number} ${c.status}${c.created ? '' : ' (from an earlier run)'} ${c.pr.url}`;
  }
};
