import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';

export interface TempBareRepo {
  readonly repo: LocalFleetRepo;
  /** The bare repo; open more instances on it with `LocalFleetRepo.open(gitDir)`. */
  readonly gitDir: string;
  /** Removes the repo and everything under its temp folder. */
  readonly cleanup: () => Promise<void>;
}

/**
 * A fresh bare fleet repo under the OS temp folder whose `main` holds `files` (path → content).
 * Call `cleanup` in `afterEach`. Tests must run with `GIT_CONFIG_GLOBAL=/dev/null` (vitest.config.ts
 * sets it) so the developer's git config cannot change the outcome.
 */
export async function makeTempBareRepo(files: Record<string, string> = {}): Promise<TempBareRepo> {
  const root = await mkdtemp(join(tmpdir(), 'buckfleet-test-'));
  const gitDir = join(root, 'fleet.git');
  try {
    const repo = await LocalFleetRepo.init(gitDir, { initialFiles: new Map(Object.entries(files)) });
    return { repo, gitDir, cleanup: () => rm(root, { recursive: true, force: true }) };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
