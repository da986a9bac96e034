import type { FleetSnapshot } from '../model.js';

/** One file written or removed by a change. `content: null` removes the file. */
export interface FileEdit {
  readonly path: string;
  readonly content: string | null;
}

export const MAIN = 'main';

/**
 * The fleet repo as git: read a revision, write a commit. Two implementations: `local/` (a bare
 * repo on disk, through simple-git) and `github/` (reads through a local mirror, commits through
 * the GitHub git data API).
 */
export interface FleetRepo {
  /** The commit a branch points to, or null when the branch does not exist. */
  head(branch: string): Promise<string | null>;
  /** Every file of the tree at a commit (and the ones refused unread, with the reason). */
  read(commit: string): Promise<FleetSnapshot>;
  /**
   * Writes `edits` as a commit whose parent is `parent` and moves `branch` to it, but only if
   * the branch is where `expect` says. Throws `RefMovedError` when another writer moved it first.
   */
  commit(input: CommitInput): Promise<string>;
  /** The parents of a commit, first parent first: what a revert needs to find where a merged change started. */
  parents(commit: string): Promise<string[]>;
  /**
   * Runs `fn` while other writers of this repo wait their turn, as far as the backend can arrange
   * it (in-process always, across processes where it can). Only for throughput: correctness
   * comes from the compare-and-swap of `commit`, so `fn` must still expect `RefMovedError`.
   */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T>;
}

export interface CommitInput {
  readonly branch: string;
  readonly parent: string;
  readonly edits: readonly FileEdit[];
  readonly message: string;
  readonly expect: ExpectRef;
}

/** Compare-and-swap condition of a ref update: at a commit, not existing yet, or anywhere. */
export type ExpectRef = { readonly at: string } | 'absent' | 'any';

export type PrState = 'open' | 'merged' | 'closed';

export interface PullRequest {
  readonly number: number;
  readonly branch: string;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly state: PrState;
  /** Commit the branch points to. */
  readonly head: string;
  /** The commit on main that merged it, once merged. */
  readonly mergeCommit: string | null;
  readonly url: string;
}

export type MergeOutcome =
  | { readonly merged: true; readonly commit: string }
  /** head_moved: the branch is not at `expectHead`; not_mergeable: main is not an ancestor of head, or the PR is closed. */
  | { readonly merged: false; readonly reason: 'head_moved' | 'not_mergeable' };

export type UpdateOutcome =
  | { readonly updated: true; readonly head: string }
  | { readonly updated: false; readonly reason: 'conflict' };

export interface CommitStatus {
  readonly context: string;
  readonly state: 'pending' | 'success' | 'failure' | 'error';
  readonly description: string;
  readonly targetUrl?: string;
}

/**
 * Pull requests on the fleet repo. Every verb is idempotent: `ensure*` finds before it creates,
 * so a retried change never opens a second PR or posts a second comment.
 */
export interface ChangeRequests {
  /** Opens the PR of a branch, or updates title, body and labels of the open one. */
  ensurePr(input: { branch: string; title: string; body: string; labels: readonly string[] }): Promise<PullRequest>;
  /** The newest PR of a branch in any state, or null. */
  findPr(branch: string): Promise<PullRequest | null>;
  getPr(number: number): Promise<PullRequest>;
  listOpen(): Promise<PullRequest[]>;
  /** One comment per `marker` on a PR: created once, then edited in place. */
  ensureComment(pr: number, marker: string, body: string): Promise<void>;
  /** Brings main into the PR branch (a merge commit on the branch), so it can fast-forward. */
  updateBranch(pr: number): Promise<UpdateOutcome>;
  /** Merges a PR whose branch is at `expectHead` and contains main. */
  merge(pr: number, input: { expectHead: string; message: string }): Promise<MergeOutcome>;
  close(pr: number): Promise<void>;
  setStatus(commit: string, status: CommitStatus): Promise<void>;
}
