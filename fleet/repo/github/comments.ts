import { GitError } from '../errors.js';
import type { CommitStatus } from '../types.js';
import type { GitHubApi } from './client.js';
import { assertSha } from './names.js';

/** The hidden line that identifies buckfleet's comment of one kind on a PR. */
export function markerTag(marker: string): string {
  // A marker that could close the HTML comment early, or span lines, would not be found again.
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(marker)) {
    throw new GitError(`ensureComment: marker "${marker}" must be letters, digits and . _ : / -`, { op: 'ensureComment', ref: marker });
  }
  return `<!-- buckfleet:${marker} -->`;
}

/**
 * One comment per marker: the comment holding the marker is edited in place (and left alone
 * when its text is already right), or created once.
 */
export async function ensureComment(api: GitHubApi, pr: number, marker: string, body: string): Promise<void> {
  const tag = markerTag(marker);
  const text = `${tag}\n${body}`;
  const ctx = { op: 'ensureComment', ref: `#${pr}` };
  const comments = await api.call(ctx, (o) => o.paginate(o.rest.issues.listComments, { ...api.repoParams, issue_number: pr, per_page: 100 }));
  const mine = comments.find((c) => c.body?.includes(tag) === true);
  if (mine === undefined) {
    await api.call(ctx, (o) => o.rest.issues.createComment({ ...api.repoParams, issue_number: pr, body: text }));
  } else if (mine.body?.trimEnd() !== text.trimEnd()) {
    await api.call(ctx, (o) => o.rest.issues.updateComment({ ...api.repoParams, comment_id: mine.id, body: text }));
  }
}

/** GitHub refuses a status description longer than this with a 422. */
const MAX_DESCRIPTION = 140;

export async function setStatus(api: GitHubApi, commit: string, status: CommitStatus): Promise<void> {
  assertSha(commit, 'setStatus');
  const description = status.description.length > MAX_DESCRIPTION ? `${status.description.slice(0, MAX_DESCRIPTION - 1)}…` : status.description;
  await api.call({ op: 'setStatus', ref: commit }, (o) =>
    o.rest.repos.createCommitStatus({
      ...api.repoParams,
      sha: commit,
      state: status.state,
      context: status.context,
      description,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
    }),
  );
}
