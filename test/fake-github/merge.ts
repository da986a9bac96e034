import { ApiError } from './http.js';
import type { FakeContext, PullRecord } from './state.js';

/** The PR's head follows its branch while the PR is open, as on GitHub. */
export async function refreshHead(ctx: FakeContext, pr: PullRecord): Promise<string> {
  if (pr.state === 'open') pr.headSha = (await ctx.store.getRef(pr.branch)) ?? pr.headSha;
  return pr.headSha;
}

async function baseHead(ctx: FakeContext, pr: PullRecord): Promise<string> {
  const sha = await ctx.store.getRef(pr.base);
  if (sha === null) throw new ApiError(422, `Base branch ${pr.base} does not exist`);
  return sha;
}

/**
 * `PUT /pulls/{n}/merge` with merge_method "merge". Where main is already in the head this
 * fast-forwards main to the head (the contract buckfleet's merges rely on); otherwise it is a
 * real three-way merge, refused as "not mergeable" when the trees conflict.
 */
export async function mergePull(
  ctx: FakeContext,
  pr: PullRecord,
  input: { sha?: string | undefined; title?: string | undefined; message?: string | undefined },
): Promise<string> {
  if (pr.state !== 'open') throw new ApiError(405, 'Pull Request is not mergeable');
  const head = await refreshHead(ctx, pr);
  if (input.sha !== undefined && input.sha !== head) throw new ApiError(409, 'Head branch was modified. Review and try the merge again.');
  const main = await baseHead(ctx, pr);
  let merged = head;
  if (!(await ctx.store.isAncestor(main, head))) {
    const result = await ctx.store.mergeTrees(main, head);
    if (!result.clean) throw new ApiError(405, 'Pull Request is not mergeable');
    const title = input.title ?? `Merge pull request #${pr.number} from ${ctx.owner}/${pr.branch}`;
    merged = await ctx.store.writeCommit(result.tree, [main, head], `${title}\n\n${input.message ?? pr.title}\n`);
  }
  await ctx.store.setRef(pr.base, merged, main);
  pr.state = 'closed';
  pr.mergedAt = new Date().toISOString();
  pr.mergeCommit = merged;
  return merged;
}

/**
 * `PUT /pulls/{n}/update-branch`: a merge commit of the base into the head branch. GitHub does
 * this asynchronously after its 202; the fake finishes before answering.
 */
export async function updatePullBranch(ctx: FakeContext, pr: PullRecord, expectedHead: string | undefined): Promise<void> {
  if (pr.state !== 'open') throw new ApiError(422, 'Pull request is not open');
  const head = await refreshHead(ctx, pr);
  if (expectedHead !== undefined && expectedHead !== head) throw new ApiError(422, "expected head sha didn't match current head ref.");
  const main = await baseHead(ctx, pr);
  if (await ctx.store.isAncestor(main, head)) throw new ApiError(422, 'There are no new commits on the base branch.');
  const result = await ctx.store.mergeTrees(head, main);
  if (!result.clean) throw new ApiError(422, 'merge conflict between base and head');
  const commit = await ctx.store.writeCommit(result.tree, [head, main], `Merge branch '${pr.base}' into ${pr.branch}\n`);
  await ctx.store.setRef(pr.branch, commit, head);
  pr.headSha = commit;
}
