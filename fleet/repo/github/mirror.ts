import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FleetSnapshot } from '../../model.js';
import { GitError } from '../errors.js';
import type { TreeListing } from '../../load/cache.js';
import { listTree, readTree, streamBlobs } from '../git/read.js';
import { type GitRunner, gitRunner, redactUrls } from '../git/runner.js';
import type { RepoLog } from './client.js';

export interface MirrorOptions {
  /** Bare repo on local disk, created on first use. One per fleet repo. */
  readonly dir: string;
  /** https://…, or file://… in tests. Never with credentials in it. */
  readonly url: string;
  readonly token: string;
  readonly log: RepoLog;
}

/**
 * Reads go through a local bare mirror instead of the contents API: one fetch brings every
 * file of every new commit, and a read of a commit already fetched costs no request at all.
 * The mirror is fetched only when asked for a commit it lacks.
 */
export class Mirror {
  private readonly git: GitRunner;
  private readonly env: Record<string, string>;
  private readonly shownUrl: string;
  /** Fetches and the first init run one at a time; git's own ref locks would fail the second. */
  private queue: Promise<unknown> = Promise.resolve();
  private initialised = false;

  constructor(private readonly opts: MirrorOptions) {
    this.git = gitRunner(opts.dir);
    this.shownUrl = redactUrls(opts.url);
    this.env = authEnv(opts.url, opts.token);
  }

  async read(commit: string): Promise<FleetSnapshot> {
    await this.exclusive(() => this.ensure(commit));
    return readTree(this.git, commit);
  }

  /** `commit`'s tree by path and blob sha, fetched first if the mirror lacks it. */
  async listTree(commit: string): Promise<TreeListing> {
    await this.exclusive(() => this.ensure(commit));
    return listTree(this.git, commit);
  }

  /**
   * Blobs by sha as git hands them out, from the mirror alone: they are blobs of trees
   * {@link listTree} listed, so fetched with them (a fetch adds objects, never removes them).
   */
  streamBlobs(shas: readonly string[]): AsyncIterable<Map<string, string>> {
    return streamBlobs(this.git, shas);
  }

  private async ensure(commit: string): Promise<void> {
    await this.init();
    if (await this.has(commit)) return;
    this.opts.log.debug({ op: 'fetch', ref: commit }, 'fleet mirror lacks the commit; fetching');
    await this.git.run(['fetch', '--prune', '--quiet', 'origin'], { env: this.env });
    if (!(await this.has(commit))) {
      throw new GitError(`commit ${commit} is not on any branch of ${this.shownUrl}; pass a sha from head() or commit()`, { op: 'read', ref: commit });
    }
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    if (await exists(join(this.opts.dir, 'HEAD'))) {
      const url = (await this.git.run(['config', '--default', '', '--get', 'remote.origin.url'])).toString('utf8').trim();
      if (url !== this.opts.url) {
        throw new GitError(`${this.opts.dir} mirrors ${redactUrls(url)}, not ${this.shownUrl}; give each fleet repo its own mirrorDir`, { op: 'mirror' });
      }
    } else {
      // `git --git-dir X init` creates X but not the folders above it.
      await mkdir(this.opts.dir, { recursive: true });
      await this.git.run(['init', '--bare', '--quiet']);
      await this.git.run(['config', 'remote.origin.url', this.opts.url]);
      // Branches only: PR refs and tags are not fleet state.
      await this.git.run(['config', 'remote.origin.fetch', '+refs/heads/*:refs/heads/*']);
    }
    this.initialised = true;
  }

  private async has(commit: string): Promise<boolean> {
    const out = (await this.git.run(['cat-file', '--batch-check'], { input: `${commit}\n` })).toString('utf8');
    return out.split(' ')[1] === 'commit';
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Git gets the token as an http.extraHeader scoped to the remote's origin, through
 * GIT_CONFIG_COUNT/KEY/VALUE env, so it is in no URL, no argv (`ps` shows argv), no config file
 * and no remote name in an error. `file://` remotes (tests) need nothing.
 */
export function authEnv(url: string, token: string): Record<string, string> {
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new GitError(`the clone URL ${redactUrls(url)} carries credentials; pass the token as \`token\` instead`, { op: 'mirror' });
  }
  if (parsed.protocol === 'file:') return {};
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new GitError(`the clone URL must be https:// (or file:// in tests), not ${parsed.protocol}`, { op: 'mirror' });
  }
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${parsed.origin}/.extraheader`, GIT_CONFIG_VALUE_0: `Authorization: basic ${basic}` };
}

/** Any failure to see HEAD means "no mirror yet": if the path is unusable, `git init` then says why. */
async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
