import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../../test/git.js';
import { GitError, RefMovedError } from '../errors.js';
import { MAIN } from '../types.js';
import { LocalFleetRepo } from './index.js';
import { PrNotFoundError } from './prs.js';

const BASE = { 'fleet.yaml': 'name: test\n', 'tenants/a/tenant.yaml': 'slug: a\nplan: basic\n' };

let temp: TempBareRepo;
let repo: LocalFleetRepo;

beforeEach(async () => {
  temp = await makeTempBareRepo(BASE);
  repo = temp.repo;
});
afterEach(() => temp.cleanup());

const mainHead = async (r: LocalFleetRepo = repo) => {
  const head = await r.head(MAIN);
  if (head === null) throw new Error('main is missing');
  return head;
};
const filesOf = async (commit: string, r: LocalFleetRepo = repo) => Object.fromEntries((await r.read(commit)).files);

/** Commits one file to a new branch off the current main and opens its PR. */
async function openChange(branch: string, path: string, content: string, r: LocalFleetRepo = repo) {
  const head = await r.commit({ branch, parent: await mainHead(r), edits: [{ path, content }], message: `change ${branch}`, expect: 'absent' });
  const pr = await r.ensurePr({ branch, title: `Change ${branch}`, body: 'body', labels: ['test'] });
  return { head, pr };
}

describe('init and open', () => {
  it('creates a bare repo whose main holds the initial files', async () => {
    const head = await mainHead();
    expect(await filesOf(head)).toEqual(BASE);
    const bare = await execa('git', ['--git-dir', temp.gitDir, 'rev-parse', '--is-bare-repository']);
    expect(bare.stdout).toBe('true');
    const symbolic = await execa('git', ['--git-dir', temp.gitDir, 'symbolic-ref', 'HEAD']);
    expect(symbolic.stdout).toBe('refs/heads/main');
  });

  it('opens the same repo by path and by file:// URL', async () => {
    for (const location of [temp.gitDir, pathToFileURL(temp.gitDir).href]) {
      const other = await LocalFleetRepo.open(location);
      expect(other.gitDir).toBe(temp.gitDir);
      expect(await other.head(MAIN)).toBe(await mainHead());
    }
  });

  it('refuses to open something that is not a bare repo', async () => {
    const plain = join(temp.gitDir, '..', 'plain');
    await mkdir(plain);
    await expect(LocalFleetRepo.open(plain)).rejects.toThrow(/is not a git repository/);
    await execa('git', ['init', '-q', join(temp.gitDir, '..', 'work')]);
    await expect(LocalFleetRepo.open(join(temp.gitDir, '..', 'work', '.git'))).rejects.toThrow(/not a bare repository/);
  });

  it('refuses to init over an existing folder with content', async () => {
    await expect(LocalFleetRepo.init(temp.gitDir)).rejects.toThrow(/already exists and is not empty/);
  });

  it('reports a missing branch as null and refuses a bad branch name', async () => {
    expect(await repo.head('bf/none')).toBeNull();
    await expect(repo.head('bad..name')).rejects.toThrow(GitError);
  });

  it('refuses to read anything but a full commit id', async () => {
    await expect(repo.read('main')).rejects.toThrow(/not a full commit id/);
  });
});

describe('pull requests', () => {
  it('ensurePr opens one PR per branch and updates it in place', async () => {
    const { head, pr } = await openChange('bf/tenant.create/b', 'tenants/b/tenant.yaml', 'slug: b\n');
    expect(pr).toEqual({
      number: 1,
      branch: 'bf/tenant.create/b',
      title: 'Change bf/tenant.create/b',
      body: 'body',
      labels: ['test'],
      state: 'open',
      head,
      mergeCommit: null,
      url: `local:${temp.gitDir}#1`,
    });
    const again = await repo.ensurePr({ branch: 'bf/tenant.create/b', title: 'New title', body: 'new body', labels: ['a', 'b'] });
    expect(again).toMatchObject({ number: 1, title: 'New title', body: 'new body', labels: ['a', 'b'], state: 'open' });
    expect(await repo.ensurePr({ branch: 'bf/tenant.create/b', title: 'New title', body: 'new body', labels: ['a', 'b'] })).toEqual(again);
    expect((await repo.listOpen()).map((p) => p.number)).toEqual([1]);
    expect(await repo.getPr(1)).toEqual(again);
  });

  it('ensurePr from many instances at once still opens a single PR', async () => {
    const head = await repo.commit({ branch: 'bf/race', parent: await mainHead(), edits: [{ path: 'x', content: 'x' }], message: 'x', expect: 'absent' });
    const instances = await Promise.all(Array.from({ length: 12 }, () => LocalFleetRepo.open(temp.gitDir)));
    const prs = await Promise.all(instances.map((r, i) => r.ensurePr({ branch: 'bf/race', title: `t${i}`, body: '', labels: [] })));
    expect(new Set(prs.map((p) => p.number)).size).toBe(1);
    const open = await repo.listOpen();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ branch: 'bf/race', head });
  });

  it('ensurePr refuses main and a branch that does not exist', async () => {
    await expect(repo.ensurePr({ branch: MAIN, title: 't', body: '', labels: [] })).rejects.toThrow(/its own branch/);
    await expect(repo.ensurePr({ branch: 'bf/nothing', title: 't', body: '', labels: [] })).rejects.toThrow(/does not exist; commit to it/);
  });

  it('getPr throws PrNotFoundError for an unknown number', async () => {
    await expect(repo.getPr(42)).rejects.toBeInstanceOf(PrNotFoundError);
    await expect(repo.getPr(42)).rejects.toThrow(`no pull request #42 in ${temp.gitDir}`);
  });

  it('findPr returns the newest PR of a branch in any state', async () => {
    expect(await repo.findPr('bf/f')).toBeNull();
    const { pr } = await openChange('bf/f', 'f.txt', '1');
    await repo.close(pr.number);
    expect(await repo.findPr('bf/f')).toMatchObject({ number: pr.number, state: 'closed' });
    const reopened = await repo.ensurePr({ branch: 'bf/f', title: 'again', body: '', labels: [] });
    expect(reopened.number).toBe(pr.number + 1);
    expect(await repo.findPr('bf/f')).toMatchObject({ number: reopened.number, state: 'open' });
  });

  it('finds a branch\'s PRs and numbers new ones without reading the other records', async () => {
    const { pr: first } = await openChange('bf/old', 'old.txt', '1');
    // Every other record unreadable: a change's path must not read them (a year of renewals is 100k+ files).
    await writeFile(join(temp.gitDir, 'buckfleet', 'prs', `${first.number}.json`), '{ not json');
    const { pr } = await openChange('bf/new', 'new.txt', '1');
    expect(pr.number).toBe(first.number + 1);
    expect(await repo.findPr('bf/new')).toMatchObject({ number: pr.number, state: 'open' });
    expect(await repo.findPr('bf/never')).toBeNull();
    await expect(repo.listOpen()).rejects.toThrow(/is not valid JSON/); // the open list does read the open ones
  });

  it('indexes the PRs of a repo written before the branch index, once, when opened', async () => {
    const { pr: a } = await openChange('bf/a1', 'a1.txt', '1');
    await repo.close(a.number);
    const again = await repo.ensurePr({ branch: 'bf/a1', title: 'again', body: '', labels: [] });
    const { pr: b } = await openChange('bf/b1', 'b1.txt', '1');
    const prs = join(temp.gitDir, 'buckfleet', 'prs');
    for (const old of ['branches', 'branches-indexed', 'last-number.json']) await rm(join(prs, old), { recursive: true, force: true });
    const reopened = await LocalFleetRepo.open(temp.gitDir);
    expect(await reopened.findPr('bf/a1')).toMatchObject({ number: again.number, state: 'open' });
    expect(await reopened.findPr('bf/b1')).toMatchObject({ number: b.number });
    const { pr: c } = await openChange('bf/c1', 'c1.txt', '1', reopened);
    expect(c.number).toBe(b.number + 1);
    expect((await reopened.listOpen()).map((p) => p.number)).toEqual([again.number, b.number, c.number]);
  });

  it('ensureComment keeps one comment per marker', async () => {
    const { pr } = await openChange('bf/c', 'c.txt', '1');
    await repo.ensureComment(pr.number, 'plan', 'plan v1');
    await repo.ensureComment(pr.number, 'plan', 'plan v1');
    await repo.ensureComment(pr.number, 'status', 'ok');
    await repo.ensureComment(pr.number, 'plan', 'plan v2');
    expect(await repo.comments(pr.number)).toEqual([
      { marker: 'plan', body: 'plan v2' },
      { marker: 'status', body: 'ok' },
    ]);
    await expect(repo.ensureComment(99, 'plan', 'x')).rejects.toBeInstanceOf(PrNotFoundError);
  });

  it('ensureComment from many writers at once loses no comment', async () => {
    const { pr } = await openChange('bf/cc', 'c.txt', '1');
    const instances = await Promise.all(Array.from({ length: 10 }, () => LocalFleetRepo.open(temp.gitDir)));
    await Promise.all(instances.map((r, i) => r.ensureComment(pr.number, `m${i}`, `body ${i}`)));
    expect((await repo.comments(pr.number)).map((c) => c.marker).sort()).toEqual(instances.map((_, i) => `m${i}`).sort());
  });

  it('close keeps the branch and drops the PR from the open list', async () => {
    const { head, pr } = await openChange('bf/close', 'c.txt', '1');
    await repo.close(pr.number);
    await repo.close(pr.number);
    expect(await repo.getPr(pr.number)).toMatchObject({ state: 'closed', head });
    expect(await repo.head('bf/close')).toBe(head);
    expect(await repo.listOpen()).toEqual([]);
    expect(await repo.merge(pr.number, { expectHead: head, message: 'm' })).toEqual({ merged: false, reason: 'not_mergeable' });
  });

  it('recovers a branch whose merged PR still holds the open claim (a crash between the two writes)', async () => {
    const { head, pr } = await openChange('bf/crash', 'c.txt', '1');
    await repo.merge(pr.number, { expectHead: head, message: 'm' });
    // Put the claim back as a crash right before dropping it would have left it.
    const claims = join(temp.gitDir, 'buckfleet', 'prs', 'open');
    const { createHash } = await import('node:crypto');
    const name = `${createHash('sha256').update('bf/crash').digest('hex')}.json`;
    await writeFile(join(claims, name), JSON.stringify({ branch: 'bf/crash', number: pr.number }));
    expect(await repo.listOpen()).toEqual([]);
    const next = await repo.ensurePr({ branch: 'bf/crash', title: 'next', body: '', labels: [] });
    expect(next).toMatchObject({ number: pr.number + 1, state: 'open' });
  });
});

describe('merge', () => {
  it('fast-forwards main to the PR head and marks the PR merged', async () => {
    const { head, pr } = await openChange('bf/m', 'tenants/m/tenant.yaml', 'slug: m\n');
    const outcome = await repo.merge(pr.number, { expectHead: head, message: 'Merge bf/m' });
    expect(outcome).toEqual({ merged: true, commit: head });
    expect(await mainHead()).toBe(head);
    expect(await repo.getPr(pr.number)).toMatchObject({ state: 'merged', mergeCommit: head, head });
    expect(await repo.listOpen()).toEqual([]);
    // Repeating a merge that happened is not an error.
    expect(await repo.merge(pr.number, { expectHead: head, message: 'Merge bf/m' })).toEqual({ merged: true, commit: head });
  });

  it('answers head_moved when the branch is not at expectHead', async () => {
    const { head, pr } = await openChange('bf/h', 'h.txt', '1');
    const moved = await repo.commit({ branch: 'bf/h', parent: head, edits: [{ path: 'h.txt', content: '2' }], message: 'more', expect: { at: head } });
    expect(await repo.merge(pr.number, { expectHead: head, message: 'm' })).toEqual({ merged: false, reason: 'head_moved' });
    expect(await repo.merge(pr.number, { expectHead: moved, message: 'm' })).toEqual({ merged: true, commit: moved });
  });

  it('answers not_mergeable when main moved past the branch base', async () => {
    const one = await openChange('bf/one', 'one.txt', '1');
    const two = await openChange('bf/two', 'two.txt', '2');
    expect(await repo.merge(one.pr.number, { expectHead: one.head, message: 'm' })).toMatchObject({ merged: true });
    expect(await repo.merge(two.pr.number, { expectHead: two.head, message: 'm' })).toEqual({ merged: false, reason: 'not_mergeable' });
    expect(await mainHead()).toBe(one.head);
  });

  it('throws PrNotFoundError for an unknown PR and refuses a short expectHead', async () => {
    await expect(repo.merge(7, { expectHead: 'a'.repeat(40), message: 'm' })).rejects.toBeInstanceOf(PrNotFoundError);
    await expect(repo.merge(7, { expectHead: 'abc', message: 'm' })).rejects.toThrow(/not a full commit id/);
  });
});

describe('updateBranch', () => {
  it('does nothing when main is already in the branch', async () => {
    const { head, pr } = await openChange('bf/u0', 'u.txt', '1');
    expect(await repo.updateBranch(pr.number)).toEqual({ updated: true, head });
  });

  it('merges main into a stale branch, after which the merge fast-forwards with both changes', async () => {
    const one = await openChange('bf/u1', 'tenants/one/tenant.yaml', 'slug: one\n');
    const two = await openChange('bf/u2', 'tenants/two/tenant.yaml', 'slug: two\n');
    await repo.merge(one.pr.number, { expectHead: one.head, message: 'm' });
    const updated = await repo.updateBranch(two.pr.number);
    if (!updated.updated) throw new Error('expected a clean update');
    expect(updated.head).not.toBe(two.head);
    const parents = (await execa('git', ['--git-dir', temp.gitDir, 'rev-list', '--parents', '-n', '1', updated.head])).stdout.split(' ');
    expect(parents).toEqual([updated.head, two.head, one.head]);
    expect((await execa('git', ['--git-dir', temp.gitDir, 'log', '-1', '--format=%s', updated.head])).stdout).toBe('Merge main into bf/u2');
    expect(await repo.merge(two.pr.number, { expectHead: updated.head, message: 'm' })).toEqual({ merged: true, commit: updated.head });
    expect(await filesOf(await mainHead())).toEqual({
      ...BASE,
      'tenants/one/tenant.yaml': 'slug: one\n',
      'tenants/two/tenant.yaml': 'slug: two\n',
    });
  });

  it('reports a conflict and leaves the branch alone', async () => {
    const one = await openChange('bf/k1', 'fleet.yaml', 'name: one\n');
    const two = await openChange('bf/k2', 'fleet.yaml', 'name: two\n');
    await repo.merge(one.pr.number, { expectHead: one.head, message: 'm' });
    expect(await repo.updateBranch(two.pr.number)).toEqual({ updated: false, reason: 'conflict' });
    expect(await repo.head('bf/k2')).toBe(two.head);
  });

  it('refuses a PR that is not open', async () => {
    const { head, pr } = await openChange('bf/done', 'd.txt', '1');
    await repo.merge(pr.number, { expectHead: head, message: 'm' });
    await expect(repo.updateBranch(pr.number)).rejects.toThrow(/is merged; only an open one/);
  });
});

describe('statuses', () => {
  it('keeps the latest status per context', async () => {
    const head = await mainHead();
    await repo.setStatus(head, { context: 'buckfleet/validate', state: 'pending', description: 'validating' });
    await repo.setStatus(head, { context: 'buckfleet/plan', state: 'success', description: 'planned', targetUrl: 'http://x/plan' });
    await repo.setStatus(head, { context: 'buckfleet/validate', state: 'success', description: 'valid' });
    expect(await repo.getStatuses(head)).toEqual([
      { context: 'buckfleet/plan', state: 'success', description: 'planned', targetUrl: 'http://x/plan' },
      { context: 'buckfleet/validate', state: 'success', description: 'valid' },
    ]);
    expect(await repo.getStatuses('b'.repeat(40))).toEqual([]);
  });

  it('refuses a commit that is not in the repo or not a full id', async () => {
    const status = { context: 'c', state: 'success', description: '' } as const;
    await expect(repo.setStatus('c'.repeat(40), status)).rejects.toThrow(/does not exist/);
    await expect(repo.setStatus('../../x', status)).rejects.toThrow(/not a full commit id/);
  });
});

describe('lock contention', () => {
  it('waits for a ref lock held by another git process', async () => {
    const lock = join(temp.gitDir, 'refs', 'heads', 'main.lock');
    await writeFile(lock, '');
    const released = new Promise((resolve) => setTimeout(resolve, 300)).then(() => rm(lock));
    const parent = await mainHead();
    const commit = await repo.commit({ branch: MAIN, parent, edits: [{ path: 'l.txt', content: 'l' }], message: 'l', expect: { at: parent } });
    await released;
    expect(await mainHead()).toBe(commit);
  });

  it('waits for a PR lock held by another buckfleet writer', async () => {
    const { pr } = await openChange('bf/lock', 'l.txt', '1');
    const lock = join(temp.gitDir, 'buckfleet', 'prs', `${pr.number}.json.lock`);
    await writeFile(lock, '12345\n');
    const released = new Promise((resolve) => setTimeout(resolve, 200)).then(() => rm(lock));
    await repo.ensureComment(pr.number, 'm', 'after the lock');
    await released;
    expect(await repo.comments(pr.number)).toEqual([{ marker: 'm', body: 'after the lock' }]);
  });
});

describe('many writers', () => {
  it('20 concurrent commits and 20 racing fast-forward merges all land on main', { timeout: 120_000 }, async () => {
    const N = 20;
    const writers = await Promise.all(Array.from({ length: N }, () => LocalFleetRepo.open(temp.gitDir)));
    const base = await mainHead();
    const changes = await Promise.all(
      writers.map(async (r, i) => {
        const branch = `bf/tenant.create/t${i}`;
        const head = await r.commit({ branch, parent: base, edits: [{ path: `tenants/t${i}/tenant.yaml`, content: `slug: t${i}\n` }], message: `create t${i}`, expect: 'absent' });
        const pr = await r.ensurePr({ branch, title: `create t${i}`, body: '', labels: ['tenant.create'] });
        return { r, pr, head };
      }),
    );
    expect(new Set(changes.map((c) => c.pr.number)).size).toBe(N);

    const rounds = await Promise.all(
      changes.map(async ({ r, pr, head }) => {
        let expectHead = head;
        for (let round = 1; round <= 100; round++) {
          const outcome = await r.merge(pr.number, { expectHead, message: `merge #${pr.number}` });
          if (outcome.merged) return round;
          const updated = await r.updateBranch(pr.number);
          if (!updated.updated) throw new Error(`unexpected conflict on #${pr.number}`);
          expectHead = updated.head;
        }
        throw new Error(`#${pr.number} never merged`);
      }),
    );
    expect(Math.max(...rounds)).toBeGreaterThan(1); // the race really happened

    const files = await filesOf(await mainHead());
    for (let i = 0; i < N; i++) expect(files[`tenants/t${i}/tenant.yaml`]).toBe(`slug: t${i}\n`);
    expect(await repo.listOpen()).toEqual([]);
    const merged = await Promise.all(changes.map(({ pr }) => repo.getPr(pr.number)));
    expect(merged.every((p) => p.state === 'merged')).toBe(true);
    // Every merged head is in main's history.
    const history = new Set((await execa('git', ['--git-dir', temp.gitDir, 'rev-list', MAIN])).stdout.split('\n'));
    expect(merged.every((p) => p.mergeCommit !== null && history.has(p.mergeCommit))).toBe(true);
  });

  it('writers in separate processes land all their changes on main', { timeout: 120_000 }, async () => {
    // Each process opens its own instance, commits 3 changes and merges them, updating on every lost race.
    const script = `
      const { LocalFleetRepo } = await import(process.env.LOCAL_REPO_MODULE);
      const repo = await LocalFleetRepo.open(process.env.GIT_DIR_UNDER_TEST);
      const id = process.env.WRITER_ID;
      for (let k = 0; k < 3; k++) {
        const branch = 'bf/proc/' + id + '-' + k;
        const parent = await repo.head('main');
        let expectHead = await repo.commit({ branch, parent, edits: [{ path: 'p/' + id + '-' + k, content: id }], message: branch, expect: 'absent' });
        const pr = await repo.ensurePr({ branch, title: branch, body: '', labels: [] });
        for (;;) {
          const outcome = await repo.merge(pr.number, { expectHead, message: branch });
          if (outcome.merged) break;
          const updated = await repo.updateBranch(pr.number);
          if (!updated.updated) throw new Error('conflict on ' + branch);
          expectHead = updated.head;
        }
      }`;
    const module = new URL('./index.ts', import.meta.url).href;
    const writers = ['w0', 'w1', 'w2', 'w3'];
    await Promise.all(
      writers.map((id) =>
        execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: { LOCAL_REPO_MODULE: module, GIT_DIR_UNDER_TEST: temp.gitDir, WRITER_ID: id },
        }),
      ),
    );
    const files = await filesOf(await mainHead());
    for (const id of writers) for (let k = 0; k < 3; k++) expect(files[`p/${id}-${k}`]).toBe(id);
    expect(new Set((await Promise.all(writers.flatMap((id) => [0, 1, 2].map((k) => repo.findPr(`bf/proc/${id}-${k}`))))).map((p) => p?.state))).toEqual(
      new Set(['merged']),
    );
  });

  it('two writers racing on one branch: exactly one compare-and-swap wins', async () => {
    const parent = await mainHead();
    const [a, b] = await Promise.all([LocalFleetRepo.open(temp.gitDir), LocalFleetRepo.open(temp.gitDir)]);
    const results = await Promise.allSettled(
      [a, b].map((r, i) => r.commit({ branch: 'bf/same', parent, edits: [{ path: 'who', content: `writer ${i}` }], message: `w${i}`, expect: 'absent' })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(RefMovedError);
  });
});
