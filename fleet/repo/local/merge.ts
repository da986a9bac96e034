import { GitError, RefMovedError } from '../errors.js';
import type { GitRunner } from '../git/runner.js';
import { assertBranchName, branchHead, FULL_SHA, moveBranch } from '../git/write.js';
import type { UpdateOutcome } from '../types.js';

/** How often a fast-forward re-checks after losing the race for the target branch. */
const FAST_FORWARD_TRIES = 20;

export async function isAncestor(git: GitRunner, ancestor: string, of: string): Promise<boolean> {
  return (await git.probe(['merge-base', '--is-ancestor', ancestor, of])).ok;
}

async function mustHead(git: GitRunner, branch: string, op: string): Promise<string> {
  const head = await branchHead(git, branch);
  if (head === null) throw new GitError(`branch ${branch} does not exist`, { op, ref: branch });
  return head;
}

/**
 * Fast-forwards `target` to `to` with a compare-and-swap. When another writer moves `target`
 * first, look again: if `to` still contains it, try again; if not, the caller has to bring
 * `target` into its branch first ("not_ancestor").
 *
 * The first try is two git processes, not three: when `target` is an ancestor of `to`, it is
 * their merge base, so the compare-and-swap from the merge base succeeds exactly then. When it
 * fails, the head is read and the ancestry checked, as every later try does.
 */
export async function fastForward(git: GitRunner, target: string, to: string): Promise<'done' | 'not_ancestor'> {
  assertBranchName(target, 'merge');
  // Only a shortcut: whatever stops it (no such branch, an unknown commit, a lock) is met again,
  // and reported, by the loop below.
  const base = await git.probe(['merge-base', `refs/heads/${target}^{commit}`, to]).catch(() => null);
  const guess = base?.ok === true ? base.stdout.toString('utf8').trim() : null;
  if (guess !== null && FULL_SHA.test(guess)) {
    try {
      await moveBranch(git, target, to, { at: guess });
      return 'done';
    } catch (error) {
      if (!(error instanceof RefMovedError)) throw error;
    }
  }
  for (let tries = 0; tries < FAST_FORWARD_TRIES; tries++) {
    const old = await mustHead(git, target, 'merge');
    if (old === to) return 'done';
    if (!(await isAncestor(git, old, to))) return 'not_ancestor';
    try {
      await moveBranch(git, target, to, { at: old });
      return 'done';
    } catch (error) {
      if (!(error instanceof RefMovedError)) throw error;
    }
  }
  throw new RefMovedError(`${target} moved ${FAST_FORWARD_TRIES} times while fast-forwarding it to ${to}; try again`, { op: 'merge', ref: target });
}

/** How often `mergeBaseInto` starts over because its branch moved while it merged. */
const UPDATE_TRIES = 10;

/**
 * Merges `base` into `branch` without a worktree: `merge-tree --write-tree` (exit 1 means
 * conflicts) gives the tree, `commit-tree` makes the merge commit with the branch as first
 * parent, and the branch moves by compare-and-swap from the head that was merged. If the branch
 * moved meanwhile, the merge is redone on its new head: bringing base in is the job, whatever
 * the branch holds now.
 */
export async function mergeBaseInto(git: GitRunner, branch: string, base: string): Promise<UpdateOutcome> {
  for (let tries = 0; tries < UPDATE_TRIES; tries++) {
    const head = await mustHead(git, branch, 'update-branch');
    const baseHead = await mustHead(git, base, 'update-branch');
    if (await isAncestor(git, baseHead, head)) return { updated: true, head };
    const merged = await git.probe(['merge-tree', '--write-tree', head, baseHead]);
    if (!merged.ok) return { updated: false, reason: 'conflict' };
    const tree = merged.stdout.toString('utf8').split('\n')[0]?.trim() ?? '';
    const message = `Merge ${base} into ${branch}\n`;
    const commit = (await git.run(['commit-tree', tree, '-p', head, '-p', baseHead, '-F', '-'], { input: message })).toString('utf8').trim();
    try {
      await moveBranch(git, branch, commit, { at: head });
      return { updated: true, head: commit };
    } catch (error) {
      if (!(error instanceof RefMovedError)) throw error;
    }
  }
  throw new RefMovedError(`${branch} moved ${UPDATE_TRIES} times while ${base} was merged into it; try again`, { op: 'update-branch', ref: branch });
}
