import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { GitError } from '../errors.js';
import { describeFailure, GitHubSaidNo, type GitHubUnreachable, type OpContext, toGitError } from './errors.js';

const PluggedOctokit = Octokit.plugin(retry, throttling);
export type GitHubOctokit = InstanceType<typeof PluggedOctokit>;

/** Structured logging, pino-compatible: `log.warn({ op, retryAfter }, 'message')`. */
export interface RepoLog {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

const SILENT: RepoLog = { debug() {}, info() {}, warn() {}, error() {} };

type Group = NonNullable<ThrottlingOptions['write']>;

/** Timing knobs. Production leaves them unset and gets GitHub's own pacing. */
export interface ClientTuning {
  /** Milliseconds per second of Retry-After, rate-limit waits and retry backoff (1000). Tests shrink it. */
  readonly secondMs?: number;
  /**
   * The limiter groups that space writes (GitHub asks for 1 s between mutations, 3 s between
   * notification-triggering ones). Tests pass unspaced groups to stay fast.
   */
  readonly pacing?: { readonly write: Group; readonly notifications: Group };
  /** Longest rate-limit wait taken in-process; longer ones fail as transient with `retryAfterMs` (60 s). */
  readonly maxWaitSeconds?: number;
}

export interface ClientOptions {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly baseUrl?: string;
  readonly log?: RepoLog;
  readonly tuning?: ClientTuning;
}

/** Rate-limit waits taken per request before giving up. */
const RATE_LIMIT_RETRIES = 2;
/**
 * Statuses the retry plugin leaves alone: its defaults, plus 405/409 (merge answers, not
 * hiccups) and 429, which the throttling plugin waits out by its Retry-After instead.
 */
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

/**
 * Octokit with GitHub's recommended retry and throttling, and the one place its errors are
 * classified. Every call goes through `call`, so each failure leaves as a `GitError` or
 * `TransientGitError` with {op, ref} and without the token.
 */
export class GitHubApi {
  readonly octokit: GitHubOctokit;
  readonly owner: string;
  readonly repo: string;
  readonly log: RepoLog;
  readonly secondMs: number;
  private readonly secrets: readonly string[];

  constructor(opts: ClientOptions) {
    this.owner = opts.owner;
    this.repo = opts.repo;
    this.log = opts.log ?? SILENT;
    const tuning = opts.tuning ?? {};
    this.secondMs = tuning.secondMs ?? 1000;
    const maxWait = tuning.maxWaitSeconds ?? 60;
    // The token as sent in the API header and as sent to git (base64 of x-access-token:TOKEN).
    this.secrets = [opts.token, Buffer.from(`x-access-token:${opts.token}`).toString('base64')];
    const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const wait = retryCount < RATE_LIMIT_RETRIES && retryAfter <= maxWait;
      this.log.warn({ op: `${options.method} ${options.url}`, retryAfter, retryCount, wait }, `GitHub ${kind} rate limit`);
      return wait;
    };
    this.octokit = new PluggedOctokit({
      auth: opts.token,
      userAgent: 'buckfleet',
      ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
      // Octokit's request log says "GET /path - 200 in 12ms" at info for every call: debug for us.
      log: {
        debug: (msg: string) => this.log.debug({}, this.scrub(msg)),
        info: (msg: string) => this.log.debug({}, this.scrub(msg)),
        warn: (msg: string) => this.log.warn({}, this.scrub(msg)),
        error: (msg: string) => this.log.error({}, this.scrub(msg)),
      },
      retry: { doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: this.secondMs },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        retryAfterBaseValue: this.secondMs,
        ...(tuning.pacing ?? {}),
      },
    });
  }

  /** `{ owner, repo }` for every request. */
  get repoParams(): { owner: string; repo: string } {
    return { owner: this.owner, repo: this.repo };
  }

  /**
   * Runs one API call. `on` turns an expected refusal (a 404 that means "absent", a 409 that
   * means "head moved") into a value; a handler may also throw, or call `fail` for the default.
   */
  async call<T, U = never>(ctx: OpContext, fn: (o: GitHubOctokit) => Promise<T>, on?: Readonly<Record<number, (no: GitHubSaidNo) => U>>): Promise<T | U> {
    try {
      return await fn(this.octokit);
    } catch (err) {
      const failure = describeFailure(err, (t) => this.scrub(t));
      if (failure === null) throw err;
      if (failure instanceof GitHubSaidNo) {
        const handler = on?.[failure.status];
        if (handler !== undefined) return handler(failure);
      }
      throw this.fail(failure, ctx);
    }
  }

  /** The error `call` throws by default; for `on` handlers that turn out not to expect this refusal. */
  fail(failure: GitHubSaidNo | GitHubUnreachable, ctx: OpContext): GitError {
    return toGitError(failure, ctx);
  }

  /** Defence in depth: whatever text came back from GitHub, the token is not in it afterwards. */
  scrub(text: string): string {
    return this.secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('[REDACTED]')), text);
  }
}
