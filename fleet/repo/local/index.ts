import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import type { FleetFiles, FleetSnapshot } from '../../model.js';
import { GitError } from '../errors.js';
import type { TreeListing } from '../../load/cache.js';
import { listTree, readBlobs, readTree, streamBlobs } from '../git/read.js';
import { LOCAL_GIT_RETRY, retryingRunner, withRetry } from '../git/retry.js';
import { classifyGitFailure, type GitRunner, gitRunner, ISOLATED_GIT_ENV } from '../git/runner.js';
import { assertBranchName, branchHead, FULL_SHA, writeCommit, writeRootCommit } from '../git/write.js';
import {
  type ChangeRequests,
  type CommitInput,
  type CommitStatus,
  type FleetRepo,
  MAIN,
  type MergeOutcome,
  type PullRequest,
  type UpdateOutcome,
} from '../types.js';
import { fastForward, mergeBaseInto } from './merge.js';
import { type PrRecord, PrStore } from './prs.js';
import { StatusStore } from './statuses.js';
import { WriterLock } from './writer-lock.js';

/** How often `ensurePr` looks again after losing a race with another writer for the same branch. */
const ENSURE_PR_TRIES = 10;

/**
 * The fleet repo as a bare git repo on disk, for local mode and tests. A "pull request" is a
 * branch plus a JSON record in `<gitdir>/buckfleet/prs/`; merging fast-forwards `main`.
 *
 * Any number of instances, in one process or several, may share one repo: nothing is cached in
 * memory, every ref move is a compare-and-swap, metadata read-modify-writes hold a lock file,
 * and git lock contention is retried with backoff.
 */
export class LocalFleetRepo implements FleetRepo, ChangeRequests {
  private readonly git: GitRunner;
  private readonly prs: PrStore;
  private readonly statuses: StatusStore;
  private readonly writerLock: WriterLock;

  private constructor(readonly gitDir: string) {
    this.writerLock = new WriterLock(join(gitDir, 'buckfleet', 'main-writer'));
    this.git = retryingRunner(gitRunner(gitDir), LOCAL_GIT_RETRY);
    const metadataDir = join(gitDir, 'buckfleet');
    this.prs = new PrStore(metadataDir, gitDir);
    this.statuses = new StatusStore(metadataDir);
  }

  /** Opens an existing bare repo, given as a path or a `file://` URL. */
  static async open(location: string): Promise<LocalFleetRepo> {
    const gitDir = toPath(location);
    let bare: string;
    try {
      bare = (await gitRunner(gitDir).run(['rev-parse', '--is-bare-repository'])).toString('utf8').trim();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new GitError(`${gitDir} is not a git repository (${why}); create one with \`git init --bare\` or LocalFleetRepo.init`, { op: 'open' }, { cause: error });
    }
    if (bare !== 'true') {
      // Moving the checked-out branch of a worktree would leave its files out of step.
      throw new GitError(`${gitDir} is not a bare repository; point FLEET_REPO at a bare clone`, { op: 'open' });
    }
    const repo = new LocalFleetRepo(gitDir);
    await repo.prepare();
    return repo;
  }

  /** Creates a bare repo at `location` whose `main` holds `initialFiles` as its first commit. */
  static async init(location: string, options: { initialFiles?: FleetFiles } = {}): Promise<LocalFleetRepo> {
    const gitDir = toPath(location);
    const existing = await readdir(gitDir).catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
      throw error;
    });
    if (existing.length > 0) throw new GitError(`${gitDir} already exists and is not empty; open it instead`, { op: 'init' });
    await mkdir(gitDir, { recursive: true });
    // GIT_CONFIG_GLOBAL passes through (tests point it at /dev/null); simple-git calls that unsafe unless allowed.
    const git = simpleGit({ baseDir: gitDir, unsafe: { allowUnsafeConfigPaths: true } }).env(porcelainEnv());
    await porcelain('init', () => git.init(true, ['--initial-branch=main']));
    // Writers hold a ref lock for milliseconds; waiting up to 1 s for it beats failing at once.
    await porcelain('config', () => git.addConfig('core.filesRefLockTimeout', '1000'));
    const repo = new LocalFleetRepo(gitDir);
    await repo.prepare();
    await writeRootCommit(repo.git, { branch: MAIN, files: options.initialFiles ?? new Map(), message: 'Initial fleet\n' });
    return repo;
  }

  private async prepare(): Promise<void> {
    await this.prs.prepare();
    await this.statuses.prepare();
  }

  // ---- FleetRepo ----

  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.writerLock.run(fn);
  }

  async head(branch: string): Promise<string | null> {
    return branchHead(this.git, branch);
  }

  /** Every file at a commit, and the ones the reader refused (symlinks, submodules, oversized) with the reason. */
  async read(commit: string): Promise<FleetSnapshot> {
    assertCommit(commit, 'read');
    return readTree(this.git, commit);
  }

  /** A commit's tree by path and blob sha, unread: with {@link streamBlobs}, what a cached load reads. */
  async listTree(commit: string): Promise<TreeListing> {
    assertCommit(commit, 'ls-tree');
    return listTree(this.git, commit);
  }

  async readBlobs(shas: readonly string[]): Promise<Map<string, string>> {
    return readBlobs(this.git, shas);
  }

  /** {@link readBlobs} as git hands them out, for a load that validates while git reads. */
  streamBlobs(shas: readonly string[]): AsyncIterable<Map<string, string>> {
    return streamBlobs(this.git, shas);
  }

  async commit(input: CommitInput): Promise<string> {
    return writeCommit(this.git, input);
  }

  async parents(commit: string): Promise<string[]> {
    assertCommit(commit, 'parents');
    const line = (await this.git.run(['rev-list', '--parents', '-n', '1', commit])).toString('utf8').trim();
    return line.split(' ').slice(1);
  }

  // ---- ChangeRequests ----

  async ensurePr(input: { branch: string; title: string; body: string; labels: readonly string[] }): Promise<PullRequest> {
    const { branch, title, body } = input;
    const labels = [...input.labels];
    assertBranchName(branch, 'ensure-pr');
    if (branch === MAIN) throw new GitError(`a pull request needs its own branch, not ${MAIN}`, { op: 'ensure-pr', ref: branch });
    const head = await this.head(branch);
    if (head === null) throw new GitError(`branch ${branch} does not exist; commit to it before opening its pull request`, { op: 'ensure-pr', ref: branch });

    for (let tries = 0; tries < ENSURE_PR_TRIES; tries++) {
      const claimed = await this.prs.claimOf(branch);
      if (claimed !== null) {
        const updated = await this.prs.locked(claimed, async () => {
          const record = await this.prs.mustGet(claimed);
          if (record.state !== 'open') {
            // Its merge or close crashed before dropping the claim: finish that, then look again.
            await this.prs.unclaim(branch, claimed);
            return null;
          }
          const same = record.title === title && record.body === body && sameList(record.labels, labels);
          const next: PrRecord = same ? record : { ...record, title, body, labels, head };
          if (!same) await this.prs.write(next);
          return next;
        });
        if (updated !== null) return this.toPullRequest(updated, head);
        continue;
      }
      const record = await this.prs.create({ branch, title, body, labels, state: 'open', head, mergeCommit: null, mergeMessage: null, comments: [] });
      if (await this.prs.claim(branch, record.number)) return this.toPullRequest(record, head);
      await this.prs.discard(record.number); // another writer opened it first; update that one next time round
    }
    throw new GitError(`gave up opening the pull request of ${branch} after ${ENSURE_PR_TRIES} races with other writers`, { op: 'ensure-pr', ref: branch });
  }

  async findPr(branch: string): Promise<PullRequest | null> {
    assertBranchName(branch, 'find-pr');
    const newest = await this.prs.newestOf(branch);
    return newest === null ? null : this.toPullRequest(newest);
  }

  async getPr(number: number): Promise<PullRequest> {
    return this.toPullRequest(await this.prs.mustGet(number));
  }

  async listOpen(): Promise<PullRequest[]> {
    const claimed = await Promise.all((await this.prs.claimed()).map((r) => this.toPullRequest(r)));
    return claimed.filter((pr) => pr.state === 'open');
  }

  async ensureComment(pr: number, marker: string, body: string): Promise<void> {
    await this.prs.locked(pr, async () => {
      const record = await this.prs.mustGet(pr);
      const existing = record.comments.find((c) => c.marker === marker);
      if (existing?.body === body) return;
      const comments = existing
        ? record.comments.map((c) => (c.marker === marker ? { marker, body } : c))
        : [...record.comments, { marker, body }];
      await this.prs.write({ ...record, comments });
    });
  }

  /** The comments of a PR, one per marker, in the order they were first posted. */
  async comments(pr: number): Promise<{ marker: string; body: string }[]> {
    return (await this.prs.mustGet(pr)).comments;
  }

  /**
   * Brings main into the PR's branch with a merge commit (none when main is already in it).
   * A branch that moves meanwhile is merged again on its new head; a PR that is no longer open
   * throws `GitError`.
   */
  async updateBranch(pr: number): Promise<UpdateOutcome> {
    const record = await this.prs.mustGet(pr);
    const state = await this.prs.effectiveState(record);
    if (state !== 'open') {
      throw new GitError(`pull request #${pr} is ${state}; only an open one can be updated`, { op: 'update-branch', ref: record.branch });
    }
    return mergeBaseInto(this.git, record.branch, MAIN);
  }

  /**
   * Fast-forwards main to the PR's head; no merge commit, so `message` is kept in the PR record.
   * Holding the PR's lock makes two merges of one PR take turns. Repeating a merge that already
   * happened at `expectHead` answers `merged: true` again.
   */
  async merge(pr: number, input: { expectHead: string; message: string }): Promise<MergeOutcome> {
    assertCommit(input.expectHead, 'merge');
    return this.prs.locked(pr, async (): Promise<MergeOutcome> => {
      const record = await this.prs.mustGet(pr);
      if (record.state === 'merged' && record.mergeCommit === input.expectHead) return { merged: true, commit: record.mergeCommit };
      if ((await this.prs.effectiveState(record)) !== 'open') return { merged: false, reason: 'not_mergeable' };
      const head = await this.head(record.branch);
      if (head !== input.expectHead) return { merged: false, reason: 'head_moved' };
      if ((await fastForward(this.git, MAIN, head)) === 'not_ancestor') return { merged: false, reason: 'not_mergeable' };
      await this.prs.write({ ...record, state: 'merged', head, mergeCommit: head, mergeMessage: input.message });
      await this.prs.unclaim(record.branch, pr);
      return { merged: true, commit: head };
    });
  }

  /** Closes a PR and keeps its branch. Closing a closed PR does nothing; a merged one cannot be closed. */
  async close(pr: number): Promise<void> {
    await this.prs.locked(pr, async () => {
      const record = await this.prs.mustGet(pr);
      if (record.state === 'merged') throw new GitError(`pull request #${pr} is already merged`, { op: 'close', ref: record.branch });
      const head = (await this.head(record.branch)) ?? record.head;
      if (record.state === 'open') await this.prs.write({ ...record, state: 'closed', head });
      await this.prs.unclaim(record.branch, pr);
    });
  }

  async setStatus(commit: string, status: CommitStatus): Promise<void> {
    assertCommit(commit, 'set-status');
    const exists = await this.git.probe(['rev-parse', '--verify', '-q', `${commit}^{commit}`]);
    if (!exists.ok) throw new GitError(`commit ${commit} does not exist in ${this.gitDir}`, { op: 'set-status' });
    await this.statuses.set(commit, status);
  }

  /** The latest status of each context on a commit, by context. */
  async getStatuses(commit: string): Promise<CommitStatus[]> {
    assertCommit(commit, 'get-statuses');
    return this.statuses.get(commit);
  }

  /** `liveHead`: the branch's head as the caller just read it, so it is not asked for again. */
  private async toPullRequest(record: PrRecord, liveHead?: string): Promise<PullRequest> {
    const state = await this.prs.effectiveState(record);
    const head = state === 'open' ? (liveHead ?? (await this.head(record.branch)) ?? record.head) : record.head;
    return {
      number: record.number,
      branch: record.branch,
      title: record.title,
      body: record.body,
      labels: record.labels,
      state,
      head,
      mergeCommit: record.mergeCommit,
      url: `local:${this.gitDir}#${record.number}`,
    };
  }
}

function toPath(location: string): string {
  return resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
}

/** Commit ids become argv and file names: only full hex ids get that far. */
function assertCommit(commit: string, op: string): void {
  if (!FULL_SHA.test(commit)) throw new GitError(`"${commit}" is not a full commit id`, { op });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The environment simple-git gets: only what git needs to find itself and its config, plus the
 * isolated identity. Not all of `process.env`: simple-git refuses to run with variables that
 * make git start programs (`EDITOR`, `GIT_ASKPASS`, …), and porcelain here needs none of them.
 */
function porcelainEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'GIT_CONFIG_GLOBAL', 'GIT_EXEC_PATH', 'GIT_TEMPLATE_DIR'];
  const env: Record<string, string> = { ...ISOLATED_GIT_ENV };
  for (const key of keep) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** simple-git runs the porcelain; its failures go through the same classifier and retry as plumbing. */
async function porcelain<T>(op: string, fn: () => Promise<T>): Promise<T> {
  return withRetry(async () => {
    try {
      return await fn();
    } catch (error) {
      throw classifyGitFailure(op, error instanceof Error ? error.message : String(error));
    }
  }, LOCAL_GIT_RETRY);
}
