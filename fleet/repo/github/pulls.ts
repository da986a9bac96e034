import { GitError, PrNotFoundError, RefMovedError, TransientGitError } from '../errors.js';
import { MAIN, type MergeOutcome, type PullRequest, type UpdateOutcome } from '../types.js';
import type { GitHubApi } from './client.js';
import { assertBranch, assertSha } from './names.js';

/** The fields of a GitHub pull both `pulls.list` items and `pulls.get` have. */
interface ApiPull {
  readonly number: number;
  readonly state: string;
  readonly title: string;
  readonly body: string | null;
  readonly html_url: string;
  readonly labels: readonly { readonly name?: string }[];
  readonly head: { readonly ref: string; readonly sha: string };
  readonly merged_at: string | null;
  readonly merged?: boolean;
  readonly merge_commit_sha: string | null;
}

/**
 * GitHub's `state` is only open or closed; merged is `merged_at` (or `merged`) being set. Before
 * the merge, `merge_commit_sha` is GitHub's test merge, so it counts only once merged.
 */
export function toPullRequest(p: ApiPull): PullRequest {
  const merged = p.merged === true || p.merged_at !== null;
  return {
    number: p.number,
    branch: p.head.ref,
    title: p.title,
    body: p.body ?? '',
    labels: p.labels.flatMap((l) => (l.name === undefined ? [] : [l.name])),
    state: merged ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    head: p.head.sha,
    mergeCommit: merged ? p.merge_commit_sha : null,
    url: p.html_url,
  };
}

async function list(api: GitHubApi, branch: string, state: 'open' | 'all'): Promise<PullRequest[]> {
  const res = await api.call({ op: 'listPulls', ref: branch }, (o) =>
    o.rest.pulls.list({ ...api.repoParams, state, head: `${api.owner}:${branch}`, sort: 'created', direction: 'desc', per_page: 100 }),
  );
  return res.data.map(toPullRequest);
}

export async function findPr(api: GitHubApi, branch: string): Promise<PullRequest | null> {
  assertBranch(branch, 'findPr');
  return (await list(api, branch, 'all'))[0] ?? null;
}

export async function getPr(api: GitHubApi, number: number): Promise<PullRequest> {
  const res = await api.call({ op: 'getPull', ref: `#${number}` }, (o) => o.rest.pulls.get({ ...api.repoParams, pull_number: number }), {
    404: () => {
      throw new PrNotFoundError(number, `${api.owner}/${api.repo}`);
    },
  });
  return toPullRequest(res.data);
}

export async function listOpen(api: GitHubApi): Promise<PullRequest[]> {
  const pulls = await api.call({ op: 'listPulls' }, (o) => o.paginate(o.rest.pulls.list, { ...api.repoParams, state: 'open', per_page: 100 }));
  return pulls.map(toPullRequest);
}

/**
 * Find before create: the open PR of the branch is reused, its title and body brought up to date
 * and missing labels added, so calling it again changes nothing and opens nothing.
 */
export async function ensurePr(api: GitHubApi, input: { branch: string; title: string; body: string; labels: readonly string[] }): Promise<PullRequest> {
  const { branch, title, body } = input;
  assertBranch(branch, 'ensurePr');
  const ctx = { op: 'ensurePr', ref: branch };
  let pr = (await list(api, branch, 'open'))[0] ?? (await createPr(api, input));
  if (pr.title !== title || pr.body !== body) {
    const n = pr.number;
    pr = toPullRequest((await api.call(ctx, (o) => o.rest.pulls.update({ ...api.repoParams, pull_number: n, title, body }))).data);
  }
  const missing = input.labels.filter((l) => !pr.labels.includes(l));
  if (missing.length > 0) {
    const n = pr.number;
    const res = await api.call({ op: 'addLabels', ref: `#${n}` }, (o) => o.rest.issues.addLabels({ ...api.repoParams, issue_number: n, labels: missing }));
    pr = { ...pr, labels: res.data.map((l) => l.name) };
  }
  return pr;
}

/** Opens the PR; a create that loses a race ("already exists") returns the PR the winner opened. */
async function createPr(api: GitHubApi, input: { branch: string; title: string; body: string }): Promise<PullRequest> {
  const ctx = { op: 'createPull', ref: input.branch };
  const { branch, title, body } = input;
  const created = await api.call(ctx, (o) => o.rest.pulls.create({ ...api.repoParams, head: branch, base: MAIN, title, body }), {
    422: async (no) => {
      const raced = /already exists/i.test(no.message) ? (await list(api, branch, 'open'))[0] : undefined;
      if (raced === undefined) throw api.fail(no, ctx);
      return raced;
    },
  });
  return 'data' in created ? toPullRequest(created.data) : created;
}

/** Polls for the new head after GitHub accepted an update (it merges in the background). */
const UPDATE_POLLS = 10;

/**
 * Merges main into the PR branch with GitHub's update-branch. A conflict is an answer, not an
 * error; a branch already containing main counts as updated at its current head.
 */
export async function updateBranch(api: GitHubApi, number: number): Promise<UpdateOutcome> {
  const ctx = { op: 'updateBranch', ref: `#${number}` };
  const before = await getPr(api, number);
  const outcome = await api.call(
    ctx,
    (o) => o.rest.pulls.updateBranch({ ...api.repoParams, pull_number: number, expected_head_sha: before.head }),
    {
      422: (no): UpdateOutcome => {
        if (/no new commits/i.test(no.message)) return { updated: true, head: before.head };
        if (/conflict/i.test(no.message)) return { updated: false, reason: 'conflict' };
        if (/expected head sha/i.test(no.message)) throw new RefMovedError(`PR #${number} moved during the update; read it again and retry`, ctx);
        throw api.fail(no, ctx);
      },
    },
  );
  if ('updated' in outcome) return outcome;
  for (let i = 0; i < UPDATE_POLLS; i++) {
    const now = await getPr(api, number);
    if (now.head !== before.head) return { updated: true, head: now.head };
    await new Promise((resolve) => setTimeout(resolve, api.secondMs));
  }
  throw new TransientGitError(`GitHub accepted the update of PR #${number} but its head did not move within ${UPDATE_POLLS} s; call updateBranch again`, ctx);
}

/**
 * Merges only the head the caller checked (`sha`), so a push after the check is never merged
 * unseen. 409 means the head moved; 405 that GitHub will not merge (conflict, closed PR,
 * branch protection).
 */
export async function merge(api: GitHubApi, number: number, input: { expectHead: string; message: string }): Promise<MergeOutcome> {
  assertSha(input.expectHead, 'merge');
  const [title = '', ...rest] = input.message.split('\n');
  const res = await api.call(
    { op: 'merge', ref: `#${number}` },
    (o) =>
      o.rest.pulls.merge({
        ...api.repoParams,
        pull_number: number,
        sha: input.expectHead,
        merge_method: 'merge',
        commit_title: title,
        commit_message: rest.join('\n').trim(),
      }),
    {
      409: (): MergeOutcome => ({ merged: false, reason: 'head_moved' }),
      405: (): MergeOutcome => ({ merged: false, reason: 'not_mergeable' }),
    },
  );
  if (!('data' in res)) return res;
  if (!res.data.merged) throw new GitError(`GitHub did not merge PR #${number}: ${res.data.message}`, { op: 'merge', ref: `#${number}` });
  return { merged: true, commit: res.data.sha };
}

export async function closePr(api: GitHubApi, number: number): Promise<void> {
  await api.call({ op: 'closePull', ref: `#${number}` }, (o) => o.rest.pulls.update({ ...api.repoParams, pull_number: number, state: 'closed' }));
}
