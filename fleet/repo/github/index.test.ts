import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGitHubFleetRepo } from '../../../test/fake-github/adapter.js';
import { type FakeGitHub, startFakeGitHub } from '../../../test/fake-github/index.js';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';
import type { GitHubFleetRepo, GitHubFleetRepoOptions, RepoLog } from './index.js';
import { authEnv } from './mirror.js';
import { SHARED_HOST, validFleetFiles } from '../../../test/fleet-fixtures.js';
import { loadFleet } from '../../load/index.js';
import { loadRevision } from '../../load/revision.js';
import { hostFile } from '../../paths.js';

let fake: FakeGitHub;
let mirrorDir: string;
let logged: unknown[];

const recordingLog: RepoLog = {
  debug: (fields, msg) => logged.push({ level: 'debug', fields, msg }),
  info: (fields, msg) => logged.push({ level: 'info', fields, msg }),
  warn: (fields, msg) => logged.push({ level: 'warn', fields, msg }),
  error: (fields, msg) => logged.push({ level: 'error', fields, msg }),
};

/** The adapter against the fake, with waits shrunk to milliseconds, writes unspaced and a recording log. */
const adapter = (overrides: Partial<GitHubFleetRepoOptions> = {}, secondMs = 20): GitHubFleetRepo =>
  fakeGitHubFleetRepo(fake, mirrorDir, { secondMs, overrides: { log: recordingLog, ...overrides } });

const calls = (method: string, path: RegExp) => fake.requests.filter((r) => r.method === method && path.test(r.path)).length;

beforeEach(async () => {
  fake = await startFakeGitHub();
  mirrorDir = await mkdtemp(join(tmpdir(), 'gh-mirror-'));
  logged = [];
});
afterEach(async () => {
  await fake.close();
  await rm(mirrorDir, { recursive: true, force: true });
});

describe('GitHubFleetRepo as FleetRepo', () => {
  it('commits through the data API and reads the commit back through the mirror', async () => {
    const main = await fake.seed('main', { 'fleet.yaml': 'old: 1\n', 'hosts/h1.yaml': 'name: h1\n' });
    const repo = adapter();
    expect(await repo.head('main')).toBe(main);
    expect(await repo.head('bf/none')).toBeNull();
    expect((await repo.read(main)).files.get('fleet.yaml')).toBe('old: 1\n');

    const edits = [
      { path: 'fleet.yaml', content: 'new: 2\n' },
      { path: 'tenants/acme/tenant.yaml', content: 'owner: 1 # ünïcode\n' },
      { path: 'hosts/h1.yaml', content: null },
    ];
    const sha = await repo.commit({ branch: 'main', parent: main, edits, message: 'feat: acme', expect: { at: main } });
    expect(await fake.head('main')).toBe(sha);
    // The mirror had `main` already; reading the new commit makes it fetch.
    const { files } = await repo.read(sha);
    expect(Object.fromEntries(files)).toEqual({ 'fleet.yaml': 'new: 2\n', 'tenants/acme/tenant.yaml': 'owner: 1 # ünïcode\n' });
    expect(calls('POST', /\/git\/blobs$/)).toBe(2);
    const fetches = () => logged.filter((l) => (l as { msg: string }).msg.includes('fetching')).length;
    expect(fetches()).toBe(2);
    await repo.read(sha);
    expect(fetches()).toBe(2);
  });

  it('turns every lost compare-and-swap into RefMovedError', async () => {
    const main = await fake.seed('main', { 'fleet.yaml': 'a: 1\n' });
    const repo = adapter();
    const edits = [{ path: 'x.yaml', content: 'x: 1\n' }];
    const branch = await repo.commit({ branch: 'bf/x', parent: main, edits, message: 'x', expect: 'absent' });
    await expect(repo.commit({ branch: 'bf/x', parent: main, edits, message: 'again', expect: 'absent' })).rejects.toBeInstanceOf(RefMovedError);

    const moved = await fake.seed('bf/x', { 'y.yaml': 'y: 1\n' });
    const stale = repo.commit({ branch: 'bf/x', parent: branch, edits, message: 'stale', expect: { at: branch } });
    await expect(stale).rejects.toThrow(`branch bf/x is at ${moved}, not ${branch}`);
    await expect(stale).rejects.toBeInstanceOf(RefMovedError);

    // Rebuilt on main, replacing the branch wherever it is.
    const rebuilt = await repo.commit({ branch: 'bf/x', parent: main, edits, message: 'rebuilt', expect: 'any' });
    expect(await fake.head('bf/x')).toBe(rebuilt);
    await repo.commit({ branch: 'bf/new', parent: main, edits, message: 'new', expect: 'any' });
    expect(await fake.head('bf/new')).not.toBeNull();
  });
});

describe('GitHubFleetRepo as a cached load reads it', () => {
  it('lists trees and reads blobs through the mirror: after a one-file commit, loadRevision reads one blob', async () => {
    const files = validFleetFiles();
    const main = await fake.seed('main', Object.fromEntries(files));
    const repo = adapter();
    const asked: string[][] = [];
    const streamBlobs = repo.streamBlobs.bind(repo);
    vi.spyOn(repo, 'streamBlobs').mockImplementation((shas) => {
      asked.push([...shas]);
      return streamBlobs(shas);
    });

    const first = await loadRevision(repo, main);
    expect(first).toEqual(loadFleet(await repo.read(main)));
    expect(first.ok).toBe(true);
    expect(new Set(asked.flat()).size).toBe(new Set(files.values()).size);

    const path = hostFile(SHARED_HOST);
    const content = (files.get(path) ?? '').replace(/capacity: \d+/, 'capacity: 9');
    const next = await repo.commit({ branch: 'main', parent: main, edits: [{ path, content }], message: 'capacity 9', expect: { at: main } });
    asked.length = 0;
    const after = await loadRevision(repo, next);
    expect(asked.flat()).toHaveLength(1);
    expect(after.ok && after.fleet.hosts.get(SHARED_HOST)?.capacity).toBe(9);
    expect((await repo.listTree(next)).blobs.map((b) => b.path).sort()).toEqual([...files.keys()].sort());
    await expect(repo.listTree('not-a-sha')).rejects.toBeInstanceOf(GitError);
  });
});

describe('GitHubFleetRepo as ChangeRequests', () => {
  async function branchOffMain(branch: string, files: Record<string, string>) {
    const main = (await fake.head('main')) ?? (await fake.seed('main', { 'fleet.yaml': 'a: 1\n', 'shared.yaml': 'v: 0\n' }));
    return fake.seed(branch, files, { from: main });
  }

  it('ensurePr opens one PR with its labels and reuses it after', async () => {
    const head = await branchOffMain('bf/tenant.create/acme', { 'tenants/acme/tenant.yaml': 'x: 1\n' });
    const repo = adapter();
    const input = { branch: 'bf/tenant.create/acme', title: 'feat: acme', body: 'Creates acme.', labels: ['tenant.create', 'auto-merge'] };
    const pr = await repo.ensurePr(input);
    expect(pr).toMatchObject({ branch: input.branch, state: 'open', head, labels: ['tenant.create', 'auto-merge'], mergeCommit: null });

    const before = fake.requests.length;
    expect(await repo.ensurePr(input)).toEqual(pr);
    expect(fake.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    expect(calls('POST', /\/pulls$/)).toBe(1);

    const retitled = await repo.ensurePr({ ...input, title: 'feat: acme (v2)', labels: ['tenant.create', 'needs-admin'] });
    expect(retitled).toMatchObject({ number: pr.number, title: 'feat: acme (v2)', labels: ['tenant.create', 'auto-merge', 'needs-admin'] });
    expect(await repo.findPr(input.branch)).toMatchObject({ number: pr.number, title: 'feat: acme (v2)' });
    expect((await repo.listOpen()).map((p) => p.number)).toEqual([pr.number]);
    expect(await repo.findPr('bf/none')).toBeNull();
  });

  it('ensureComment edits its one comment in place', async () => {
    await branchOffMain('bf/c', { 'c.yaml': 'c: 1\n' });
    const repo = adapter();
    const { number } = await repo.ensurePr({ branch: 'bf/c', title: 't', body: 'b', labels: [] });
    await repo.ensureComment(number, 'plan', 'Plan: 1 to add');
    await repo.ensureComment(number, 'plan', 'Plan: 2 to add');
    await repo.ensureComment(number, 'plan', 'Plan: 2 to add');
    await repo.ensureComment(number, 'status', 'Deployed');
    expect(fake.comments.map((c) => c.body)).toEqual(['<!-- buckfleet:plan -->\nPlan: 2 to add', '<!-- buckfleet:status -->\nDeployed']);
    expect(calls('PATCH', /\/issues\/comments\/\d+$/)).toBe(1);
    await expect(repo.ensureComment(number, 'x -->', 'b')).rejects.toBeInstanceOf(GitError);
  });

  it('merges only the expected head, fast-forwarding main', async () => {
    const head = await branchOffMain('bf/m', { 'm.yaml': 'm: 1\n' });
    const main = await fake.head('main');
    const repo = adapter();
    const pr = await repo.ensurePr({ branch: 'bf/m', title: 't', body: 'b', labels: [] });
    expect(await repo.merge(pr.number, { expectHead: main ?? '', message: 'merge' })).toEqual({ merged: false, reason: 'head_moved' });
    expect(await repo.merge(pr.number, { expectHead: head, message: 'feat: m\n\nbody' })).toEqual({ merged: true, commit: head });
    expect(await fake.head('main')).toBe(head);
    expect(await repo.getPr(pr.number)).toMatchObject({ state: 'merged', mergeCommit: head });
    expect(await repo.merge(pr.number, { expectHead: head, message: 'again' })).toEqual({ merged: false, reason: 'not_mergeable' });
    expect(calls('PUT', /\/merge$/)).toBe(3);
  });

  it('updates a stale branch, then merges it; a conflict is an answer', async () => {
    await branchOffMain('bf/ok', { 'ok.yaml': 'ok: 1\n' });
    await branchOffMain('bf/clash', { 'shared.yaml': 'v: theirs\n' });
    const main = await fake.seed('main', { 'shared.yaml': 'v: ours\n' });
    const repo = adapter();
    const ok = await repo.ensurePr({ branch: 'bf/ok', title: 'ok', body: '', labels: [] });
    const updated = await repo.updateBranch(ok.number);
    if (!updated.updated) throw new Error('expected an update');
    expect(updated.head).toBe(await fake.head('bf/ok'));
    expect((await fake.store.readCommit(updated.head))?.parents).toEqual([ok.head, main]);
    expect(await repo.updateBranch(ok.number)).toEqual(updated);
    expect(await repo.merge(ok.number, { expectHead: updated.head, message: 'ok' })).toEqual({ merged: true, commit: updated.head });

    const clash = await repo.ensurePr({ branch: 'bf/clash', title: 'clash', body: '', labels: [] });
    expect(await repo.updateBranch(clash.number)).toEqual({ updated: false, reason: 'conflict' });
  });

  it('closes PRs and sets commit statuses, shortening long descriptions', async () => {
    const head = await branchOffMain('bf/s', { 's.yaml': 's: 1\n' });
    const repo = adapter();
    const pr = await repo.ensurePr({ branch: 'bf/s', title: 't', body: 'b', labels: [] });
    await repo.setStatus(head, { context: 'buckfleet/plan', state: 'success', description: 'x'.repeat(200), targetUrl: 'https://ci.invalid/1' });
    expect(fake.statuses).toEqual([{ sha: head, state: 'success', context: 'buckfleet/plan', description: `${'x'.repeat(139)}…`, targetUrl: 'https://ci.invalid/1' }]);
    await repo.close(pr.number);
    expect((await repo.getPr(pr.number)).state).toBe('closed');
    expect(await repo.listOpen()).toEqual([]);
  });
});

describe('GitHubFleetRepo under failure', () => {
  it('retries a 502 through the retry plugin, and gives up as TransientGitError', async () => {
    const main = await fake.seed('main', { 'fleet.yaml': 'a: 1\n' });
    const repo = adapter();
    fake.failNext(1, { status: 502 });
    expect(await repo.head('main')).toBe(main);
    expect(fake.requests.map((r) => r.status)).toEqual([502, 200]);

    fake.failNext(4, { status: 502 });
    const err: unknown = await repo.head('main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientGitError);
    expect(err).toMatchObject({ context: { op: 'getRef', ref: 'main' } });
    expect((err as Error).message).toMatch(/^GitHub said no to getRef main: 502 Server Error \(request FAKE:\d+\)/);
  });

  it('waits out a 429 Retry-After and a 403 rate-limit reset through the throttling plugin', async () => {
    const main = await fake.seed('main', { 'fleet.yaml': 'a: 1\n' });
    // A "second" of 200 ms: long enough to see the wait, short enough for a unit test.
    const repo = adapter({}, 200);
    fake.failNext(1, { status: 429, retryAfter: 1 });
    const started = Date.now();
    expect(await repo.head('main')).toBe(main);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    fake.failNext(1, { status: 403, rateLimitReset: Math.floor(Date.now() / 1000) + 1 });
    expect(await repo.head('main')).toBe(main);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200, 403, 200]);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'GitHub secondary rate limit' }));
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'GitHub primary rate limit' }));
  });

  it('never lets the token into an error, a log line or a request path', async () => {
    const main = await fake.seed('main', { 'fleet.yaml': 'a: 1\n' });
    const repo = adapter();
    const failures: unknown[] = [];
    const collect = (p: Promise<unknown>) => p.then(() => expect.fail('expected a failure'), (e: unknown) => failures.push(e));
    await collect(repo.getPr(404));
    await collect(repo.commit({ branch: 'main', parent: main, edits: [], message: 'm', expect: 'absent' }));
    await collect(adapter({ token: 'ghs_wrongTokenAlsoSecret' }).head('main'));
    fake.failNext(4, { status: 502 });
    await collect(repo.head('main'));
    await collect(adapter({ baseUrl: 'http://127.0.0.1:9' }).head('main'));
    await collect(repo.read('0'.repeat(40)));

    expect(failures.map((e) => (e as Error).name)).toEqual(['PrNotFoundError', 'RefMovedError', 'GitError', 'TransientGitError', 'TransientGitError', 'GitError']);
    expect((failures[2] as Error).message).toMatch(/401 Bad credentials.*GITHUB_TOKEN/);
    expect((failures[4] as Error).message).toMatch(/^GitHub unreachable during getRef main/);
    const everything = [...failures.map((e) => inspect(e, { depth: 10 })), JSON.stringify(logged), JSON.stringify(fake.requests)].join('\n');
    for (const secret of [fake.token, 'ghs_wrongTokenAlsoSecret', Buffer.from(`x-access-token:${fake.token}`).toString('base64')]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('hands git the token only as an origin-scoped header in env, never in the URL', () => {
    const env = authEnv('https://github.com/acme/fleet.git', 'ghs_secret');
    expect(env).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_0: `Authorization: basic ${Buffer.from('x-access-token:ghs_secret').toString('base64')}`,
    });
    expect(authEnv(`file:///tmp/x.git`, 'ghs_secret')).toEqual({});
    expect(() => authEnv('https://x-access-token:ghs_secret@github.com/acme/fleet.git', 'ghs_secret')).toThrow(/carries credentials/);
    expect(() => authEnv('https://x-access-token:ghs_secret@github.com/acme/fleet.git', 'ghs_secret')).not.toThrow(/ghs_secret/);
  });
});
