import { loadFleet } from './load/index.js';
import { type Log, silentLog } from './log.js';
import { RefMovedError } from './repo/errors.js';
import type { ChangeRequests, FleetRepo, PullRequest } from './repo/types.js';
import { ChangeInvalidError, ContentionError } from './submit-errors.js';

export interface ApproveDeps {
  readonly repo: FleetRepo;
  readonly prs: ChangeRequests;
  readonly log?: Log;
}

/** The PR cannot be merged as it is: a conflict with main, or it is not open. */
export class NotMergeableError extends Error {
  override readonly name = 'NotMergeableError';
  constructor(
    readonly pr: number,
    readonly reason: 'conflict' | 'closed' | 'merged',
  ) {
    super(
      reason === 'conflict'
        ? `PR #${pr} conflicts with main; it needs to be rebuilt (submit its change again) or closed`
        : `PR #${pr} is already ${reason}`,
    );
  }
}

const VALIDATE_CONTEXT = 'buckfleet/validate';
const MAX_ATTEMPTS = 10;

/**
 * An admin's "merge": bring main into the PR branch, validate the tree that would land, mark the
 * commit, and merge only that exact commit. A PR that went stale while it waited for review is
 * merged with a merge commit after the same validation a fresh change gets.
 */
export async function approveChange(deps: ApproveDeps, number: number): Promise<{ pr: PullRequest; commit: string }> {
  const log = deps.log ?? silentLog;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const pr = await deps.prs.getPr(number);
    if (pr.state !== 'open') throw new NotMergeableError(number, pr.state);
    const updated = await deps.prs.updateBranch(number);
    if (!updated.updated) throw new NotMergeableError(number, 'conflict');
    const loaded = loadFleet(await deps.repo.read(updated.head));
    if (!loaded.ok) {
      await deps.prs.setStatus(updated.head, { context: VALIDATE_CONTEXT, state: 'failure', description: `${loaded.issues.length} validation errors` });
      throw new ChangeInvalidError(loaded.issues, { kind: pr.labels[0] ?? 'change', id: `pr-${number}` });
    }
    await deps.prs.setStatus(updated.head, { context: VALIDATE_CONTEXT, state: 'success', description: 'fleet is valid' });
    try {
      const merged = await deps.prs.merge(number, { expectHead: updated.head, message: `Merge ${pr.branch}: ${pr.title}` });
      if (merged.merged) {
        log.info({ pr: number, commit: merged.commit, attempt }, 'change approved and merged');
        return { pr: await deps.prs.getPr(number), commit: merged.commit };
      }
    } catch (error) {
      if (!(error instanceof RefMovedError)) throw error;
    }
  }
  throw new ContentionError(MAX_ATTEMPTS, { kind: 'approve', id: `pr-${number}` });
}
