import { execa, type Result } from 'execa';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `buckfleet <args>` as a separate process, from sources: what the crash and two-process tests
 * kill and race. Its environment is the world's, plus `extra` (a failpoint), and nothing of ours.
 */
export function buckfleet(args: readonly string[], env: Record<string, string>, extra: Record<string, string> = {}): Promise<Result> {
  return execa(process.execPath, ['--import', 'tsx', 'cli/entry.ts', ...args], {
    cwd: ROOT,
    env: { ...env, ...extra, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
    reject: false,
    timeout: 240_000,
  });
}
