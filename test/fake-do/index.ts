import type { Server } from 'node:http';
import { type Fault, type LoggedRequest, serve } from './http.js';
import { dropletRoutes } from './routes.js';
import { type Deprovisioner, type FakeDroplet, type FakeState, type Provisioner, statusOf } from './state.js';

export type { Fault, LoggedRequest } from './http.js';
export type { Deprovisioner, FakeDroplet, Provisioner, ProvisionSpec } from './state.js';
export { statusOf } from './state.js';

export interface FakeDigitalOceanOptions {
  readonly token?: string;
  /** Makes each created droplet real; the default hands out 192.0.2.x and is for unit tests only. */
  readonly provision?: Provisioner;
  /** Undoes `provision`, on delete and on `close()`. */
  readonly deprovision?: Deprovisioner;
  /** How long a new droplet stays `new` before it turns `active` (0). */
  readonly bootDelayMs?: number;
}

/**
 * 192.0.2.0/24 is TEST-NET-1 (RFC 5737): addresses that route nowhere. Only a droplet's record
 * carries them; no test ever connects to one.
 */
/** Which requests a queued fault is for: all when absent (e.g. only `POST /v2/droplets`, a create). */
export interface FaultMatch {
  readonly method?: string;
  readonly path?: string;
}

interface QueuedFault {
  readonly fault: Fault;
  readonly match: FaultMatch | undefined;
}

export function documentationAddresses(): Provisioner {
  let n = 0;
  return () => Promise.resolve({ ipv4: `192.0.2.${(n++ % 254) + 1}` });
}

/**
 * An in-process stand-in for exactly the DigitalOcean endpoints buckfleet calls:
 * `GET /v2/droplets?tag_name=&page=&per_page=`, `POST /v2/droplets`, `GET /v2/droplets/{id}`,
 * `DELETE /v2/droplets/{id}`, with bearer-token auth and answers shaped like the real API's.
 *
 * ```ts
 * const fake = await startFakeDigitalOcean({ provision: bootTestHost });
 * new DigitalOceanProvider({ token: fake.token, baseUrl: fake.url });
 * fake.failNext(1, { status: 429, retryAfterSeconds: 3 });  // the next request is rate limited
 * fake.failNext(1, { status: 500 }, { method: 'POST', path: '/v2/droplets' }); // the next create fails
 * fake.setBootDelay(100);                                    // new droplets stay `new` 100 ms
 * const release = fake.holdBoots(); release();               // ...or until released
 * fake.requests; fake.droplets();                            // what was asked, what exists
 * await fake.close();                                        // deprovisions what is left
 * ```
 */
export class FakeDigitalOcean {
  readonly token: string;
  /** API root for the provider's `baseUrl`. */
  readonly url: string;
  /** Every request in arrival order, refused ones included. */
  readonly requests: readonly LoggedRequest[];
  readonly #state: FakeState;
  readonly #faults: QueuedFault[];
  readonly #server: Server;
  readonly #idle: () => Promise<void>;
  readonly #timing: { bootDelayMs: number; latencyMs: number };

  private constructor(parts: Parts) {
    this.token = parts.token;
    this.url = parts.url;
    this.requests = parts.requests;
    this.#state = parts.state;
    this.#faults = parts.faults;
    this.#server = parts.server;
    this.#idle = parts.idle;
    this.#timing = parts.timing;
  }

  static async start(opts: FakeDigitalOceanOptions = {}): Promise<FakeDigitalOcean> {
    const token = opts.token ?? 'dop_v1_fakeTokenThatMustNeverLeak0123456789abcdef';
    const timing = { bootDelayMs: opts.bootDelayMs ?? 0, latencyMs: 0 };
    let url = '';
    const state: FakeState = {
      droplets: [],
      // Ids as large as real ones, so nothing relies on small numbers.
      counters: { droplet: 400_000_000, action: 2_000_000_000 },
      baseUrl: () => url,
      bootDelayMs: () => timing.bootDelayMs,
      provision: opts.provision ?? documentationAddresses(),
      deprovision: opts.deprovision ?? (() => Promise.resolve()),
    };
    const faults: QueuedFault[] = [];
    const requests: LoggedRequest[] = [];
    const nextFault = (method: string, path: string) => {
      // The oldest queued fault meant for this request; faults for other requests stay queued.
      const i = faults.findIndex(({ match }) => match === undefined || ((match.method ?? method) === method && (match.path ?? path) === path));
      return i < 0 ? undefined : faults.splice(i, 1)[0]?.fault;
    };
    const served = await serve({ token, routes: dropletRoutes(state), log: requests, nextFault, latencyMs: () => timing.latencyMs });
    url = served.url;
    return new FakeDigitalOcean({ token, url, requests, state, faults, server: served.server, idle: served.idle, timing });
  }

  /**
   * The next `n` authenticated requests get `fault` instead of an answer: whatever their endpoint,
   * or with `match` only those of that method and path (the others are answered as usual).
   */
  failNext(n: number, fault: Fault, match?: FaultMatch): void {
    for (let i = 0; i < n; i++) this.#faults.push({ fault, match });
  }

  /** Droplets created from now on stay `new` this long (and until their provisioner answers). */
  setBootDelay(ms: number): void {
    this.#timing.bootDelayMs = ms;
  }

  /**
   * Droplets not active yet, and those created from now on, stay `new` until the returned release
   * is called: a test decides the moment a host comes up instead of racing a boot delay.
   */
  holdBoots(): () => void {
    const now = Date.now();
    for (const d of this.#state.droplets) if (statusOf(d, now) === 'new') d.activeAt = Infinity;
    const delay = this.#timing.bootDelayMs;
    this.#timing.bootDelayMs = Infinity;
    return () => {
      this.#timing.bootDelayMs = delay;
      const at = Date.now();
      for (const d of this.#state.droplets) if (d.activeAt === Infinity) d.activeAt = at;
    };
  }

  /**
   * Every answer is held back this long. The request has already taken effect by then, so a
   * client that times out on a create has still created the droplet, as on a real network.
   */
  setLatency(ms: number): void {
    this.#timing.latencyMs = ms;
  }

  /** The droplets that exist now, oldest first. */
  droplets(): readonly FakeDroplet[] {
    return [...this.#state.droplets];
  }

  /**
   * Stops serving, waits for provisioning in flight and deprovisions every droplet left, so no
   * test host outlives the fake. Deprovision failures are thrown together, after all were tried.
   */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((err) => (err ? reject(err) : resolve())));
    await this.#idle(); // a delete still deprovisioning finishes first
    const left = this.#state.droplets.splice(0);
    await Promise.all(left.map((d) => d.provisioned));
    const results = await Promise.allSettled(left.filter((d) => d.ipv4 !== null).map((d) => this.#state.deprovision(d)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) throw new AggregateError(failed, `fake-do: ${failed.length} droplet(s) could not be deprovisioned on close`);
  }
}

interface Parts {
  readonly token: string;
  readonly url: string;
  readonly requests: LoggedRequest[];
  readonly state: FakeState;
  readonly faults: QueuedFault[];
  readonly server: Server;
  readonly idle: () => Promise<void>;
  readonly timing: { bootDelayMs: number; latencyMs: number };
}

export const startFakeDigitalOcean = (opts?: FakeDigitalOceanOptions): Promise<FakeDigitalOcean> => FakeDigitalOcean.start(opts);
