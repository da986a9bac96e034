import type { Droplet as DotsDroplet } from '@digitalocean/dots/src/dots/models/index.js';
import type { DigitalOceanClient } from './client.js';
import type { Droplet } from '../../ports.js';
import { DigitalOceanSaidNo, type DropletOpContext } from './errors.js';

/**
 * dots types every field of every answer as optional and nullable. This is the one place that
 * narrows them: a droplet without id, name, status, region or size is a broken answer, reported
 * as such instead of flowing on as `undefined`.
 */

/** What `client.v2.droplets.post` resolves to (dots does not export the name from its root). */
type CreateAnswer = Awaited<ReturnType<DigitalOceanClient['v2']['droplets']['post']>>;

const STATUSES: ReadonlySet<string> = new Set<Droplet['status']>(['new', 'active', 'off', 'archive']);
const isStatus = (s: unknown): s is Droplet['status'] => typeof s === 'string' && STATUSES.has(s);

/**
 * A 2xx whose body is not what the API documents. Reported like a 502 (a bad answer from
 * upstream), so it is retried with backoff and its message shows in the tenant's status.
 */
function malformed(ctx: DropletOpContext, what: string): DigitalOceanSaidNo {
  return new DigitalOceanSaidNo(ctx, 502, 'malformed_response', `the answer ${what}`, undefined, undefined);
}

export function toDroplet(raw: DotsDroplet | null | undefined, ctx: DropletOpContext): Droplet {
  if (!raw) throw malformed(ctx, 'carries no droplet');
  const { id, name, status } = raw;
  if (typeof id !== 'number' || typeof name !== 'string' || !isStatus(status)) {
    throw malformed(ctx, `has a droplet without a valid id, name or status (id ${String(id)}, status ${String(status)})`);
  }
  const region = raw.region?.slug;
  const size = raw.sizeSlug ?? raw.size?.slug;
  if (typeof region !== 'string' || typeof size !== 'string') throw malformed(ctx, `has droplet ${id} without a region or size slug`);
  // The public address only: a droplet also has private (VPC) ones, which buckfleet cannot reach.
  const ipv4 = raw.networks?.v4?.find((n) => n.type === 'public' && typeof n.ipAddress === 'string')?.ipAddress ?? null;
  return { id, name, status, ipv4, region, size, tags: (raw.tags ?? []).filter((t): t is string => typeof t === 'string') };
}

/** The created droplet of a single create (`{ droplet }`); a multi-create answer (`{ droplets }`) is not one. */
export function createdDroplet(res: CreateAnswer, ctx: DropletOpContext): Droplet {
  if (res === undefined || !('droplet' in res)) throw malformed(ctx, 'to a create carries no droplet');
  return toDroplet(res.droplet, ctx);
}
