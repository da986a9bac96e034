import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDigitalOcean, type LoggedRequest, startFakeDigitalOcean } from '../../../test/fake-do/index.js';
import { StalledError, TransientError, WaitingError } from '../../errors.js';
import type { DropletSpec } from '../../ports.js';
import { createDroplet, type DropletRequest, listDroplets } from './commands.js';
import { DigitalOceanProvider, type DigitalOceanOptions } from './digitalocean.js';
import { DigitalOceanSaidNo, DigitalOceanUnreachable } from './errors.js';

let fake: FakeDigitalOcean;
const deprovisioned: number[] = [];
beforeEach(async () => {
  deprovisioned.length = 0;
  fake = await startFakeDigitalOcean({ deprovision: (d) => Promise.resolve(void deprovisioned.push(d.id)) });
});
afterEach(async () => {
  await fake.close();
});

const provider = (opts: Partial<DigitalOceanOptions> = {}) => new DigitalOceanProvider({ token: fake.token, baseUrl: fake.url, ...opts });
const spec = (name: string, tags: readonly string[] = ['buckfleet', `buckfleet-host-${name}`]): DropletSpec => ({
  name,
  region: 'fra1',
  size: 's-1vcpu-1gb',
  image: 'ubuntu-24-04-x64',
  tags,
  userData: '#cloud-config\n{}\n',
});

/** A request as the fake logged it, next to the one commands.ts built (query values are text on the wire). */
const onTheWire = (r: DropletRequest): Partial<LoggedRequest> => ({
  method: r.method,
  path: r.path,
  query: r.op === 'list' ? Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, String(v)])) : {},
  ...(r.op === 'create' ? { body: r.body } : {}),
});
const logged = ({ method, path, query, body }: LoggedRequest): Partial<LoggedRequest> => ({ method, path, query, ...(body === undefined ? {} : { body }) });

/** The ReconcileError a call threw, for assertions on its type and cause. */
async function failure(call: Promise<unknown>): Promise<Error & { cause?: unknown; reason?: string }> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('DigitalOceanProvider against the fake', () => {
  it('creates a droplet and finds it by its tag, and only droplets with that tag', async () => {
    const cloud = provider();
    const a = await cloud.createDroplet(spec('a'));
    await cloud.createDroplet(spec('b'));
    expect(a).toMatchObject({ name: 'a', region: 'fra1', size: 's-1vcpu-1gb', tags: ['buckfleet', 'buckfleet-host-a'] });
    expect(await cloud.listDroplets('buckfleet-host-a')).toEqual([{ ...a, status: 'active', ipv4: expect.stringMatching(/^192\.0\.2\./) as unknown }]);
    expect((await cloud.listDroplets('buckfleet')).map((d) => d.name)).toEqual(['a', 'b']);
    expect(await cloud.listDroplets('buckfleet-host-zzz')).toEqual([]);
  });

  it('sends exactly the requests commands.ts builds', async () => {
    const cloud = provider({ perPage: 20 });
    await cloud.createDroplet(spec('a'));
    await cloud.listDroplets('buckfleet-host-a');
    expect(fake.requests.map(logged)).toEqual([onTheWire(createDroplet(spec('a'))), onTheWire(listDroplets('buckfleet-host-a', 1, 20))]);
  });

  it('lists every page: 30 droplets at 20 a page', async () => {
    const cloud = provider({ perPage: 20 });
    for (let i = 0; i < 30; i++) await cloud.createDroplet(spec(`h${i}`, ['buckfleet']));
    const all = await cloud.listDroplets('buckfleet');
    expect(all.map((d) => d.name)).toEqual(Array.from({ length: 30 }, (_, i) => `h${i}`));
    expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.query)).toEqual([
      { tag_name: 'buckfleet', page: '1', per_page: '20' },
      { tag_name: 'buckfleet', page: '2', per_page: '20' },
    ]);
  });

  it('stops at the reported total when the last page is exactly full (no empty third page)', async () => {
    const cloud = provider({ perPage: 20 });
    for (let i = 0; i < 40; i++) await cloud.createDroplet(spec(`h${i}`, ['buckfleet']));
    expect(await cloud.listDroplets('buckfleet')).toHaveLength(40);
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('gets a droplet by id, and null for one that does not exist', async () => {
    const cloud = provider();
    const a = await cloud.createDroplet(spec('a'));
    expect(await cloud.getDroplet(a.id)).toMatchObject({ id: a.id, name: 'a' });
    expect(await cloud.getDroplet(a.id + 1000)).toBeNull();
  });

  it('deletes a droplet (the fake deprovisions it), and deleting a missing one is fine', async () => {
    const cloud = provider();
    const a = await cloud.createDroplet(spec('a'));
    await cloud.deleteDroplet(a.id);
    expect(deprovisioned).toEqual([a.id]);
    expect(await cloud.listDroplets('buckfleet-host-a')).toEqual([]);
    await expect(cloud.deleteDroplet(a.id)).resolves.toBeUndefined();
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 404]);
  });

  it('shows a new droplet as new without an address, then active with its public IPv4', async () => {
    fake.setBootDelay(150);
    const cloud = provider();
    const a = await cloud.createDroplet(spec('a'));
    expect(a).toMatchObject({ status: 'new', ipv4: null });
    expect(await cloud.getDroplet(a.id)).toMatchObject({ status: 'new', ipv4: null });
    let seen = await cloud.getDroplet(a.id);
    for (let i = 0; i < 50 && seen?.status !== 'active'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      seen = await cloud.getDroplet(a.id);
    }
    // The fake also lists a private 198.51.100.x address first: only the public one is taken.
    expect(seen).toMatchObject({ status: 'active', ipv4: expect.stringMatching(/^192\.0\.2\.\d+$/) as unknown });
  });
});

describe('DigitalOceanProvider errors: classified, typed, and without the token', () => {
  const tokenFree = (err: Error) => {
    expect(err.message).not.toContain(fake.token);
    expect(inspect(err, { depth: 10 })).not.toContain(fake.token);
  };

  it('429: Waiting for as long as DigitalOcean asked', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 3 });
    const err = await failure(provider().listDroplets('buckfleet'));
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).retryAfterMs).toBe(3_000);
    expect(err.cause).toBeInstanceOf(DigitalOceanSaidNo);
    expect(err.cause).toMatchObject({ status: 429, code: 'too_many_requests', retryAfterMs: 3_000, context: { op: 'list', tag: 'buckfleet' } });
    tokenFree(err);
  });

  it('500: Transient, retried with backoff; the next call goes through (no retry inside)', async () => {
    fake.failNext(1, { status: 500 });
    const cloud = provider();
    const err = await failure(cloud.createDroplet(spec('a')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.cause).toMatchObject({ status: 500, code: 'server_error', context: { op: 'create', droplet: 'a' } });
    expect(err.message).toMatch(/creating droplet a/);
    expect(fake.droplets()).toHaveLength(0);
    expect(fake.requests).toHaveLength(1);
    await cloud.createDroplet(spec('a'));
    expect(fake.droplets()).toHaveLength(1);
    tokenFree(err);
  });

  it('422 (a droplet limit): Stalled, with DigitalOcean\'s code, message and request id', async () => {
    fake.failNext(1, { status: 422, id: 'unprocessable_entity', message: 'creating this/these droplet(s) will exceed your droplet limit' });
    const err = await failure(provider().createDroplet(spec('a')));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('DigitalOceanRefused');
    expect(err.cause).toMatchObject({ status: 422, code: 'unprocessable_entity', requestId: expect.stringMatching(/^fake-do-/) as unknown });
    expect(err.message).toMatch(/droplet limit/);
    tokenFree(err);
  });

  it('a request the API itself refuses (an invalid name) is Stalled too', async () => {
    const err = await failure(provider().createDroplet(spec('not_a_hostname')));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.cause).toMatchObject({ status: 422, code: 'unprocessable_entity' });
  });

  it('a wrong token: Stalled, telling to set DIGITALOCEAN_TOKEN, and quoting neither token', async () => {
    const wrong = 'dop_v1_wrongTokenAlsoNeverPrinted';
    const cloud = new DigitalOceanProvider({ token: wrong, baseUrl: fake.url });
    const err = await failure(cloud.getDroplet(1));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.message).toMatch(/401 Unauthorized.*DIGITALOCEAN_TOKEN/);
    expect(inspect(err, { depth: 10 })).not.toContain(wrong);
    expect(inspect(cloud, { depth: 10 })).not.toContain(wrong);
  });

  it('nothing listening: Transient, unreachable, with the cause', async () => {
    const port = await freePort();
    const cloud = new DigitalOceanProvider({ token: fake.token, baseUrl: `http://127.0.0.1:${port}` });
    const err = await failure(cloud.deleteDroplet(5));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.cause).toBeInstanceOf(DigitalOceanUnreachable);
    expect(err.message).toMatch(/unreachable while deleting droplet 5: .*ECONNREFUSED/);
    tokenFree(err);
  });

  it('an answer slower than the time limit: unreachable, though the create took effect (found by tag next time)', async () => {
    fake.setLatency(400);
    const err = await failure(provider({ timeoutMs: 50 }).createDroplet(spec('slow')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.cause).toBeInstanceOf(DigitalOceanUnreachable);
    fake.setLatency(0);
    expect((await provider().listDroplets('buckfleet-host-slow')).map((d) => d.name)).toEqual(['slow']);
    tokenFree(err);
  });

  it('refuses an empty token and a page size the API does not take, at construction', () => {
    expect(() => new DigitalOceanProvider({ token: '' })).toThrow(/DIGITALOCEAN_TOKEN/);
    expect(() => provider({ perPage: 500 })).toThrow(/per_page 500/);
  });
});

/** A port nothing listens on: bound once by us, then closed. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
