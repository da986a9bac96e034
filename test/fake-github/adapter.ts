// A dependency of @octokit/plugin-throttling, imported only to hand the client unspaced limiters.
import Bottleneck from 'bottleneck';
import { GitHubFleetRepo, type GitHubFleetRepoOptions } from '../../fleet/repo/github/index.js';
import type { FakeGitHub } from './index.js';

export interface FakeAdapterOptions {
  /** What a GitHub "second" (retry-after, rate-limit resets) lasts here; 20 ms by default. */
  readonly secondMs?: number;
  /** Replaces any option the adapter is built with: a log, a wrong token, another URL. */
  readonly overrides?: Partial<GitHubFleetRepoOptions>;
}

/** The real GitHub adapter (octokit) against the fake, with waits shrunk and writes unspaced. */
export function fakeGitHubFleetRepo(fake: FakeGitHub, mirrorDir: string, opts: FakeAdapterOptions = {}): GitHubFleetRepo {
  const unspaced = () => new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 });
  return new GitHubFleetRepo({
    owner: fake.owner,
    repo: fake.repo,
    token: fake.token,
    baseUrl: fake.url,
    cloneUrl: `file://${fake.gitDir}`,
    mirrorDir,
    tuning: { secondMs: opts.secondMs ?? 20, pacing: { write: unspaced(), notifications: unspaced() } },
    ...opts.overrides,
  });
}
