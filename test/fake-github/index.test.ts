import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './index.js';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await startFakeGitHub();
});
afterEach(async () => {
  await fake.close();
});

async function api(method: string, path: string, body?: unknown, token = fake.token): Promise<{ status: number; data: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/repos/acme/fleet${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, data: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function openPr(branch: string) {
  const res = await api('POST', '/pulls', { title: `PR ${branch}`, head: branch, base: 'main' });
  expect(res.status).toBe(201);
  return res.data.number as number;
}

describe('fake GitHub', () => {
  it('refuses requests without the token', async () => {
    expect((await api('GET', '/pulls', undefined, 'wrong')).status).toBe(401);
  });

  it('builds nested trees on a base tree and deletes paths given sha null', async () => {
    const main = await fake.seed('main', { 'a/b/c.txt': 'c', 'keep.txt': 'k' });
    const base = ((await api('GET', `/git/commits/${main}`)).data.tree as { sha: string }).sha;
    const blob = await api('POST', '/git/blobs', { content: Buffer.from('new').toString('base64'), encoding: 'base64' });
    const tree = await api('POST', '/git/trees', {
      base_tree: base,
      tree: [
        { path: 'a/b/c.txt', mode: '100644', type: 'blob', sha: null },
        { path: 'x/y.txt', mode: '100644', type: 'blob', sha: blob.data.sha },
      ],
    });
    const listing = await fake.store.git.run(['ls-tree', '-r', '--name-only', tree.data.sha as string]);
    expect(listing.toString().trim().split('\n')).toEqual(['keep.txt', 'x/y.txt']);
  });

  it('moves refs only by fast-forward unless forced', async () => {
    const a = await fake.seed('main', { f: '1' });
    const side = await fake.seed('side', { f: '2' }, { from: a });
    const b = await fake.seed('main', { f: '3' });
    expect((await api('PATCH', '/git/refs/heads/main', { sha: side })).status).toBe(422);
    expect((await api('PATCH', '/git/refs/heads/main', { sha: side, force: true })).status).toBe(200);
    expect((await api('POST', '/git/refs', { ref: 'refs/heads/main', sha: b })).data.message).toBe('Reference already exists');
  });

  it('fast-forwards main when the head contains it, and 409s when the head moved', async () => {
    const main = await fake.seed('main', { f: '1' });
    const head = await fake.seed('bf/x', { g: '1' }, { from: main });
    const n = await openPr('bf/x');
    expect((await api('POST', '/pulls', { title: 't', head: 'acme:bf/x', base: 'main' })).status).toBe(422);
    expect((await api('PUT', `/pulls/${n}/merge`, { sha: main })).status).toBe(409);
    const merged = await api('PUT', `/pulls/${n}/merge`, { sha: head, merge_method: 'merge' });
    expect(merged.data).toMatchObject({ merged: true, sha: head });
    expect(await fake.head('main')).toBe(head);
    expect((await api('GET', `/pulls/${n}`)).data).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: head });
  });

  it('three-way merges a diverged head, and refuses a conflicting one with 405', async () => {
    const base = await fake.seed('main', { f: '1', g: '1' });
    await fake.seed('bf/ok', { g: '2' }, { from: base });
    await fake.seed('bf/clash', { f: 'theirs' }, { from: base });
    const main = await fake.seed('main', { f: 'ours' });
    const ok = await openPr('bf/ok');
    const clash = await openPr('bf/clash');
    const merged = await api('PUT', `/pulls/${ok}/merge`, {});
    const commit = await fake.store.readCommit(merged.data.sha as string);
    expect(commit?.parents).toEqual([main, await fake.head('bf/ok')]);
    expect((await api('PUT', `/pulls/${clash}/merge`, {})).status).toBe(405);
  });

  it('update-branch merges main into the head, or 422s on a conflict', async () => {
    const base = await fake.seed('main', { f: '1', g: '1' });
    const head = await fake.seed('bf/ok', { g: '2' }, { from: base });
    await fake.seed('bf/clash', { f: 'theirs' }, { from: base });
    const main = await fake.seed('main', { f: 'ours' });
    const ok = await openPr('bf/ok');
    expect((await api('PUT', `/pulls/${ok}/update-branch`)).status).toBe(202);
    expect((await fake.store.readCommit((await fake.head('bf/ok')) ?? ''))?.parents).toEqual([head, main]);
    expect((await api('PUT', `/pulls/${ok}/update-branch`)).data.message).toMatch(/no new commits/);
    const clash = await openPr('bf/clash');
    expect((await api('PUT', `/pulls/${clash}/update-branch`)).data.message).toMatch(/merge conflict/);
  });

  it('injects faults and logs every request', async () => {
    fake.failNext(1, { status: 429, retryAfter: 1 });
    const limited = await fetch(`${fake.url}/repos/acme/fleet/pulls`, { headers: { authorization: `bearer ${fake.token}` } });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    expect((await api('GET', '/pulls')).status).toBe(200);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /repos/acme/fleet/pulls 429', 'GET /repos/acme/fleet/pulls 200']);
  });
});
