import { setTimeout as delay } from 'node:timers/promises';
import { TransientGitError } from '../errors.js';
import type { GitRunner } from './runner.js';

export interface RetryPolicy {
  /** Tries in all, the first included; 1 means no retry. */
  readonly attempts: number;
  /** Cap of the wait before the first retry; doubles for each further retry. */
  readonly baseMs: number;
  /** No wait is ever longer than this. */
  readonly maxMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** In [0, 1); injected so tests can pin the jitter. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Errors to retry besides `TransientGitError`, e.g. a busy lock file. */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * For local git: lock contention clears in milliseconds, so start small. The caps of the nine
 * waits add up to about 2 s (10 + 20 + … + 320 + 3 × 500 ms); full jitter halves that on average.
 */
export const LOCAL_GIT_RETRY: RetryPolicy = { attempts: 10, baseMs: 10, maxMs: 500 };

/**
 * The wait before retry number `retry` (0 for the first retry): "full jitter", a uniform draw
 * from [0, min(maxMs, baseMs · 2^retry)). Full jitter spreads writers that failed together, so
 * they do not collide again in lockstep. Real exponentiation: Renovate's `gitRetry` writes `^`,
 * which is XOR in JavaScript, and its waits come out as 0, 2, 1, 4, 11, 14 s.
 */
export function backoffMs(retry: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.floor(random() * cap);
}

/**
 * Calls `fn` until it succeeds, retrying only transient failures with exponential backoff.
 * Any other error is rethrown at once: the error type decides the next step, and retrying a
 * permanent failure only delays the message a person needs. After the last attempt the last
 * error is rethrown as it is, so its type still tells the caller what happened.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const attempts = Math.max(1, Math.floor(options.attempts));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryable = error instanceof TransientGitError || (options.retryable?.(error) ?? false);
      if (!retryable || attempt + 1 >= attempts) throw error;
      await sleep(backoffMs(attempt, options, random));
    }
  }
}

/**
 * A runner whose every git call is retried on lock contention. Retrying one plumbing call is
 * safe: a git command that failed to take its lock changed nothing.
 */
export function retryingRunner(git: GitRunner, options: RetryOptions): GitRunner {
  return {
    run: (args, runOptions) => withRetry(() => git.run(args, runOptions), options),
    probe: (args, runOptions) => withRetry(() => git.probe(args, runOptions), options),
    // Not retried: a stream hands out output as it comes, and what is handed out cannot be taken
    // back. Only reads stream (`cat-file`), and they take no lock to contend for.
    stream: (args, runOptions) => git.stream(args, runOptions),
  };
}
