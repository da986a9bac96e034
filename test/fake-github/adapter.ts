// A dependency of @octokit/plugin-throttling, imported only to hand the client unspaced limiters.
import Bottleneck from 'bottleneck';
import { GitHubFleetRepo } from '../../fleet/repo/github/index.js';
import type { FakeGitHub } from './index.js';

/** The real GitHub adapter (octokit) against the fake, with waits shrunk and writes unspaced. */
export function fakeGitHubFleetRepo(fake: FakeGitHub, mirrorDir: string): GitHubFleetRepo {
  const unspaced = () => new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 });
  return new GitHubFleetRepo({
    owner: fake.owner,
    repo: fake.repo,
    token: fake.token,
    baseUrl: fake.url,
    cloneUrl: `file://${fake.gitDir}`,
    mirrorDir,
    tuning: { secondMs: 20, pacing: { write: unspaced(), notifications: unspaced() } },
  });
}
