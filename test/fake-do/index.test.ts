import { afterEach, describe, expect, it } from 'vitest';
import { cloudInit, parseCloudInit } from '../../reconciler/resources/droplet/cloud-init.js';
import { generateHostKey } from '../../reconciler/resources/droplet/host-key.js';
import { type FakeDigitalOcean, type FakeDigitalOceanOptions, type ProvisionSpec, startFakeDigitalOcean } from './index.js';

let fake: FakeDigitalOcean | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts?: FakeDigitalOceanOptions): Promise<FakeDigitalOcean> {
  fake = await startFakeDigitalOcean(opts);
  return fake;
}

type Json = Record<string, unknown>;
async function api(f: FakeDigitalOcean, method: string, path: string, body?: unknown, token = f.token) {
  const res = await fetch(`${f.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, data: (text === '' ? {} : JSON.parse(text)) as Json };
}

const create = (f: FakeDigitalOcean, name: string, tags = ['buckfleet'], userData = '') =>
  api(f, 'POST', '/v2/droplets', { name, region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags, user_data: userData });

describe('fake DigitalOcean', () => {
  it('refuses requests without the token, and a refusal uses up no fault', async () => {
    const f = await start();
    f.failNext(1, { status: 500 });
    expect(await api(f, 'GET', '/v2/droplets', undefined, 'wrong')).toMatchObject({ status: 401, data: { id: 'Unauthorized' } });
    expect((await api(f, 'GET', '/v2/droplets')).status).toBe(500);
    expect((await api(f, 'GET', '/v2/droplets')).status).toBe(200);
  });

  it('hands the provisioner the user data, from which parseCloudInit gets back the keys cloudInit put in', async () => {
    const seen: ProvisionSpec[] = [];
    const f = await start({ provision: (spec) => Promise.resolve(void seen.push(spec)).then(() => ({ ipv4: '192.0.2.77' })) });
    const hostKey = await generateHostKey();
    const fleetKey = (await generateHostKey()).publicKey;
    const userData = cloudInit({ authorizedKey: fleetKey, hostKey, composePackage: 'docker-compose' });
    const res = await create(f, 'bf-a', ['buckfleet', 'buckfleet-host-a'], userData);
    expect(res.status).toBe(202);
    await f.droplets()[0]?.provisioned;
    const id = (res.data.droplet as Json).id;
    expect(seen).toEqual([{ id, name: 'bf-a', region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['buckfleet', 'buckfleet-host-a'], userData }]);
    expect(parseCloudInit(seen[0]?.userData ?? '')).toEqual({ authorizedKeys: [fleetKey], hostPrivateKey: hostKey.privateKey, hostPublicKey: hostKey.publicKey });
    expect(f.droplets()[0]).toMatchObject({ ipv4: '192.0.2.77' });
  });

  it('answers a create with 202, the droplet new and address-less, and a create action link', async () => {
    const f = await start({ bootDelayMs: 10_000 });
    const res = await create(f, 'bf-a');
    expect(res.status).toBe(202);
    expect(res.data).toMatchObject({
      droplet: { name: 'bf-a', status: 'new', networks: { v4: [], v6: [] }, region: { slug: 'fra1' }, size_slug: 's-1vcpu-1gb', tags: ['buckfleet'] },
      links: { actions: [{ rel: 'create', href: expect.stringContaining(`${f.url}/v2/actions/`) as unknown }] },
    });
  });

  it('pages like the API: meta.total, and first/prev/next/last links', async () => {
    const f = await start();
    for (let i = 0; i < 5; i++) await create(f, `h${i}`, i === 4 ? ['other'] : ['buckfleet']);
    const page = (n: number) => api(f, 'GET', `/v2/droplets?tag_name=buckfleet&per_page=2&page=${n}`);
    const at = (n: number) => `${f.url}/v2/droplets?tag_name=buckfleet&per_page=2&page=${n}`;
    const [one, two] = [await page(1), await page(2)];
    expect(one.data).toMatchObject({ meta: { total: 4 }, links: { pages: { next: at(2), last: at(2) } } });
    expect(two.data).toMatchObject({ meta: { total: 4 }, links: { pages: { first: at(1), prev: at(1) } } });
    expect((two.data.droplets as Json[]).map((d) => d.name)).toEqual(['h2', 'h3']);
    expect((await api(f, 'GET', '/v2/droplets?page=0')).status).toBe(400);
  });

  it('refuses creates the API would refuse, with 422 unprocessable_entity', async () => {
    const f = await start();
    for (const [name, tags] of [['under_score', ['ok']], ['ok', ['no spaces']], ['ok', ['slash/no']]] as const) {
      expect(await create(f, name, [...tags])).toMatchObject({ status: 422, data: { id: 'unprocessable_entity' } });
    }
    expect((await api(f, 'POST', '/v2/droplets', { names: ['a', 'b'], region: 'fra1', size: 's', image: 'i' })).status).toBe(422);
    expect(f.droplets()).toHaveLength(0);
  });

  it('gets and deletes by id (404 for unknown ids), deprovisioning on delete', async () => {
    const gone: number[] = [];
    const f = await start({ deprovision: (d) => Promise.resolve(void gone.push(d.id)) });
    const id = ((await create(f, 'bf-a')).data.droplet as Json).id as number;
    expect((await api(f, 'GET', `/v2/droplets/${id}`)).data).toMatchObject({ droplet: { id, status: 'active' } });
    expect((await api(f, 'DELETE', `/v2/droplets/${id}`)).status).toBe(204);
    expect(gone).toEqual([id]);
    expect((await api(f, 'GET', `/v2/droplets/${id}`)).status).toBe(404);
    expect((await api(f, 'DELETE', `/v2/droplets/${id}`)).status).toBe(404);
  });

  it('keeps a droplet whose provisioning failed as new, with the error, and a failed deprovision as a 500', async () => {
    const f = await start({
      provision: (spec) => (spec.name === 'broken' ? Promise.reject(new Error('no slot')) : Promise.resolve({ ipv4: '192.0.2.5' })),
      deprovision: () => Promise.reject(new Error('stuck')),
    });
    await create(f, 'broken');
    const ok = ((await create(f, 'ok')).data.droplet as Json).id as number;
    await Promise.all(f.droplets().map((d) => d.provisioned));
    expect(f.droplets().map((d) => [d.name, d.ipv4, d.provisionError instanceof Error ? d.provisionError.message : null])).toEqual([
      ['broken', null, 'no slot'],
      ['ok', '192.0.2.5', null],
    ]);
    expect((await api(f, 'GET', '/v2/droplets')).data.droplets).toMatchObject([{ name: 'broken', status: 'new' }, { name: 'ok', status: 'active' }]);
    expect(await api(f, 'DELETE', `/v2/droplets/${ok}`)).toMatchObject({ status: 500, data: { message: expect.stringContaining('stuck') as unknown } });
    expect(f.droplets().map((d) => d.name)).toContain('ok');
    await expect(f.close()).rejects.toThrow(/1 droplet\(s\) could not be deprovisioned/);
    fake = undefined;
  });

  it('deprovisions every droplet left on close', async () => {
    const gone: string[] = [];
    const f = await start({ deprovision: (d) => Promise.resolve(void gone.push(d.name)) });
    await create(f, 'a');
    await create(f, 'b');
    await f.close();
    fake = undefined;
    expect(gone.sort()).toEqual(['a', 'b']);
  });

  it('injects faults shaped like DigitalOcean\'s, and logs every request', async () => {
    const f = await start();
    f.failNext(1, { status: 429, retryAfterSeconds: 4 });
    f.failNext(1, { status: 422, id: 'unprocessable_entity', message: 'droplet limit' });
    const limited = await api(f, 'GET', '/v2/droplets?tag_name=x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(Number(limited.headers.get('ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
    expect(limited.data).toMatchObject({ id: 'too_many_requests', request_id: expect.any(String) as unknown });
    expect((await create(f, 'a')).data).toMatchObject({ id: 'unprocessable_entity', message: 'droplet limit' });
    expect((await api(f, 'GET', '/v2/droplets')).headers.get('ratelimit-remaining')).not.toBe('0');
    expect(f.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)} ${r.status}`)).toEqual([
      'GET /v2/droplets {"tag_name":"x"} 429',
      'POST /v2/droplets {} 422',
      'GET /v2/droplets {} 200',
    ]);
    expect(f.requests[1]?.body).toMatchObject({ name: 'a' });
  });

  it('keeps droplets new while boots are held, those created during the hold too, until released', async () => {
    const f = await start({ bootDelayMs: 60_000 });
    const ids: unknown[] = [];
    const make = async (name: string) => ids.push(((await create(f, name)).data.droplet as Json).id);
    const statuses = () => Promise.all(ids.map(async (id) => ((await api(f, 'GET', `/v2/droplets/${String(id)}`)).data.droplet as Json).status));
    await make('bf-booting');
    const release = f.holdBoots();
    await make('bf-held');
    await Promise.all(f.droplets().map((d) => d.provisioned));
    expect(await statuses()).toEqual(['new', 'new']);
    release();
    // Released: both up at once; the boot delay is back for droplets created afterwards.
    await make('bf-after');
    await Promise.all(f.droplets().map((d) => d.provisioned));
    expect(await statuses()).toEqual(['active', 'active', 'new']);
  });

  it('holds answers back by the latency set', async () => {
    const f = await start();
    f.setLatency(120);
    const began = Date.now();
    await api(f, 'GET', '/v2/droplets');
    expect(Date.now() - began).toBeGreaterThanOrEqual(100);
  });
});
