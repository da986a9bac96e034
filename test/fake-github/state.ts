import type { GitStore } from './git-store.js';

/** A pull request as the fake keeps it; its head sha follows the branch while it is open. */
export interface PullRecord {
  readonly number: number;
  readonly branch: string;
  readonly base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  headSha: string;
  mergedAt: string | null;
  mergeCommit: string | null;
}

export interface CommentRecord {
  readonly id: number;
  readonly issue: number;
  body: string;
}

export interface StatusRecord {
  readonly sha: string;
  readonly state: string;
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
}

/** Everything a route needs: the repo's name, its git store and the non-git state. */
export interface FakeContext {
  readonly owner: string;
  readonly repo: string;
  readonly baseUrl: () => string;
  readonly store: GitStore;
  readonly pulls: PullRecord[];
  readonly comments: CommentRecord[];
  readonly statuses: StatusRecord[];
  /** Issues and pull requests share one number sequence on GitHub; comments have their own ids. */
  readonly counters: { issue: number; comment: number };
}

/** `/repos/<owner>/<repo>` followed by `rest`, as an anchored pattern. */
export function repoPath(ctx: FakeContext, rest: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^/repos/${esc(ctx.owner)}/${esc(ctx.repo)}${rest}$`);
}

export function htmlUrl(ctx: FakeContext, path: string): string {
  return `https://github.invalid/${ctx.owner}/${ctx.repo}/${path}`;
}
