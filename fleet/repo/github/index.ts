import { Mutex } from 'async-mutex';
import type { FleetSnapshot } from '../../model.js';
import type { TreeListing } from '../../load/cache.js';
import type { ChangeRequests, CommitInput, CommitStatus, FleetRepo, MergeOutcome, PullRequest, UpdateOutcome } from '../types.js';
import { type ClientTuning, GitHubApi, type RepoLog } from './client.js';
import { ensureComment, setStatus } from './comments.js';
import { branchHead, writeCommit } from './commit.js';
import { Mirror } from './mirror.js';
import { assertSha } from './names.js';
import { closePr, ensurePr, findPr, getPr, listOpen, merge, updateBranch } from './pulls.js';

export type { ClientTuning, RepoLog } from './client.js';
export { GitHubSaidNo, GitHubUnreachable } from './errors.js';

export interface GitHubFleetRepoOptions {
  readonly owner: string;
  readonly repo: string;
  /** Needs contents, pull requests and commit statuses write access. Sent only in headers. */
  readonly token: string;
  /** REST API root: GitHub Enterprise, or the fake in tests. Defaults to api.github.com. */
  readonly baseUrl?: string;
  /** What the read mirror fetches from. Defaults to `https://github.com/<owner>/<repo>.git`. */
  readonly cloneUrl?: string;
  /** Local directory of the bare read mirror; created on first read. */
  readonly mirrorDir: string;
  readonly log?: RepoLog;
  readonly tuning?: ClientTuning;
}

/**
 * The fleet repo on GitHub. Reads come from a local mirror (the git default, as Renovate's
 * GitHub platform extends its default git SCM); commits go through the git data API, so there
 * is no work tree and no push; pull requests, comments and statuses through the REST API.
 * Every failure is a `GitError`, `RefMovedError` or `TransientGitError` with {op, ref}.
 */
export class GitHubFleetRepo implements FleetRepo, ChangeRequests {
  private readonly api: GitHubApi;
  private readonly mirror: Mirror;
  /** GitHub has no lock to share across processes; writers in this process take turns. */
  private readonly writers = new Mutex();

  constructor(opts: GitHubFleetRepoOptions) {
    this.api = new GitHubApi(opts);
    const url = opts.cloneUrl ?? `https://github.com/${opts.owner}/${opts.repo}.git`;
    this.mirror = new Mirror({ dir: opts.mirrorDir, url, token: opts.token, log: this.api.log });
  }

  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.writers.runExclusive(fn);
  }

  head(branch: string): Promise<string | null> {
    return branchHead(this.api, branch);
  }

  /** Every file at `commit`, and the ones refused unread with why (what `loadFleet` takes). */
  read(commit: string): Promise<FleetSnapshot> {
    return this.mirror.read(assertSha(commit, 'read'));
  }

  /**
   * With {@link streamBlobs}, what a cached load reads (`loadRevision`): a pass over a commit
   * loaded before lists nothing, and one after a commit reads only the blobs that changed.
   */
  async listTree(commit: string): Promise<TreeListing> {
    return this.mirror.listTree(assertSha(commit, 'listTree'));
  }

  streamBlobs(shas: readonly string[]): AsyncIterable<Map<string, string>> {
    return this.mirror.streamBlobs(shas);
  }

  commit(input: CommitInput): Promise<string> {
    return writeCommit(this.api, input);
  }

  async parents(commit: string): Promise<string[]> {
    const sha = assertSha(commit, 'parents');
    const res = await this.api.call({ op: 'getCommit', ref: sha }, (o) => o.rest.git.getCommit({ ...this.api.repoParams, commit_sha: sha }));
    return res.data.parents.map((p) => p.sha);
  }

  ensurePr(input: { branch: string; title: string; body: string; labels: readonly string[] }): Promise<PullRequest> {
    return ensurePr(this.api, input);
  }

  findPr(branch: string): Promise<PullRequest | null> {
    return findPr(this.api, branch);
  }

  getPr(number: number): Promise<PullRequest> {
    return getPr(this.api, number);
  }

  listOpen(): Promise<PullRequest[]> {
    return listOpen(this.api);
  }

  ensureComment(pr: number, marker: string, body: string): Promise<void> {
    return ensureComment(this.api, pr, marker, body);
  }

  updateBranch(pr: number): Promise<UpdateOutcome> {
    return updateBranch(this.api, pr);
  }

  merge(pr: number, input: { expectHead: string; message: string }): Promise<MergeOutcome> {
    return merge(this.api, pr, input);
  }

  close(pr: number): Promise<void> {
    return closePr(this.api, pr);
  }

  setStatus(commit: string, status: CommitStatus): Promise<void> {
    return setStatus(this.api, commit, status);
  }
}
