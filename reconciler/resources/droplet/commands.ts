import type { DropletSpec } from '../../ports.js';

/**
 * The DigitalOcean requests buckfleet makes, as data (STYLE "Commands are data"): each builder
 * says exactly what goes on the wire and sends nothing. `digitalocean.ts` is the one runner; it
 * hands each request to dots, and the fake's request log can be checked against these.
 */

/** DigitalOcean's largest page: fewer round trips, so fewer chances to meet a rate limit. */
export const MAX_PER_PAGE = 200;

export interface ListDroplets {
  readonly op: 'list';
  readonly method: 'GET';
  readonly path: '/v2/droplets';
  readonly query: { readonly tag_name: string; readonly page: number; readonly per_page: number };
}

/** The body of a single-droplet create, in the API's own (snake_case) names. */
export interface CreateDropletBody {
  readonly name: string;
  readonly region: string;
  readonly size: string;
  readonly image: string;
  readonly tags: readonly string[];
  readonly user_data: string;
}

export interface CreateDroplet {
  readonly op: 'create';
  readonly method: 'POST';
  readonly path: '/v2/droplets';
  readonly body: CreateDropletBody;
}

export interface GetDroplet {
  readonly op: 'get';
  readonly method: 'GET';
  readonly path: `/v2/droplets/${number}`;
  readonly id: number;
}

export interface DeleteDroplet {
  readonly op: 'delete';
  readonly method: 'DELETE';
  readonly path: `/v2/droplets/${number}`;
  readonly id: number;
}

export type DropletRequest = ListDroplets | CreateDroplet | GetDroplet | DeleteDroplet;

/** One page of the droplets carrying `tag` (pages count from 1, as the API's do). */
export function listDroplets(tag: string, page: number, perPage: number = MAX_PER_PAGE): ListDroplets {
  if (tag === '') throw new RangeError('listDroplets: an empty tag would list every droplet of the account');
  if (!Number.isInteger(page) || page < 1) throw new RangeError(`listDroplets: page ${page} is not a whole number from 1`);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw new RangeError(`listDroplets: per_page ${perPage} is outside 1..${MAX_PER_PAGE}`);
  }
  return { op: 'list', method: 'GET', path: '/v2/droplets', query: { tag_name: tag, page, per_page: perPage } };
}

/**
 * One droplet, tagged at birth: a droplet is only ever found by its tags, so they go in the
 * create call itself rather than in a second call a crash could skip.
 */
export function createDroplet(spec: DropletSpec): CreateDroplet {
  return {
    op: 'create',
    method: 'POST',
    path: '/v2/droplets',
    body: { name: spec.name, region: spec.region, size: spec.size, image: spec.image, tags: [...spec.tags], user_data: spec.userData },
  };
}

export function getDroplet(id: number): GetDroplet {
  return { op: 'get', method: 'GET', path: `/v2/droplets/${checkId(id)}`, id };
}

export function deleteDroplet(id: number): DeleteDroplet {
  return { op: 'delete', method: 'DELETE', path: `/v2/droplets/${checkId(id)}`, id };
}

/** A bad id would build another endpoint's path (`/v2/droplets/NaN`), so it never leaves here. */
function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`droplet id ${id} is not a positive whole number`);
  return id;
}
