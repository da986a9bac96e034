import { z } from 'zod';
import { ApiError, type FakeReply, json, type Route } from './http.js';
import { apiDroplet, type FakeDroplet, type FakeState } from './state.js';

/** DigitalOcean's own limits on what a create may carry. */
const CreateBody = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9.-]{1,255}$/, 'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)'),
    region: z.string().min(1),
    size: z.string().min(1),
    image: z.union([z.string().min(1), z.number().int()]),
    tags: z.array(z.string().regex(/^[A-Za-z0-9:_-]{1,255}$/, 'tags may only contain letters, numbers, colons, dashes and underscores')).default([]),
    user_data: z.string().max(64 * 1024, 'user_data must be at most 64 KiB').default(''),
    names: z.never({ error: 'this fake creates one droplet per request (send name, not names)' }).optional(),
  })
  .loose();

function parseCreate(body: unknown) {
  const parsed = CreateBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(422, 'unprocessable_entity', `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** `page` and `per_page` as DigitalOcean reads them: 1 and 20 by default, at most 200 per page. */
function paging(query: URLSearchParams): { page: number; perPage: number } {
  const int = (name: string, fallback: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new ApiError(400, 'bad_request', `${name} must be a positive integer`);
    return n;
  };
  return { page: int('page', 1), perPage: Math.min(200, int('per_page', 20)) };
}

/** links.pages as the API builds them: first/prev when not on the first page, next/last when not on the last. */
function pageLinks(base: string, query: URLSearchParams, page: number, last: number): Record<string, string> {
  const at = (p: number) => {
    const q = new URLSearchParams(query);
    q.set('page', String(p));
    return `${base}/v2/droplets?${q.toString()}`;
  };
  return {
    ...(page > 1 ? { first: at(1), prev: at(page - 1) } : {}),
    ...(page < last ? { next: at(page + 1), last: at(last) } : {}),
  };
}

/** The account the fake's token belongs to, shaped like DigitalOcean's `GET /v2/account`. */
const FAKE_ACCOUNT = {
  droplet_limit: 25,
  floating_ip_limit: 3,
  email: 'ops@fleet.example',
  name: 'Fleet Ops',
  uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef',
  email_verified: true,
  status: 'active',
  status_message: '',
  team: { uuid: '5df3e3004a17e242b7c20ca6c9fc25b701a47ece', name: 'Fleet' },
};

const notFound = () => new ApiError(404, 'not_found', 'The resource you were accessing could not be found.');

function find(state: FakeState, id: string | undefined): FakeDroplet {
  const d = state.droplets.find((x) => String(x.id) === id);
  if (!d) throw notFound();
  return d;
}

export function dropletRoutes(state: FakeState): Route[] {
  const list = (query: URLSearchParams): FakeReply => {
    const { page, perPage } = paging(query);
    const tag = query.get('tag_name');
    const matching = state.droplets.filter((d) => tag === null || d.tags.includes(tag)).sort((a, b) => a.id - b.id);
    const last = Math.max(1, Math.ceil(matching.length / perPage));
    const now = Date.now();
    const droplets = matching.slice((page - 1) * perPage, page * perPage).map((d) => apiDroplet(d, now));
    return json(200, { droplets, links: { pages: pageLinks(state.baseUrl(), query, page, last) }, meta: { total: matching.length } });
  };

  const create = (body: unknown): FakeReply => {
    const b = parseCreate(body);
    const id = ++state.counters.droplet;
    const spec = { id, name: b.name, region: b.region, size: b.size, image: String(b.image), tags: [...new Set(b.tags)], userData: b.user_data };
    const createdAt = new Date();
    const droplet: FakeDroplet = {
      ...spec,
      createdAt,
      activeAt: createdAt.getTime() + state.bootDelayMs(),
      ipv4: null,
      provisionError: null,
      // Booting happens after the answer, as on DigitalOcean: the 202 says "accepted", not "ready".
      provisioned: Promise.resolve()
        .then(() => state.provision(spec))
        .then(
        ({ ipv4 }) => void (droplet.ipv4 = ipv4),
        (err: unknown) => void (droplet.provisionError = err),
      ),
    };
    state.droplets.push(droplet);
    const action = ++state.counters.action;
    const links = { actions: [{ id: action, rel: 'create', href: `${state.baseUrl()}/v2/actions/${action}` }] };
    return json(202, { droplet: apiDroplet(droplet, Date.now()), links });
  };

  /**
   * Answers once the host is gone. A failed deprovision leaves the droplet listed and answers
   * 500, so a test host that outlives its droplet shows up as a failure, not as a leak.
   */
  const remove = async (id: string | undefined): Promise<FakeReply> => {
    const d = find(state, id);
    // Out of the list first, so `close()` never deprovisions it a second time.
    state.droplets.splice(state.droplets.indexOf(d), 1);
    await d.provisioned;
    if (d.ipv4 !== null) {
      try {
        await state.deprovision(d);
      } catch (err) {
        state.droplets.push(d);
        return json(500, { id: 'server_error', message: `fake-do: deprovisioning droplet ${d.id} failed: ${String(err)}` });
      }
    }
    return { status: 204 };
  };

  return [
    { method: 'GET', pattern: /^\/v2\/droplets$/, handle: (r) => Promise.resolve(list(r.query)) },
    { method: 'POST', pattern: /^\/v2\/droplets$/, handle: (r) => Promise.resolve(create(r.body)) },
    { method: 'GET', pattern: /^\/v2\/droplets\/(\d+)$/, handle: (r) => Promise.resolve(json(200, { droplet: apiDroplet(find(state, r.params[0]), Date.now()) })) },
    { method: 'DELETE', pattern: /^\/v2\/droplets\/(\d+)$/, handle: (r) => remove(r.params[0]) },
    // What `buckfleet doctor` reads to check a token: the cheapest authenticated call there is.
    { method: 'GET', pattern: /^\/v2\/account$/, handle: () => Promise.resolve(json(200, { account: FAKE_ACCOUNT })) },
  ];
}
