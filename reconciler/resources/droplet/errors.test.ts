import { describe, expect, it } from 'vitest';
import { StalledError, TransientError, WaitingError } from '../../errors.js';
import { DigitalOceanSaidNo, DigitalOceanUnreachable, describeFailure, retryAfterMs, toReconcileError } from './errors.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ctx = { op: 'create' as const, droplet: 'bf-host-a' };
const keep = (t: string) => t;

/** What Kiota throws for a non-2xx: dots' error model, with status and headers (values split at commas). */
const kiota = (status: number, body: Record<string, string>, headers: Record<string, string[]> = {}) => ({
  ...body,
  responseStatusCode: status,
  responseHeaders: headers,
});

describe('retryAfterMs', () => {
  const epoch = (ms: number) => String(ms / 1000);
  const cases: [string, number, Record<string, string>, number | undefined][] = [
    ['Retry-After seconds on a 429', 429, { 'retry-after': '7' }, 7_000],
    ['Retry-After 0', 429, { 'retry-after': '0' }, 0],
    ['Retry-After as an HTTP date', 503, { 'retry-after': new Date(NOW + 30_000).toUTCString() }, 30_000],
    ['RateLimit-Reset on a 429 without Retry-After', 429, { 'ratelimit-reset': epoch(NOW + 42_000) }, 42_000],
    ['a RateLimit-Reset already past waits 0', 429, { 'ratelimit-reset': epoch(NOW - 5_000) }, 0],
    ['Retry-After wins over RateLimit-Reset', 429, { 'retry-after': '2', 'ratelimit-reset': epoch(NOW + 42_000) }, 2_000],
    ['RateLimit-Reset on every other answer means nothing', 500, { 'ratelimit-reset': epoch(NOW + 42_000) }, undefined],
    ['nothing to go by', 429, {}, undefined],
    ['garbage', 429, { 'retry-after': 'soon', 'ratelimit-reset': 'later' }, undefined],
  ];
  it.each(cases)('%s', (_name, status, headers, expected) => {
    expect(retryAfterMs(status, (n) => headers[n], NOW)).toBe(expected);
  });
});

describe('describeFailure', () => {
  it('reads status, code, message, request id and the wait from a Kiota error', () => {
    const err = kiota(429, { id: 'too_many_requests', messageEscaped: 'API Rate limit exceeded.', requestId: 'r-1' }, { 'retry-after': ['3'] });
    const no = describeFailure(err, ctx, keep, NOW);
    expect(no).toBeInstanceOf(DigitalOceanSaidNo);
    expect(no).toMatchObject({ status: 429, code: 'too_many_requests', message: 'API Rate limit exceeded.', requestId: 'r-1', retryAfterMs: 3_000, context: ctx });
  });

  it('joins header values Kiota split at commas (an HTTP date has one)', () => {
    const [day, rest] = new Date(NOW + 10_000).toUTCString().split(',');
    const no = describeFailure(kiota(503, {}, { 'retry-after': [day ?? '', rest ?? ''] }), ctx, keep, NOW);
    expect(no).toMatchObject({ status: 503, code: 'http_503', message: 'HTTP 503', retryAfterMs: 10_000 });
  });

  it('takes fetch failures and timeouts as unreachable, keeping the cause', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const down = describeFailure(refused, ctx, keep, NOW);
    expect(down).toBeInstanceOf(DigitalOceanUnreachable);
    expect(down?.message).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(down?.cause).toBe(refused);
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(describeFailure(timeout, ctx, keep, NOW)).toBeInstanceOf(DigitalOceanUnreachable);
  });

  it('leaves anything else to be rethrown untouched (a bug is not a DigitalOcean failure)', () => {
    expect(describeFailure(new RangeError('bug'), ctx, keep, NOW)).toBeNull();
    expect(describeFailure(new TypeError('x is not a function'), ctx, keep, NOW)).toBeNull();
    expect(describeFailure('string', ctx, keep, NOW)).toBeNull();
  });

  it('scrubs the text it takes over from the answer', () => {
    const no = describeFailure(kiota(422, { id: 'unprocessable_entity', messageEscaped: 'token SECRET is odd' }), ctx, (t) => t.replace('SECRET', '[REDACTED]'), NOW);
    expect(no?.message).toBe('token [REDACTED] is odd');
  });
});

describe('toReconcileError: the error type decides the next step', () => {
  const saidNo = (status: number, code: string, retry?: number) => new DigitalOceanSaidNo(ctx, status, code, 'msg', 'req-9', retry);
  const cases: [string, DigitalOceanSaidNo | DigitalOceanUnreachable, abstract new (...a: never[]) => Error, string, RegExp][] = [
    ['422 (bad size, droplet limit): a person must act', saidNo(422, 'unprocessable_entity'), StalledError, 'DigitalOceanRefused', /422 unprocessable_entity: msg \(request req-9\); .*region, size and image/],
    ['401: set a valid token', saidNo(401, 'Unauthorized'), StalledError, 'DigitalOceanRefused', /DIGITALOCEAN_TOKEN/],
    ['403: the token lacks a scope', saidNo(403, 'forbidden'), StalledError, 'DigitalOceanRefused', /scope/],
    ['429 with a wait: wait that long', saidNo(429, 'too_many_requests', 5_000), WaitingError, 'DigitalOceanRateLimited', /waiting 5 s/],
    ['429 without a wait: a minute', saidNo(429, 'too_many_requests'), WaitingError, 'DigitalOceanRateLimited', /waiting 60 s/],
    ['500: retry with backoff', saidNo(500, 'server_error'), TransientError, 'DigitalOceanFailing', /creating droplet bf-host-a: 500/],
    ['a malformed answer (reported as 502): retry', saidNo(502, 'malformed_response'), TransientError, 'DigitalOceanFailing', /502/],
    ['no connection: retry', new DigitalOceanUnreachable(ctx, 'connect ECONNREFUSED', {}), TransientError, 'DigitalOceanUnreachable', /unreachable while creating droplet bf-host-a/],
  ];
  it.each(cases)('%s', (_name, failure, type, reason, message) => {
    const err = toReconcileError(failure);
    expect(err).toBeInstanceOf(type);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(err.cause).toBe(failure);
  });

  it('waits exactly as long as asked', () => {
    const err = toReconcileError(saidNo(429, 'too_many_requests', 12_345));
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).retryAfterMs).toBe(12_345);
  });
});
