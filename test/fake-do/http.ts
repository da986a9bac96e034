import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenSerially, readBody, type SerialServer } from '../fake-http.js';

/** A request after routing: path captures, query and parsed JSON body. */
export interface FakeRequest {
  readonly method: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface FakeReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly pattern: RegExp;
  readonly handle: (req: FakeRequest) => Promise<FakeReply>;
}

/** How DigitalOcean says no: a status and its JSON `{ id, message, request_id }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

/** An injected failure, shaped like DigitalOcean's own answers. */
export type Fault =
  /** The burst or hourly limit: Retry-After and RateLimit-Reset say when to come back. */
  | { readonly status: 429; readonly retryAfterSeconds: number }
  | { readonly status: 500 | 502 | 503 }
  /** A refusal such as a droplet limit or an unknown size. */
  | { readonly status: 422; readonly id: string; readonly message: string };

export interface LoggedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The parsed JSON body, for requests that have one. */
  readonly body?: unknown;
  readonly status: number;
  /** When the request arrived (epoch ms): how a test sees that a client waited as told. */
  readonly at: number;
}

export const json = (status: number, body?: unknown): FakeReply => ({ status, body });

export function faultReply(fault: Fault, now: number): FakeReply {
  switch (fault.status) {
    case 429:
      return {
        status: 429,
        body: { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
        headers: {
          'retry-after': String(fault.retryAfterSeconds),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.ceil(now / 1000) + fault.retryAfterSeconds),
        },
      };
    case 422:
      return json(422, { id: fault.id, message: fault.message });
    default:
      return json(fault.status, { id: 'server_error', message: 'Unexpected server-side error' });
  }
}

export interface ServeOptions {
  readonly token: string;
  readonly routes: readonly Route[];
  readonly log: LoggedRequest[];
  /** Consulted once per authenticated request (method, path); a fault answers instead of the route. */
  readonly nextFault: (method: string, path: string) => Fault | undefined;
  /** Milliseconds to hold each answer back, read per request. */
  readonly latencyMs: () => number;
}

/**
 * Serves the routes on 127.0.0.1 at a free port. Requests are handled one at a time, so a test
 * sees the same interleaving every run. Every answer carries the RateLimit-* headers, as
 * DigitalOcean's do, so clients must read them as "wait" only on a 429.
 */
export function serve(opts: ServeOptions): Promise<SerialServer> {
  let requestId = 0;
  let remaining = 5000;
  return listenSerially((req, res) => handle(opts, req, res, { requestId: `fake-do-${++requestId}`, remaining: Math.max(0, --remaining) }));
}

async function handle(opts: ServeOptions, req: IncomingMessage, res: ServerResponse, meta: { requestId: string; remaining: number }): Promise<void> {
  const at = Date.now();
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const method = req.method ?? 'GET';
  const text = await readBody(req);
  let body: unknown = undefined;
  let reply: FakeReply;
  try {
    body = text === '' ? undefined : parseJson(text);
    reply = await route(opts, method, url, req.headers.authorization, body);
  } catch (err) {
    reply = err instanceof ApiError ? json(err.status, { id: err.id, message: err.message }) : json(500, { id: 'server_error', message: `fake-do bug: ${String(err)}` });
  }
  const latency = opts.latencyMs();
  if (latency > 0) await sleep(latency);
  opts.log.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), ...(body === undefined ? {} : { body }), status: reply.status, at });
  const withRequestId = reply.status >= 400 && isRecord(reply.body) ? { ...reply.body, request_id: meta.requestId } : reply.body;
  const out = withRequestId === undefined ? '' : JSON.stringify(withRequestId);
  if (res.destroyed) return; // the client gave up waiting (a timeout test); nothing to answer
  res.writeHead(reply.status, {
    'ratelimit-limit': '5000',
    'ratelimit-remaining': String(meta.remaining),
    'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 60),
    ...(out === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    ...reply.headers,
  });
  res.end(out);
}

async function route(opts: ServeOptions, method: string, url: URL, authorization: string | undefined, body: unknown): Promise<FakeReply> {
  const auth = /^Bearer (.+)$/.exec(authorization ?? '');
  if (auth?.[1] !== opts.token) return json(401, { id: 'Unauthorized', message: 'Unable to authenticate you' });
  const fault = opts.nextFault(method, url.pathname);
  if (fault) return faultReply(fault, Date.now());
  for (const r of opts.routes) {
    const m = r.pattern.exec(url.pathname);
    if (!m || r.method !== method) continue;
    return r.handle({ method, params: m.slice(1), query: url.searchParams, body });
  }
  return json(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'bad_request', 'The request body is not valid JSON.');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
