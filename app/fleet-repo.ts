import { join, resolve } from 'node:path';
import type { FleetSnapshot } from '../fleet/model.js';
import { readTree } from '../fleet/repo/git/read.js';
import { GitHubFleetRepo } from '../fleet/repo/github/index.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import type { ChangeRequests, FleetRepo } from '../fleet/repo/types.js';
import { gitRunner } from '../fleet/repo/git/runner.js';
import { MAIN } from '../fleet/repo/types.js';
import type { Config } from './config.js';
import { pathExists } from './fs.js';

/** Read-only access to the fleet repo: what commands like `buckfleet tenant list` need. */
export interface FleetRepoReader {
  /** Where it reads from, for messages. */
  readonly source: string;
  /** The tree at the head of `main`. */
  readMain(): Promise<FleetSnapshot>;
}

/** The fleet repo cannot be read as configured; the message says why and what to do. */
export class FleetRepoUnavailableError extends Error {
  override readonly name = 'FleetRepoUnavailableError';
  constructor(
    message: string,
    readonly reason: 'not_found' | 'no_main',
  ) {
    super(message);
  }
}

/** Where GitHub is, when it is not github.com: Enterprise, or the fake GitHub of the tests. */
export interface GitHubEndpoints {
  readonly baseUrl?: string;
  readonly cloneUrl?: string;
}

/**
 * Opens the configured fleet repo for reading. Relative paths resolve against `cwd`; a GitHub
 * repo is read through a mirror under `<BUCKFLEET_HOME>/mirrors/`.
 */
export async function openFleetRepoForReading(
  config: Pick<Config, 'fleetRepo' | 'github' | 'home'>,
  cwd: string,
  endpoints: GitHubEndpoints = {},
): Promise<FleetRepoReader> {
  const location = config.fleetRepo;
  if (location.kind === 'github') {
    const repo = await openFleetRepo(config, cwd, endpoints);
    return {
      source: `${location.owner}/${location.repo}`,
      async readMain() {
        const head = await repo.head(MAIN);
        if (head === null) throw new FleetRepoUnavailableError(`the fleet repo ${location.owner}/${location.repo} has no ${MAIN} branch yet`, 'no_main');
        return repo.read(head);
      },
    };
  }
  const path = resolve(cwd, location.path);
  const gitDir = await gitDirOf(path);
  const git = gitRunner(gitDir);
  return {
    source: path,
    async readMain() {
      // for-each-ref prints nothing for a missing branch, where rev-parse would fail like any error.
      const head = (await git.run(['for-each-ref', '--format=%(objectname)', `refs/heads/${MAIN}`])).toString('utf8').trim();
      if (head === '') throw new FleetRepoUnavailableError(`the fleet repo at ${path} has no ${MAIN} branch yet`, 'no_main');
      return readTree(git, head);
    },
  };
}

/** A non-bare repo keeps its git directory in `.git`; a bare repo is one. */
async function gitDirOf(path: string): Promise<string> {
  if (await pathExists(join(path, '.git'))) return join(path, '.git');
  if ((await pathExists(join(path, 'HEAD'))) && (await pathExists(join(path, 'objects')))) return path;
  throw new FleetRepoUnavailableError(`no git repository at ${path} (FLEET_REPO, default <BUCKFLEET_HOME>/fleet.git)`, 'not_found');
}

/**
 * The configured fleet repo for reading and writing: a local bare repo (created with `buckfleet
 * init` or `git init --bare`), or GitHub. Writers (the bot, billing, the CLI) and the reconciler
 * all go through this.
 */
export async function openFleetRepo(
  config: Pick<Config, 'fleetRepo' | 'github' | 'home'>,
  cwd: string,
  endpoints: GitHubEndpoints = {},
): Promise<FleetRepo & ChangeRequests> {
  const location = config.fleetRepo;
  if (location.kind === 'path') return LocalFleetRepo.open(resolve(cwd, location.path));
  const token = config.github.token;
  if (token === null) throw new FleetRepoUnavailableError('GITHUB_TOKEN is needed for a GitHub fleet repo', 'not_found');
  return new GitHubFleetRepo({
    owner: location.owner,
    repo: location.repo,
    token: token.reveal(),
    mirrorDir: resolve(cwd, config.home, 'mirrors', `${location.owner}+${location.repo}.git`),
    ...endpoints,
  });
}
