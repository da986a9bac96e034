import { execa } from 'execa';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';

/**
 * The one place git plumbing runs. simple-git has no stdin, and plumbing needs it
 * (`cat-file --batch`, `hash-object --stdin`), so plumbing goes through this runner: argv arrays
 * only, never a shell string, and every failure classified by `classifyGitFailure`.
 */
export interface GitRunner {
  run(args: readonly string[], options?: { input?: string | Uint8Array; env?: Record<string, string> }): Promise<Buffer>;
}

/** Env that makes git ignore the machine's config and never prompt. */
export const ISOLATED_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'buckfleet',
  GIT_AUTHOR_EMAIL: 'buckfleet@localhost',
  GIT_COMMITTER_NAME: 'buckfleet',
  GIT_COMMITTER_EMAIL: 'buckfleet@localhost',
};

export function gitRunner(gitDir: string): GitRunner {
  return {
    async run(args, options = {}) {
      const result = await execa('git', ['--git-dir', gitDir, ...args], {
        input: options.input,
        env: { ...ISOLATED_GIT_ENV, ...options.env },
        encoding: 'buffer',
        reject: false,
        stripFinalNewline: false,
      });
      if (result.exitCode === 0) return Buffer.from(result.stdout);
      const stderr = Buffer.from(result.stderr).toString('utf8').trim();
      throw classifyGitFailure(args[0] ?? 'git', stderr);
    },
  };
}

/**
 * Git says what went wrong only in stderr text; this is the single function that reads it.
 * Lock contention and network hiccups are transient; a ref that moved under a compare-and-swap
 * means "rebuild on the new head"; everything else needs a person.
 */
export function classifyGitFailure(op: string, stderr: string): GitError {
  const ctx = { op, stderr: redactUrls(stderr) };
  const firstLine = ctx.stderr.split('\n').find((l) => l.trim() !== '') ?? 'no error output';
  const message = `git ${op} failed: ${firstLine}`;
  if (/cannot lock ref .*(but expected|is at .* but expected|reference already exists)/i.test(stderr)) {
    return new RefMovedError(message, ctx);
  }
  if (
    /Unable to create '.*\.lock': File exists|cannot lock ref|index\.lock|could not lock config file|Connection (reset|refused|timed out)|Could not resolve host|The remote end hung up|early EOF|RPC failed|HTTP (429|5\d\d)|Operation timed out/i.test(
      stderr,
    )
  ) {
    return new TransientGitError(message, ctx);
  }
  return new GitError(message, ctx);
}

/** Credentials in URLs never reach an error message. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1[REDACTED]@');
}
