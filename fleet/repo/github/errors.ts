import { GitError, TransientGitError } from '../errors.js';

/** Which call failed, on what: the context every thrown error carries. */
export interface OpContext {
  readonly op: string;
  readonly ref?: string;
}

/** GitHub answered, and the answer was no. Never holds the request (its headers carry the token). */
export class GitHubSaidNo extends Error {
  override readonly name = 'GitHubSaidNo';
  constructor(
    readonly status: number,
    message: string,
    /** `x-github-request-id`: what GitHub support asks for. */
    readonly requestId: string | undefined,
    /** Set when GitHub asked us to wait (rate limits): how long, in milliseconds. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }

  /** 5xx, 429 and rate-limit 403s may work later; everything else will not without a change. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.retryAfterMs !== undefined;
  }
}

/** No answer at all: DNS, refused or reset connection, TLS, abort. */
export class GitHubUnreachable extends Error {
  override readonly name = 'GitHubUnreachable';
}

/** The fields of an Octokit `RequestError` read here (typed structurally: @octokit/request-error is not a direct dependency). */
interface HttpErrorLike {
  readonly name: string;
  readonly message: string;
  readonly status: number;
  readonly cause?: unknown;
  readonly response?: { readonly headers: Readonly<Record<string, string | number | undefined>> };
}

function isHttpError(err: unknown): err is HttpErrorLike {
  return err instanceof Error && typeof (err as Partial<HttpErrorLike>).status === 'number';
}

/**
 * Sorts an Octokit failure into "said no" or "unreachable"; anything else (a bug, not a
 * failure of GitHub) is returned as null so the caller rethrows it untouched. `scrub` removes
 * the token from any text taken over from the response.
 */
export function describeFailure(err: unknown, scrub: (text: string) => string, now = Date.now()): GitHubSaidNo | GitHubUnreachable | null {
  if (!isHttpError(err)) return null;
  if (err.response === undefined) {
    // Octokit turns fetch failures (and aborts) into status 500 without a response.
    const cause = err.cause instanceof Error ? err.cause : undefined;
    return new GitHubUnreachable(scrub(cause?.message ?? err.message), { cause });
  }
  const h = err.response.headers;
  const header = (name: string) => (h[name] === undefined ? undefined : String(h[name]));
  return new GitHubSaidNo(err.status, scrub(err.message), header('x-github-request-id'), retryAfterMs(header, err.message, now));
}

function retryAfterMs(header: (name: string) => string | undefined, message: string, now: number): number | undefined {
  const after = Number(header('retry-after'));
  if (Number.isFinite(after) && after > 0) return after * 1000;
  if (header('x-ratelimit-remaining') === '0') return Math.max(0, Number(header('x-ratelimit-reset')) * 1000 - now);
  return /secondary rate limit/i.test(message) ? 60_000 : undefined;
}

/** The next step a person takes, by status: "messages give the cause and the fix". */
function hint(no: GitHubSaidNo): string {
  if (no.retryAfterMs !== undefined) return `rate limited; try again in ${Math.ceil(no.retryAfterMs / 1000)} s`;
  if (no.status >= 500) return 'GitHub is failing and retries did not help; try again later';
  switch (no.status) {
    case 401:
      return 'the token is invalid or expired; set a valid GITHUB_TOKEN';
    case 403:
      return 'the token lacks permission; it needs write access to contents, pull requests and commit statuses of the fleet repo';
    case 404:
      return 'not found; check FLEET_REPO and that the token can see the repository';
    default:
      return 'GitHub refused the request as sent';
  }
}

/**
 * The buckfleet error for a failure, so the error type decides the next step: transient ones
 * (5xx, 429, rate limits, no connection) become `TransientGitError` after the retry plugin has
 * given up; the rest `GitError`. The GitHub error rides along as `cause`.
 */
export function toGitError(failure: GitHubSaidNo | GitHubUnreachable, ctx: OpContext): GitError {
  const what = ctx.ref === undefined ? ctx.op : `${ctx.op} ${ctx.ref}`;
  const context = { op: ctx.op, ...(ctx.ref === undefined ? {} : { ref: ctx.ref }) };
  if (failure instanceof GitHubUnreachable) {
    return new TransientGitError(`GitHub unreachable during ${what}: ${failure.message}; check the network and baseUrl`, context, { cause: failure });
  }
  const request = failure.requestId === undefined ? '' : ` (request ${failure.requestId})`;
  const message = `GitHub said no to ${what}: ${failure.status} ${failure.message}${request}; ${hint(failure)}`;
  return failure.transient ? new TransientGitError(message, context, { cause: failure }) : new GitError(message, context, { cause: failure });
}
