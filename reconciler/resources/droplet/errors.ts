import { type ReconcileError, StalledError, TransientError, WaitingError } from '../../errors.js';

/**
 * DigitalOcean's failures, classified next to the client (STYLE "Errors, logs, secrets", grammY's
 * `GrammyError` / `HttpError`): either DigitalOcean answered no (`DigitalOceanSaidNo`: status,
 * code, retryAfter) or it could not be reached (`DigitalOceanUnreachable`: cause). The provider
 * throws them as the `cause` of a ReconcileError whose type decides the next step:
 * a refusal (401, 403, 422: a bad token, size or quota) → Stalled, a person must act;
 * rate limited (429, or any Retry-After) → Waiting for as long as DigitalOcean asked;
 * 5xx and no connection → Transient, retried with backoff.
 */

export type DropletOp = 'list' | 'create' | 'get' | 'delete';

/** Which call failed, on what: every error carries it. */
export interface DropletOpContext {
  readonly op: DropletOp;
  /** The droplet's name (create) or id (get, delete). */
  readonly droplet?: string | number;
  /** The tag listed by (list). */
  readonly tag?: string;
}

/** DigitalOcean answered, and the answer was no. Holds no request: its headers carry the token. */
export class DigitalOceanSaidNo extends Error {
  override readonly name = 'DigitalOceanSaidNo';
  constructor(
    readonly context: DropletOpContext,
    readonly status: number,
    /** DigitalOcean's error `id`: `unprocessable_entity`, `too_many_requests`, `not_found`… */
    readonly code: string,
    message: string,
    /** What DigitalOcean support asks for, when the answer carried one. */
    readonly requestId: string | undefined,
    /** Set when DigitalOcean said how long to wait (429's Retry-After or RateLimit-Reset), in ms. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }

  /** 5xx, 408 and 429 may work later; any other refusal will not without a change. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429 || this.retryAfterMs !== undefined;
  }
}

/** No answer at all: refused or reset connection, DNS, TLS, timeout. */
export class DigitalOceanUnreachable extends Error {
  override readonly name = 'DigitalOceanUnreachable';
  constructor(
    readonly context: DropletOpContext,
    message: string,
    options: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The fields of the error Kiota throws for a non-2xx answer (dots' `ErrorEscaped`), read structurally. */
interface KiotaApiError {
  readonly responseStatusCode: number;
  readonly responseHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly id?: unknown;
  readonly messageEscaped?: unknown;
  readonly requestId?: unknown;
  readonly message?: unknown;
}

const isKiotaApiError = (err: unknown): err is KiotaApiError =>
  typeof err === 'object' && err !== null && typeof (err as { responseStatusCode?: unknown }).responseStatusCode === 'number';

/** fetch's own failures: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`, and aborts on timeout. */
function isNetworkFailure(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  const cause: unknown = err.cause;
  return err instanceof TypeError && typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Sorts a dots failure into "said no" or "unreachable". Anything else (a bug, not a failure of
 * DigitalOcean) comes back as null so the caller rethrows it untouched. `scrub` takes the token
 * out of any text taken over from the answer.
 */
export function describeFailure(
  err: unknown,
  context: DropletOpContext,
  scrub: (text: string) => string,
  now: number,
): DigitalOceanSaidNo | DigitalOceanUnreachable | null {
  if (isKiotaApiError(err)) {
    const status = err.responseStatusCode;
    const headers = err.responseHeaders ?? {};
    // Kiota splits every header value at commas; an HTTP date has one, so join them back.
    const header = (name: string) => headers[name]?.join(',').trim();
    const message = text(err.messageEscaped) ?? text(err.message) ?? `HTTP ${status}`;
    const code = text(err.id) ?? `http_${status}`;
    return new DigitalOceanSaidNo(context, status, scrub(code), scrub(message), text(err.requestId) ?? header('x-request-id'), retryAfterMs(status, header, now));
  }
  if (isNetworkFailure(err)) {
    const cause: unknown = err.cause;
    const detail = cause instanceof Error ? cause.message : err.message;
    return new DigitalOceanUnreachable(context, scrub(detail), { cause: err });
  }
  return null;
}

/**
 * How long DigitalOcean asked us to wait: `Retry-After` (seconds, or an HTTP date) on a 429 or
 * 503; else, on a 429, until `RateLimit-Reset` (epoch seconds). Every answer carries the
 * RateLimit-* headers, so they mean "wait" only on a 429.
 */
export function retryAfterMs(status: number, header: (name: string) => string | undefined, now: number): number | undefined {
  const after = header('retry-after');
  if (after !== undefined && after !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  if (status !== 429) return undefined;
  const reset = Number(header('ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/** When DigitalOcean asks for no particular wait on a 429, the hourly window's pace: a minute. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export function describeOp(ctx: DropletOpContext): string {
  switch (ctx.op) {
    case 'list':
      return `listing droplets tagged ${ctx.tag ?? '?'}`;
    case 'create':
      return `creating droplet ${String(ctx.droplet ?? '?')}`;
    case 'get':
      return `reading droplet ${String(ctx.droplet ?? '?')}`;
    case 'delete':
      return `deleting droplet ${String(ctx.droplet ?? '?')}`;
  }
}

/** The next step a person takes, by status: "messages give the cause and the fix". */
function hint(no: DigitalOceanSaidNo): string {
  switch (no.status) {
    case 401:
      return 'the token is invalid, expired or revoked; set a valid DIGITALOCEAN_TOKEN';
    case 403:
      return 'the token lacks a scope; it needs droplet:create, droplet:read, droplet:delete and tag:create/read';
    case 404:
      return 'not found; check the droplet still exists';
    case 422:
      return 'DigitalOcean refused the request as sent; check region, size and image in fleet.yaml, and the account\'s droplet limit';
    default:
      return 'DigitalOcean refused the request as sent';
  }
}

/** A ReconcileError whose type says what happens next, with the DigitalOcean failure as its cause. */
export function toReconcileError(failure: DigitalOceanSaidNo | DigitalOceanUnreachable): ReconcileError {
  const what = describeOp(failure.context);
  if (failure instanceof DigitalOceanUnreachable) {
    return new TransientError('DigitalOceanUnreachable', `DigitalOcean unreachable while ${what}: ${failure.message}; check the network`, {}, { cause: failure });
  }
  const request = failure.requestId === undefined ? '' : ` (request ${failure.requestId})`;
  const said = `DigitalOcean said no while ${what}: ${failure.status} ${failure.code}: ${failure.message}${request}`;
  if (failure.status === 429 || failure.retryAfterMs !== undefined) {
    const wait = failure.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return withCause(new WaitingError('DigitalOceanRateLimited', `${said}; waiting ${Math.ceil(wait / 1000)} s as asked`, wait), failure);
  }
  if (failure.transient) return new TransientError('DigitalOceanFailing', `${said}; DigitalOcean is failing, retrying with backoff`, {}, { cause: failure });
  return new StalledError('DigitalOceanRefused', `${said}; ${hint(failure)}`, {}, { cause: failure });
}

/** WaitingError takes no `cause` option; set it the way the option would (own, not enumerable). */
function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  return error;
}
