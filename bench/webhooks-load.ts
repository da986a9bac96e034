import autocannon from 'autocannon';
import { signed } from '../test/stripe-webhook.js';

/**
 * One autocannon run against `/webhooks/stripe`: every request a Stripe event signed just
 * before it is sent (so no signature goes stale however long the run), and every answer
 * matched to the event it acknowledged, for the check against the database afterwards.
 *
 * The match works because each connection has one request in flight (no pipelining): autocannon
 * gives each request a fresh context object, and the answer comes back with that same object.
 */

export interface BenchEvent {
  readonly id: string;
  readonly event: Record<string, unknown>;
}

export interface LoadOptions {
  /** Base URL of the server, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** The next event to send: a new one, or (for the duplicates run) one already recorded. */
  readonly next: () => BenchEvent;
}

export interface LoadResult {
  readonly connections: number;
  readonly seconds: number;
  /** 2xx answers per second over the run. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers that were not 2xx, plus connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  /** Request bytes of one event body (the last one sent), for the report. */
  readonly bodyBytes: number;
  /** Ids answered 200 with `duplicate: false` (newly recorded), and with `duplicate: true`. */
  readonly ackedNew: readonly string[];
  readonly ackedDuplicate: readonly string[];
  /** 2xx answers whose body was not `{ received: true, duplicate: boolean }`. */
  readonly oddAnswers: number;
}

const isAck = (v: unknown): v is { received: true; duplicate: boolean } =>
  typeof v === 'object' && v !== null && 'received' in v && v.received === true && 'duplicate' in v && typeof v.duplicate === 'boolean';

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const sentId = new WeakMap<object, string>();
  const ackedNew: string[] = [];
  const ackedDuplicate: string[] = [];
  let oddAnswers = 0;
  let bodyBytes = 0;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/stripe',
        setupRequest: (request, context) => {
          const next = opts.next();
          const delivery = signed(next.event);
          sentId.set(context, next.id);
          bodyBytes = Buffer.byteLength(delivery.body);
          return { ...request, body: delivery.body, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature } };
        },
        onResponse: (status, body, context) => {
          if (status < 200 || status >= 300) return;
          const id = sentId.get(context);
          let answer: unknown;
          try {
            answer = JSON.parse(body);
          } catch {
            answer = undefined;
          }
          if (id === undefined || !isAck(answer)) oddAnswers += 1;
          else (answer.duplicate ? ackedDuplicate : ackedNew).push(id);
        },
      },
    ],
  });
  return {
    connections: opts.connections,
    seconds: result.duration,
    rps: Math.round(result['2xx'] / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.non2xx,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    bodyBytes,
    ackedNew,
    ackedDuplicate,
    oddAnswers,
  };
}
