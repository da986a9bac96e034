import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ISOLATED_GIT_ENV } from '../../fleet/repo/git/runner.js';
import { GitStore } from './git-store.js';
import { type Fault, type LoggedRequest, serve } from './http.js';
import { issueRoutes } from './routes-issues.js';
import { gitRoutes } from './routes-git.js';
import { pullRoutes } from './routes-pulls.js';
import type { CommentRecord, FakeContext, PullRecord, StatusRecord } from './state.js';

export type { Fault, LoggedRequest } from './http.js';

/** Which requests a queued fault is for: all when absent (e.g. only `POST …/pulls`, a PR's creation). */
export interface FaultMatch {
  readonly method?: string;
  /** Tested against the URL-decoded path. */
  readonly path?: RegExp;
}

interface QueuedFault {
  readonly fault: Fault;
  readonly match: FaultMatch | undefined;
}

export interface FakeGitHubOptions {
  readonly owner?: string;
  readonly repo?: string;
  readonly token?: string;
}

/**
 * An in-process stand-in for exactly the GitHub REST endpoints `fleet/repo/github` calls,
 * backed by a real bare git repo so every sha, tree and merge is one git computed.
 *
 * ```ts
 * const fake = await startFakeGitHub();
 * const main = await fake.seed('main', { 'fleet.yaml': 'x: 1\n' });
 * new Octokit({ baseUrl: fake.url, auth: fake.token });  // and `file://${fake.gitDir}` to clone
 * fake.failNext(1, { status: 502 });                      // the next request fails once
 * fake.requests;                                          // every request, in order
 * await fake.close();
 * ```
 */
export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  /** The bare repo behind the fake; clone it as `file://${gitDir}`. */
  readonly gitDir: string;
  /** Base URL for Octokit's `baseUrl`. */
  readonly url: string;
  readonly store: GitStore;
  /** Every request in arrival order, failed ones included. */
  readonly requests: readonly LoggedRequest[];
  readonly pulls: readonly PullRecord[];
  readonly comments: readonly CommentRecord[];
  readonly statuses: readonly StatusRecord[];
  private readonly faults: QueuedFault[];
  private readonly server: Server;
  private readonly tmp: string;

  private constructor(parts: Parts) {
    const { ctx } = parts;
    this.owner = ctx.owner;
    this.repo = ctx.repo;
    this.store = ctx.store;
    this.gitDir = ctx.store.gitDir;
    this.pulls = ctx.pulls;
    this.comments = ctx.comments;
    this.statuses = ctx.statuses;
    this.token = parts.token;
    this.url = parts.url;
    this.requests = parts.requests;
    this.faults = parts.faults;
    this.server = parts.server;
    this.tmp = parts.tmp;
  }

  static async start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const owner = opts.owner ?? 'acme';
    const repo = opts.repo ?? 'fleet';
    const token = opts.token ?? 'ghs_fakeTokenThatMustNeverLeak0123456789';
    const tmp = await mkdtemp(join(tmpdir(), 'fake-github-'));
    const gitDir = join(tmp, `${repo}.git`);
    await execa('git', ['init', '--bare', '--quiet', '--initial-branch=main', gitDir], { env: ISOLATED_GIT_ENV });
    let url = '';
    const ctx: FakeContext = {
      owner,
      repo,
      baseUrl: () => url,
      store: new GitStore(gitDir),
      pulls: [],
      comments: [],
      statuses: [],
      counters: { issue: 0, comment: 0 },
    };
    const faults: QueuedFault[] = [];
    const requests: LoggedRequest[] = [];
    const routes = [...gitRoutes(ctx), ...pullRoutes(ctx), ...issueRoutes(ctx)];
    const nextFault = (method: string, path: string) => {
      // The oldest queued fault meant for this request; faults for other requests stay queued.
      const i = faults.findIndex(({ match }) => match === undefined || ((match.method ?? method) === method && (match.path?.test(path) ?? true)));
      return i < 0 ? undefined : faults.splice(i, 1)[0]?.fault;
    };
    const { server, url: served } = await serve({ token, routes, log: requests, nextFault });
    url = served;
    return new FakeGitHub({ ctx, token, url, requests, faults, server, tmp });
  }

  /**
   * The next `n` authenticated requests get `fault` instead of an answer: whatever their endpoint,
   * or with `match` only those of that method and path (the others are answered as usual).
   */
  failNext(n: number, fault: Fault, match?: FaultMatch): void {
    for (let i = 0; i < n; i++) this.faults.push({ fault, match });
  }

  /**
   * Test setup, and "another writer" in tests: commits `files` (`null` removes) on top of
   * `branch`, or on `from` when given, and moves the branch there without any request.
   */
  async seed(branch: string, files: Readonly<Record<string, string | null>>, opts: { from?: string; message?: string } = {}): Promise<string> {
    const current = await this.store.getRef(branch);
    const parent = opts.from ?? current;
    const base = parent === null ? null : ((await this.store.readCommit(parent))?.tree ?? null);
    const edits = await Promise.all(
      Object.entries(files).map(async ([path, content]) => ({
        path,
        mode: '100644',
        sha: content === null ? null : await this.store.writeBlob(Buffer.from(content, 'utf8')),
      })),
    );
    const tree = await this.store.writeTree(base, edits);
    const commit = await this.store.writeCommit(tree, parent === null ? [] : [parent], opts.message ?? `seed ${branch}\n`);
    await this.store.setRef(branch, commit, current);
    return commit;
  }

  /** Where a branch points now, straight from the bare repo. */
  head(branch: string): Promise<string | null> {
    return this.store.getRef(branch);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    await rm(this.tmp, { recursive: true, force: true });
  }
}

interface Parts {
  readonly ctx: FakeContext;
  readonly token: string;
  readonly url: string;
  readonly requests: LoggedRequest[];
  readonly faults: QueuedFault[];
  readonly server: Server;
  readonly tmp: string;
}

export const startFakeGitHub = (opts?: FakeGitHubOptions): Promise<FakeGitHub> => FakeGitHub.start(opts);
