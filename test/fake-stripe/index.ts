import type { Server } from 'node:http';
import { type Fault, type LoggedRequest, serve } from './http.js';
import { type FakeCheckoutSession, type FakeState, routes } from './routes.js';

export type { FormBody, FormValue } from './form.js';
export type { Fault, LoggedRequest, StripeErrorType } from './http.js';
export type { FakeCheckoutSession } from './routes.js';

export interface FakeStripeOptions {
  /** The secret key requests must carry; a test key by default. */
  readonly secretKey?: string;
  /** Prices that exist in the fake account; by default any `price_…` does. */
  readonly prices?: readonly string[];
}

/**
 * An in-process stand-in for exactly the Stripe endpoints buckfleet calls:
 * `POST /v1/checkout/sessions`, `POST /v1/billing_portal/sessions` and `GET /v1/balance` (doctor's key check). Bodies are form-encoded as
 * stripe-node sends them; auth is the bearer secret key (else 401); an `Idempotency-Key` replays
 * the first answer (same parameters) or is refused (`idempotency_error`, other parameters);
 * answers and errors are shaped like Stripe's, with a `request-id` header.
 *
 * ```ts
 * const fake = await startFakeStripe({ prices: ['price_basic123'] });
 * new StripePayments({ secretKey: new Secret(fake.secretKey), ...fake.clientOptions });
 * fake.failNext(1, { status: 402, type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
 * fake.requests;          // every request in order, body parsed: { metadata: { tenant: 'acme' }, … }
 * await fake.close();
 * ```
 */
export class FakeStripe {
  readonly secretKey: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The stripe client's `host`, `port` and `protocol` options. */
  readonly clientOptions: { readonly host: string; readonly port: number; readonly protocol: 'http' };
  /** Every request in arrival order, refused ones included. */
  readonly requests: readonly LoggedRequest[];
  readonly #state: FakeState;
  readonly #faults: Fault[];
  readonly #timing: { latencyMs: number };
  readonly #server: Server;
  readonly #idle: () => Promise<void>;

  private constructor(parts: Parts) {
    this.secretKey = parts.secretKey;
    this.url = parts.url;
    this.clientOptions = { host: '127.0.0.1', port: parts.port, protocol: 'http' };
    this.requests = parts.requests;
    this.#state = parts.state;
    this.#faults = parts.faults;
    this.#timing = parts.timing;
    this.#server = parts.server;
    this.#idle = parts.idle;
  }

  static async start(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
    const secretKey = opts.secretKey ?? 'sk_test_fakeKeyThatMustNeverLeak0123456789abcdef';
    const state: FakeState = { checkoutSessions: [], portalSessions: [], prices: opts.prices ? new Set(opts.prices) : undefined };
    const faults: Fault[] = [];
    const requests: LoggedRequest[] = [];
    const timing = { latencyMs: 0 };
    const served = await serve({ secretKey, routes: routes(state), log: requests, nextFault: () => faults.shift(), latencyMs: () => timing.latencyMs });
    return new FakeStripe({ secretKey, url: served.url, port: served.port, requests, state, faults, timing, server: served.server, idle: served.idle });
  }

  /**
   * The next `n` authenticated requests to a known endpoint get `fault` instead of an answer.
   * A fault is answered before the endpoint runs, so it is not stored under the request's
   * Idempotency-Key (a retry with the same key gets a real answer), unless `fault.stored`.
   */
  failNext(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.#faults.push(fault);
  }

  /** Every answer is held back this long, after the request took effect (for client timeouts). */
  setLatency(ms: number): void {
    this.#timing.latencyMs = ms;
  }

  /** The Checkout Sessions created (replays excluded), oldest first. */
  checkoutSessions(): readonly FakeCheckoutSession[] {
    return [...this.#state.checkoutSessions];
  }

  /** The Customer Portal sessions created, oldest first. */
  portalSessions(): readonly Readonly<Record<string, unknown>>[] {
    return [...this.#state.portalSessions];
  }

  /** Stops serving; a test may call it early to make Stripe unreachable, `afterEach` again. */
  async close(): Promise<void> {
    if (this.#server.listening) {
      this.#server.closeAllConnections();
      await new Promise<void>((resolve, reject) => this.#server.close((err) => (err ? reject(err) : resolve())));
    }
    await this.#idle();
  }
}

interface Parts {
  readonly secretKey: string;
  readonly url: string;
  readonly port: number;
  readonly requests: LoggedRequest[];
  readonly state: FakeState;
  readonly faults: Fault[];
  readonly timing: { latencyMs: number };
  readonly server: Server;
  readonly idle: () => Promise<void>;
}

export const startFakeStripe = (opts?: FakeStripeOptions): Promise<FakeStripe> => FakeStripe.start(opts);
