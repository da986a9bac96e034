import { silentLog, type Log } from '../../../fleet/log.js';
import { Secret } from '../../../fleet/secret.js';
import type { CloudProvider, Droplet, DropletSpec } from '../../ports.js';
import { type DigitalOceanClient, dotsClient } from './client.js';
import { createDroplet, deleteDroplet, type DropletRequest, getDroplet, listDroplets, MAX_PER_PAGE } from './commands.js';
import { DigitalOceanSaidNo, describeFailure, describeOp, type DropletOpContext, toReconcileError } from './errors.js';
import { createdDroplet, toDroplet } from './map.js';

export interface DigitalOceanOptions {
  /** DIGITALOCEAN_TOKEN. A plain string is wrapped at once, so the provider only ever holds a Secret. */
  readonly token: Secret | string;
  /** API root; tests point it at the in-process fake. DigitalOcean's own when absent. */
  readonly baseUrl?: string;
  /** Page size for listing (1..200); the API's largest by default. */
  readonly perPage?: number;
  /** Each request's time limit; past it the call fails as unreachable (30 s). */
  readonly timeoutMs?: number;
  readonly log?: Log;
  readonly now?: () => number;
}

/**
 * `CloudProvider` over DigitalOcean's official client, `@digitalocean/dots`.
 *
 * - Each request is built by `commands.ts` and sent by `send`, the one place that calls dots.
 * - No retries in here (see `client.ts`): the reconciler's backoff decides.
 * - Failures leave as ReconcileErrors (Stalled / Waiting / Transient) whose `cause` is a
 *   `DigitalOceanSaidNo` or `DigitalOceanUnreachable` carrying {op, droplet}; never the token.
 */
export class DigitalOceanProvider implements CloudProvider {
  // Private fields stay out of `util.inspect`: logging the provider prints no part of the client.
  readonly #client: DigitalOceanClient;
  readonly #token: Secret;
  readonly #perPage: number;
  readonly #log: Log;
  readonly #now: () => number;

  constructor(opts: DigitalOceanOptions) {
    this.#token = typeof opts.token === 'string' ? new Secret(opts.token) : opts.token;
    if (this.#token.reveal() === '') throw new RangeError('DigitalOceanProvider: the token is empty; set DIGITALOCEAN_TOKEN');
    this.#perPage = opts.perPage ?? MAX_PER_PAGE;
    listDroplets('check', 1, this.#perPage); // fails now, not on the first pass, if perPage is out of range
    this.#log = opts.log ?? silentLog;
    this.#now = opts.now ?? Date.now;
    this.#client = dotsClient({ token: this.#token, timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }) });
  }

  /** Every page, until a short page or the reported total: a tag may mark more droplets than one page holds. */
  async listDroplets(tag: string): Promise<Droplet[]> {
    const ctx: DropletOpContext = { op: 'list', tag };
    const found = new Map<number, Droplet>();
    for (let page = 1; ; page++) {
      const { droplets, total } = await this.call(ctx, async (c) => {
        const res = await send.list(c, listDroplets(tag, page, this.#perPage));
        return { droplets: (res?.droplets ?? []).map((raw) => toDroplet(raw, ctx)), total: res?.meta?.total };
      });
      const before = found.size;
      // A droplet created or deleted between two pages shifts the rest: keep each id once.
      for (const d of droplets) found.set(d.id, d);
      const lastPage = droplets.length < this.#perPage || (typeof total === 'number' && page * this.#perPage >= total);
      // A page with nothing new (an API ignoring `page`) ends the loop instead of spinning.
      if (lastPage || found.size === before) break;
    }
    return [...found.values()];
  }

  async createDroplet(spec: DropletSpec): Promise<Droplet> {
    const ctx: DropletOpContext = { op: 'create', droplet: spec.name };
    const d = await this.call(ctx, async (c) => createdDroplet(await send.create(c, createDroplet(spec)), ctx));
    this.#log.info({ droplet: d.id, name: d.name, region: d.region, size: d.size }, 'droplet created');
    return d;
  }

  /** null when DigitalOcean has no such droplet (404). */
  async getDroplet(id: number): Promise<Droplet | null> {
    const ctx: DropletOpContext = { op: 'get', droplet: id };
    return this.call(ctx, async (c) => toDroplet((await send.get(c, getDroplet(id)))?.droplet, ctx), { 404: () => null });
  }

  /** A droplet already gone (404) is not an error: deleting is how both sides agree it is gone. */
  async deleteDroplet(id: number): Promise<void> {
    const ctx: DropletOpContext = { op: 'delete', droplet: id };
    const gone = await this.call(ctx, (c) => send.delete(c, deleteDroplet(id)).then(() => false), { 404: () => true });
    this.#log.info({ droplet: id, alreadyGone: gone }, 'droplet deleted');
  }

  /**
   * Runs one call, mapping included. `on` turns an expected refusal (a 404 that means "absent")
   * into a value; every other failure, a malformed answer too, is thrown as a ReconcileError;
   * a bug is rethrown untouched.
   */
  private async call<T, U = never>(ctx: DropletOpContext, fn: (c: DigitalOceanClient) => Promise<T>, on?: Readonly<Record<number, () => U>>): Promise<T | U> {
    try {
      return await fn(this.#client);
    } catch (err) {
      const failure = err instanceof DigitalOceanSaidNo ? err : describeFailure(err, ctx, (t) => this.scrub(t), this.#now());
      if (failure === null) throw err;
      if (failure instanceof DigitalOceanSaidNo) {
        const handler = on?.[failure.status];
        if (handler !== undefined) return handler();
      }
      const error = toReconcileError(failure);
      this.#log.warn({ ...ctx, reason: error.reason }, `${describeOp(ctx)} failed`);
      throw error;
    }
  }

  private scrub(text: string): string {
    return text.split(this.#token.reveal()).join('[REDACTED]');
  }
}

/**
 * The runner's translation table: each request-as-data onto the dots call that sends exactly it
 * (dots spells query and body fields in camelCase and maps them back to the API's names).
 */
const send = {
  list: (c: DigitalOceanClient, r: Extract<DropletRequest, { op: 'list' }>) =>
    c.v2.droplets.get({ queryParameters: { tagName: r.query.tag_name, page: r.query.page, perPage: r.query.per_page } }),
  create: (c: DigitalOceanClient, r: Extract<DropletRequest, { op: 'create' }>) => {
    const b = r.body;
    return c.v2.droplets.post({ name: b.name, region: b.region, size: b.size, image: b.image, tags: [...b.tags], userData: b.user_data });
  },
  get: (c: DigitalOceanClient, r: Extract<DropletRequest, { op: 'get' }>) => c.v2.droplets.byDroplet_id(r.id).get(),
  delete: (c: DigitalOceanClient, r: Extract<DropletRequest, { op: 'delete' }>) => c.v2.droplets.byDroplet_id(r.id).delete(),
};
