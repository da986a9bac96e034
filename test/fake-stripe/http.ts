import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenSerially, readBody, type SerialServer } from '../fake-http.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonical, type FormBody, FormError, parseForm } from './form.js';

/** Stripe's v1 error `type`s (https://docs.stripe.com/api/errors). */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'rate_limit_error' | 'authentication_error';

/** An injected failure, answered as Stripe answers one: a status and `{ error: { type, code, message, … } }`. */
export interface Fault {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code?: string;
  readonly message: string;
  readonly declineCode?: string;
  readonly param?: string;
  /**
   * Answer it as the endpoint's own failure: stored under the Idempotency-Key and replayed, as
   * Stripe stores a 500. Otherwise it is answered before the endpoint (an overloaded front) and
   * not stored, so a retry with the same key gets a real answer.
   */
  readonly stored?: boolean;
}

/** How Stripe says no; thrown by a route, answered by `serve`. */
export class StripeApiError extends Error {
  constructor(readonly fault: Fault) {
    super(fault.message);
  }
}

export interface FakeReply {
  readonly status: number;
  readonly body: object;
}

export interface Route {
  /** POST unless said otherwise: every write is a POST, reads are GETs. */
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly handle: (body: FormBody) => FakeReply;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** The form body, nested back into objects and arrays (every leaf a string). */
  readonly body: FormBody;
  readonly idempotencyKey: string | undefined;
  /** The `Stripe-Version` the client pinned. */
  readonly stripeVersion: string | undefined;
  readonly status: number;
  /** True when the answer is a stored one, replayed for a repeated Idempotency-Key. */
  readonly replayed: boolean;
}

export interface ServeOptions {
  readonly secretKey: string;
  readonly routes: readonly Route[];
  readonly log: LoggedRequest[];
  /** Consulted once per authenticated request to a known endpoint; a fault answers instead. */
  readonly nextFault: () => Fault | undefined;
  readonly latencyMs: () => number;
}

interface Answer {
  readonly reply: FakeReply;
  readonly replayed: boolean;
}

/** An answer stored under an Idempotency-Key, with what it was asked for. */
interface Stored {
  readonly path: string;
  readonly params: string;
  readonly reply: FakeReply;
}

export const randomId = (prefix: string, length = 24): string =>
  prefix +
  [...randomBytes(length)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62] ?? '0').join('');

/** What Stripe shows of a key it refuses: the prefix and the last four characters. */
const masked = (key: string) => `${key.slice(0, key.indexOf('_', 3) + 1)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;

/**
 * Serves the routes (POST unless a route says GET) on 127.0.0.1 at a free port, one request at a time so a test
 * sees the same interleaving every run. Two clicks racing with one Idempotency-Key therefore
 * get the stored answer, never Stripe's 409 for a key already in flight.
 */
export function serve(opts: ServeOptions): Promise<SerialServer> {
  const stored = new Map<string, Stored>();
  return listenSerially((req, res) => handle(opts, stored, req, res));
}

async function handle(opts: ServeOptions, stored: Map<string, Stored>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
  const method = req.method ?? 'GET';
  const text = await readBody(req);
  const idempotencyKey = header(req, 'idempotency-key');
  let body: FormBody = {};
  let answer: Answer;
  try {
    const denied = authorize(opts.secretKey, req.headers.authorization);
    if (denied) answer = { reply: denied, replayed: false };
    else {
      body = parseForm(text);
      answer = respond(opts, stored, method, path, body, idempotencyKey);
    }
  } catch (err) {
    answer = { reply: failure(err), replayed: false };
  }
  const { reply, replayed } = answer;
  const latency = opts.latencyMs();
  if (latency > 0) await sleep(latency);
  opts.log.push({ method, path, body, idempotencyKey, stripeVersion: header(req, 'stripe-version'), status: reply.status, replayed });
  if (res.destroyed) return; // the client gave up waiting (a timeout test)
  const requestId = randomId('req_', 14);
  const out = reply.status >= 400 ? withLogUrl(reply.body, requestId) : reply.body;
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'request-id': requestId,
    ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
  res.end(JSON.stringify(out, null, 2));
}

/** Bearer auth as stripe-node sends it, or Basic with the key as user name as curl's `-u sk_…:` does. */
function authorize(secretKey: string, authorization: string | undefined): FakeReply | undefined {
  const bearer = /^Bearer (.*)$/.exec(authorization ?? '')?.[1];
  const basic = /^Basic (.*)$/.exec(authorization ?? '')?.[1];
  const given = bearer ?? (basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0]);
  if (given === secretKey) return undefined;
  const message =
    given === undefined || given === ''
      ? 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').'
      : `Invalid API Key provided: ${masked(given)}`;
  return errorReply({ status: 401, type: 'invalid_request_error', message });
}

/**
 * Idempotency as Stripe keeps it: a key's first answer is stored and replayed to every later
 * request with the same key and parameters; other parameters under that key are refused. Only
 * answers from an endpoint that ran are stored: a refusal of the parameters, like an injected
 * fault (answered before the endpoint, as an overloaded front would), may be retried.
 */
function respond(opts: ServeOptions, stored: Map<string, Stored>, method: string, path: string, body: FormBody, key: string | undefined): Answer {
  const fresh = (reply: FakeReply): Answer => ({ reply, replayed: false });
  const route = opts.routes.find((r) => r.path === path && (r.method ?? 'POST') === method);
  if (!route) {
    return fresh(errorReply({ status: 404, type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` }));
  }
  const fault = opts.nextFault();
  if (fault && !fault.stored) return fresh(errorReply(fault));
  const params = canonical(body);
  const previous = key === undefined ? undefined : stored.get(key);
  if (previous) {
    if (previous.path === path && previous.params === params) return { reply: previous.reply, replayed: true };
    return fresh(
      errorReply({
        status: 400,
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      }),
    );
  }
  const reply = fault ? errorReply(fault) : route.handle(body); // a refusal of the parameters throws, and so is not stored
  if (key !== undefined) stored.set(key, { path, params, reply });
  return fresh(reply);
}

export function errorReply(f: Fault): FakeReply {
  const error = {
    type: f.type,
    message: f.message,
    ...(f.code === undefined ? {} : { code: f.code, doc_url: `https://docs.stripe.com/error-codes/${f.code.replace(/_/g, '-')}` }),
    ...(f.declineCode === undefined ? {} : { decline_code: f.declineCode }),
    ...(f.param === undefined ? {} : { param: f.param }),
  };
  return { status: f.status, body: { error } };
}

function failure(err: unknown): FakeReply {
  if (err instanceof StripeApiError) return errorReply(err.fault);
  if (err instanceof FormError) return errorReply({ status: 400, type: 'invalid_request_error', message: err.message });
  return errorReply({ status: 500, type: 'api_error', message: `fake-stripe bug: ${String(err)}` });
}

function withLogUrl(body: object, requestId: string): object {
  const error = (body as { error?: object }).error;
  return error === undefined ? body : { error: { ...error, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
