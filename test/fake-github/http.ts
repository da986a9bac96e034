import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenSerially, readBody, type SerialServer } from '../fake-http.js';
import type { z } from 'zod';

/** A request after routing. Captures come from the URL-decoded path: Octokit sends `heads/a/b` as `heads%2Fa%2Fb`. */
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
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  readonly pattern: RegExp;
  readonly handle: (req: FakeRequest) => Promise<FakeReply>;
}

/** What GitHub answers when it says no: a status and its JSON `message` (plus `errors` for 422s). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: readonly unknown[],
  ) {
    super(message);
  }
}

/** An injected failure, shaped like the responses the retry and throttling plugins react to. */
export type Fault =
  /** `applied`: the request takes effect and only its answer is lost (a gateway timing out after the write). */
  | { readonly status: 500 | 502 | 503 | 504; readonly applied?: boolean }
  /** A secondary rate limit: the throttling plugin waits `retryAfter` seconds. */
  | { readonly status: 429; readonly retryAfter: number }
  /** The primary rate limit: remaining 0 until `rateLimitReset` (epoch seconds). */
  | { readonly status: 403; readonly rateLimitReset: number };

export interface LoggedRequest {
  readonly method: string;
  /** Path without the query, URL-decoded. */
  readonly path: string;
  readonly query: string;
  readonly status: number;
  /** When the request arrived (epoch ms): how a test sees that a client waited as told. */
  readonly at: number;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(422, 'Invalid request.', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  return parsed.data;
}

export const json = (status: number, body?: unknown): FakeReply => ({ status, body });

export function faultReply(fault: Fault): FakeReply {
  if (fault.status === 429) {
    // The plugin tells secondary limits apart by this wording, as GitHub words them.
    const message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    return { status: 429, body: { message }, headers: { 'retry-after': String(fault.retryAfter) } };
  }
  if (fault.status === 403) {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(fault.rateLimitReset) };
    return { status: 403, body: { message: 'API rate limit exceeded for installation.' }, headers };
  }
  return { status: fault.status, body: { message: 'Server Error' } };
}

export interface ServeOptions {
  readonly token: string;
  readonly routes: readonly Route[];
  readonly log: LoggedRequest[];
  /** Consulted once per authenticated request (method, decoded path); a fault answers instead of the route. */
  readonly nextFault: (method: string, path: string) => Fault | undefined;
}

/**
 * Serves the routes on 127.0.0.1 at a free port. Requests are handled one at a time, so a test
 * sees the same interleaving every run and the git store never races itself.
 */
export function serve(opts: ServeOptions): Promise<SerialServer> {
  let requestId = 0;
  return listenSerially((req, res) => handle(opts, req, res, `FAKE:${++requestId}`));
}

async function handle(opts: ServeOptions, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const at = Date.now();
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const method = req.method ?? 'GET';
  // A malformed escape stays as sent; it then matches no route and gets a 404.
  const path = safeDecode(url.pathname);
  let reply: FakeReply;
  try {
    reply = await route(opts, method, path, url.searchParams, req);
  } catch (err) {
    reply = err instanceof ApiError ? json(err.status, { message: err.message, ...(err.errors ? { errors: err.errors } : {}) }) : json(500, { message: `fake-github bug: ${String(err)}` });
  }
  opts.log.push({ method, path, query: url.search, status: reply.status, at });
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'x-github-request-id': requestId,
    ...(body === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    ...reply.headers,
  });
  res.end(body);
}

async function route(opts: ServeOptions, method: string, path: string, query: URLSearchParams, req: IncomingMessage): Promise<FakeReply> {
  const text = await readBody(req);
  const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
  if (auth?.[1] !== opts.token) return json(401, { message: 'Bad credentials' });
  const fault = opts.nextFault(method, path);
  if (fault && !('applied' in fault && fault.applied === true)) return faultReply(fault);
  const reply = await answer(opts, method, path, query, text);
  return fault ? faultReply(fault) : reply;
}

async function answer(opts: ServeOptions, method: string, path: string, query: URLSearchParams, text: string): Promise<FakeReply> {
  for (const r of opts.routes) {
    const m = r.pattern.exec(path);
    if (!m || r.method !== method) continue;
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return json(400, { message: 'Problems parsing JSON' });
      }
    }
    return r.handle({ method, params: m.slice(1), query, body });
  }
  return json(404, { message: 'Not Found' });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
