import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../../test/git.js';
import { GitError, RefMovedError } from '../errors.js';
import { readTree } from './read.js';
import { type GitRunner, gitRunner } from './runner.js';
import { branchHead, branchNameProblem, editPathProblem, InvalidEditError, writeCommit } from './write.js';

const BASE = { 'fleet.yaml': 'name: test\n', 'tenants/a/tenant.yaml': 'slug: a\n', 'hosts/h1.yaml': 'name: h1\n' };

describe('writeCommit', () => {
  let temp: TempBareRepo;
  let git: GitRunner;
  let main: string;

  beforeEach(async () => {
    temp = await makeTempBareRepo(BASE);
    git = gitRunner(temp.gitDir);
    main = (await branchHead(git, 'main')) ?? '';
  });
  afterEach(() => temp.cleanup());

  const filesAt = async (commit: string) => Object.fromEntries((await readTree(git, commit)).files);

  it('writes edits on top of the parent and reads back equal', async () => {
    const commit = await writeCommit(git, {
      branch: 'bf/tenant.create/b',
      parent: main,
      message: 'feat(tenant): create b\n',
      expect: 'absent',
      edits: [
        { path: 'tenants/b/tenant.yaml', content: 'slug: b\nname: "Bé ✓"\n' },
        { path: 'fleet.yaml', content: 'name: changed\n' },
        { path: 'odd/-dash, comma and space.txt', content: '' },
      ],
    });
    expect(await branchHead(git, 'bf/tenant.create/b')).toBe(commit);
    expect(await branchHead(git, 'main')).toBe(main);
    expect(await filesAt(commit)).toEqual({
      ...BASE,
      'fleet.yaml': 'name: changed\n',
      'tenants/b/tenant.yaml': 'slug: b\nname: "Bé ✓"\n',
      'odd/-dash, comma and space.txt': '',
    });
    const parents = (await git.run(['rev-list', '--parents', '-n', '1', commit])).toString().trim().split(' ');
    expect(parents).toEqual([commit, main]);
    expect((await git.run(['log', '-1', '--format=%B', commit])).toString()).toBe('feat(tenant): create b\n\n');
  });

  it('removes files for null content; removing a missing file changes nothing', async () => {
    const commit = await writeCommit(git, {
      branch: 'main',
      parent: main,
      message: 'remove a',
      expect: { at: main },
      edits: [
        { path: 'tenants/a/tenant.yaml', content: null },
        { path: 'no/such/file.yaml', content: null },
      ],
    });
    expect(await branchHead(git, 'main')).toBe(commit);
    expect(await filesAt(commit)).toEqual({ 'fleet.yaml': BASE['fleet.yaml'], 'hosts/h1.yaml': BASE['hosts/h1.yaml'] });
  });

  it('replaces a removed directory by a file of the same name in one commit', async () => {
    const commit = await writeCommit(git, {
      branch: 'main',
      parent: main,
      message: 'dir to file',
      expect: { at: main },
      edits: [
        { path: 'tenants/a/tenant.yaml', content: null },
        { path: 'tenants/a', content: 'now a file\n' },
      ],
    });
    expect((await filesAt(commit))['tenants/a']).toBe('now a file\n');
  });

  it('refuses a file where a directory still is, instead of dropping the directory', async () => {
    await expect(
      writeCommit(git, { branch: 'main', parent: main, message: 'clash', expect: { at: main }, edits: [{ path: 'tenants', content: 'x' }] }),
    ).rejects.toThrow(GitError);
    expect(await branchHead(git, 'main')).toBe(main);
  });

  it('adds more files than one command line holds (E2BIG before), and refuses a clash across the slices', async () => {
    // 3,000 files under a long folder name: ~2.4 MB of arguments, past Linux's 2 MB for a command line.
    const dir = `tenants/${'d'.repeat(250)}/${'e'.repeat(250)}/${'f'.repeat(250)}`;
    const edits = Array.from({ length: 3000 }, (_, i) => ({ path: `${dir}/f${String(i).padStart(5, '0')}.yaml`, content: `n: ${i}\n` }));
    const commit = await writeCommit(git, { branch: 'bf/many', parent: main, message: 'many', expect: 'absent', edits });
    const files = await filesAt(commit);
    expect(Object.keys(files)).toHaveLength(Object.keys(BASE).length + edits.length);
    expect(files[`${dir}/f02999.yaml`]).toBe('n: 2999\n');
    // A file over a folder whose files went in with an earlier slice.
    const clash = [...edits.slice(0, 2500), { path: dir, content: 'x' }];
    await expect(writeCommit(git, { branch: 'bf/clash', parent: main, message: 'clash', expect: 'absent', edits: clash })).rejects.toThrow(GitError);
    expect(await branchHead(git, 'bf/clash')).toBeNull();
  });

  it('throws RefMovedError when the branch is no longer where expect says', async () => {
    const first = await writeCommit(git, { branch: 'main', parent: main, message: 'one', expect: { at: main }, edits: [{ path: 'a.txt', content: '1' }] });
    const lost = writeCommit(git, { branch: 'main', parent: main, message: 'two', expect: { at: main }, edits: [{ path: 'b.txt', content: '2' }] });
    await expect(lost).rejects.toBeInstanceOf(RefMovedError);
    await expect(lost).rejects.toMatchObject({ context: { op: 'update-ref', ref: 'main' } });
    expect(await branchHead(git, 'main')).toBe(first);
  });

  it("throws RefMovedError for 'absent' when the branch exists", async () => {
    const lost = writeCommit(git, { branch: 'main', parent: main, message: 'x', expect: 'absent', edits: [{ path: 'x', content: 'x' }] });
    await expect(lost).rejects.toBeInstanceOf(RefMovedError);
    expect(await branchHead(git, 'main')).toBe(main);
  });

  it('throws RefMovedError when the expected branch was deleted', async () => {
    const lost = writeCommit(git, { branch: 'bf/gone', parent: main, message: 'x', expect: { at: main }, edits: [{ path: 'x', content: 'x' }] });
    await expect(lost).rejects.toBeInstanceOf(RefMovedError);
    expect(await branchHead(git, 'bf/gone')).toBeNull();
  });

  it("moves the branch wherever it is with 'any'", async () => {
    const side = await writeCommit(git, { branch: 'bf/x', parent: main, message: 'side', expect: 'absent', edits: [{ path: 'x', content: '1' }] });
    const over = await writeCommit(git, { branch: 'bf/x', parent: main, message: 'over', expect: 'any', edits: [{ path: 'y', content: '2' }] });
    expect(over).not.toBe(side);
    expect(await branchHead(git, 'bf/x')).toBe(over);
  });

  it('makes no empty commit: unchanged tree returns the parent and leaves a branch already there alone', async () => {
    const same = await writeCommit(git, {
      branch: 'main',
      parent: main,
      message: 'same content',
      expect: { at: main },
      edits: [{ path: 'fleet.yaml', content: BASE['fleet.yaml'] }],
    });
    expect(same).toBe(main);
    expect(await branchHead(git, 'main')).toBe(main);
    expect((await git.run(['rev-list', '--count', '--all'])).toString().trim()).toBe('1');
  });

  it('points a new branch at the parent when the edits change nothing', async () => {
    const head = await writeCommit(git, { branch: 'bf/noop', parent: main, message: 'noop', expect: 'absent', edits: [] });
    expect(head).toBe(main);
    expect(await branchHead(git, 'bf/noop')).toBe(main);
  });

  it('still honours the compare-and-swap when nothing changed', async () => {
    const other = await writeCommit(git, { branch: 'bf/y', parent: main, message: 'y', expect: 'absent', edits: [{ path: 'y', content: 'y' }] });
    await expect(writeCommit(git, { branch: 'bf/y', parent: main, message: 'noop', expect: 'absent', edits: [] })).rejects.toBeInstanceOf(RefMovedError);
    expect(await branchHead(git, 'bf/y')).toBe(other);
  });

  it('refuses a parent that is not in the repo', async () => {
    const parent = 'f'.repeat(40);
    await expect(writeCommit(git, { branch: 'bf/z', parent, message: 'x', expect: 'absent', edits: [] })).rejects.toThrow(/parent commit f{40} of bf\/z does not exist/);
  });

  const badPaths = ['/etc/passwd', '../outside', 'tenants/../../x', 'a//b', 'a/', '', './a', 'a/./b', 'a\\b', '.git/config', 'x/.GIT/hooks/pre-commit', '.git', 'a\nb', 'a\0b'];
  it.each(badPaths)('refuses the edit path %j, naming it, and writes nothing', async (path) => {
    const attempt = writeCommit(git, {
      branch: 'main',
      parent: main,
      message: 'evil',
      expect: { at: main },
      edits: [
        { path: 'ok.txt', content: 'fine' },
        { path, content: 'x' },
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(InvalidEditError);
    await expect(attempt).rejects.toMatchObject({ path, context: { op: 'commit', ref: 'main' } });
    await expect(attempt).rejects.toThrow(`edit path ${JSON.stringify(path)}`);
    expect(await branchHead(git, 'main')).toBe(main);
  });

  it('refuses the same path twice in one commit', async () => {
    const edits = [
      { path: 'a.txt', content: '1' },
      { path: 'a.txt', content: null },
    ];
    await expect(writeCommit(git, { branch: 'main', parent: main, message: 'x', expect: { at: main }, edits })).rejects.toThrow(/appears twice/);
  });

  it.each([['refs/heads/main'], ['-x'], ['a..b'], ['bf/x.lock'], ['bf/ spaced']])('refuses the branch name %j before touching git', async (branch) => {
    const attempt = writeCommit(git, { branch, parent: main, message: 'x', expect: 'any', edits: [] });
    await expect(attempt).rejects.toThrow(GitError);
    await expect(attempt).rejects.toMatchObject({ context: { ref: branch } });
  });

  it('refuses short or symbolic parents and expected heads', async () => {
    await expect(writeCommit(git, { branch: 'main', parent: 'main', message: 'x', expect: 'any', edits: [] })).rejects.toThrow(/not a full commit id/);
    await expect(writeCommit(git, { branch: 'main', parent: main, message: 'x', expect: { at: main.slice(0, 7) }, edits: [] })).rejects.toThrow(/not a full commit id/);
  });

  it('removes its temporary index folder, on success and on failure', async () => {
    const ownTmp = await mkdtemp(join(tmpdir(), 'buckfleet-tmpdir-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = ownTmp;
    try {
      await writeCommit(git, { branch: 'main', parent: main, message: 'x', expect: { at: main }, edits: [{ path: 'x', content: 'x' }] });
      await expect(writeCommit(git, { branch: 'main', parent: main, message: 'x', expect: { at: main }, edits: [{ path: 'tenants', content: 'x' }] })).rejects.toThrow();
      expect(await readdir(ownTmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(ownTmp, { recursive: true, force: true });
    }
  });
});

describe('branchNameProblem agrees with git check-ref-format --branch', () => {
  const names = [
    'main', 'bf/tenant.create/acme-1a2b3c', 'bf/x', 'feature_1', 'a/b/c', 'v1.2', 'über',
    '', 'HEAD', '-x', '/x', 'x/', 'a//b', 'a..b', 'x.', '.x', 'a/.b', 'x.lock', 'a/b.lock/c',
    'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a@{b', 'a\tb', 'a\x7fb',
  ];
  it.each(names)('%j', async (name) => {
    const git = await execa('git', ['check-ref-format', '--branch', name], { reject: false });
    expect(branchNameProblem(name) === null).toBe(git.exitCode === 0);
  });
});

describe('branchNameProblem is stricter than git where git would surprise', () => {
  it.each([['@'], ['refs/heads/main'], ['refs/x']])('refuses %j', (name) => {
    expect(branchNameProblem(name)).not.toBeNull();
  });
});

describe('editPathProblem', () => {
  it.each([['fleet.yaml'], ['tenants/a/tenant.yaml'], ['.github/workflows/ci.yml'], ['a/.gitkeep'], ['.gitignore']])('accepts %j', (path) => {
    expect(editPathProblem(path)).toBeNull();
  });
});
