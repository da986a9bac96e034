import { randomUUID } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../../test/git.js';
import { processesWith } from '../../../test/hosts/processes.js';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';
import { classifyGitFailure, gitRunner, redactUrls, STREAM_CHUNK } from './runner.js';

const LOCK_BUSY = `fatal: Unable to create '/tmp/r.git/./refs/heads/main.lock': File exists.

Another git process seems to be running in this repository, e.g.
an editor opened by 'git commit'. Please make sure all processes
are terminated then try again.`;

describe('classifyGitFailure', () => {
  // stderr as git 2.39 writes it (captured from real runs), and what the caller must do next.
  const cases: [string, string, typeof GitError][] = [
    [
      'CAS lost: ref moved',
      "fatal: update_ref failed for ref 'refs/heads/main': cannot lock ref 'refs/heads/main': is at 101f5bb56267b5dd3edb2ca5e9805f26f467085a but expected 4bc88571cffca2462e6d87916ca74806738bcf02",
      RefMovedError,
    ],
    ['CAS lost: expected absent', "fatal: update_ref failed for ref 'refs/heads/bf/a': cannot lock ref 'refs/heads/bf/a': reference already exists", RefMovedError],
    ['CAS lost: ref deleted', "fatal: update_ref failed for ref 'refs/heads/x': cannot lock ref 'refs/heads/x': unable to resolve reference 'refs/heads/x'", RefMovedError],
    ['CAS lost: newer git wording', "fatal: cannot lock ref 'refs/heads/x': reference is missing but expected 4bc88571cffca2462e6d87916ca74806738bcf02", RefMovedError],
    ['ref lock busy', `fatal: update_ref failed for ref 'refs/heads/main': cannot lock ref 'refs/heads/main': ${LOCK_BUSY.slice(7)}`, TransientGitError],
    ['index lock busy', "fatal: Unable to create '/tmp/x/index.lock': File exists.", TransientGitError],
    ['packed-refs lock busy', "error: Unable to create '/tmp/r.git/packed-refs.lock': File exists.", TransientGitError],
    ['config lock busy', 'error: could not lock config file /tmp/r.git/config: File exists', TransientGitError],
    ['network', 'fatal: unable to access \'https://github.com/o/r/\': Could not resolve host: github.com', TransientGitError],
    ['server error', 'error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502', TransientGitError],
    ['file/directory clash is permanent', "fatal: cannot lock ref 'refs/heads/a/b': 'refs/heads/a' exists; cannot create 'refs/heads/a/b'", GitError],
    ['bad object', 'fatal: Not a valid object name deadbeef', GitError],
    ['no output', '', GitError],
  ];

  it.each(cases)('%s', (_name, stderr, kind) => {
    const error = classifyGitFailure('update-ref', stderr);
    expect(error.constructor).toBe(kind);
    expect(error.context.op).toBe('update-ref');
    expect(error.message).toMatch(/^git update-ref failed: /);
  });

  it('puts the first non-empty line in the message and the redacted stderr in the context', () => {
    const error = classifyGitFailure('fetch', "\nfatal: unable to access 'https://x-access-token:ghs_secret@github.com/o/r/': RPC failed");
    expect(error.message).toBe("git fetch failed: fatal: unable to access 'https://[REDACTED]@github.com/o/r/': RPC failed");
    expect(error.context.stderr).not.toContain('ghs_secret');
    expect(error).toBeInstanceOf(TransientGitError);
  });
});

describe('redactUrls', () => {
  const cases: [string, string][] = [
    ['https://user:pass@github.com/o/r.git', 'https://[REDACTED]@github.com/o/r.git'],
    ['https://token@github.com/o/r', 'https://[REDACTED]@github.com/o/r'],
    ['https://u:p@ss@host/r', 'https://[REDACTED]@host/r'],
    ['ssh://git@host:22/r.git', 'ssh://[REDACTED]@host:22/r.git'],
    ["'https://host/r.git?access_token=abc&x=1': 403", "'https://host/r.git?[REDACTED]': 403"],
    ['https://a:b@host/p?t=1 and http://c@d/e', 'https://[REDACTED]@host/p?[REDACTED] and http://[REDACTED]@d/e'],
    ['https://github.com/o/r.git', 'https://github.com/o/r.git'],
    ['mail user@example.com, path /tmp/a@b', 'mail user@example.com, path /tmp/a@b'],
    ['file:///srv/fleet.git', 'file:///srv/fleet.git'],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(redactUrls(input)).toBe(expected);
  });
});

describe('gitRunner against a real repo (git 2.39 wording)', () => {
  let temp: TempBareRepo;
  beforeEach(async () => {
    temp = await makeTempBareRepo({ 'a.txt': 'a' });
  });
  afterEach(() => temp.cleanup());

  const head = async () => (await gitRunner(temp.gitDir).run(['rev-parse', 'refs/heads/main'])).toString().trim();

  it('classifies lost compare-and-swaps as RefMovedError', async () => {
    const git = gitRunner(temp.gitDir);
    const main = await head();
    const tree = (await git.run(['rev-parse', `${main}^{tree}`])).toString().trim();
    const next = (await git.run(['commit-tree', tree, '-p', main, '-m', 'next'])).toString().trim();
    await expect(git.run(['update-ref', 'refs/heads/main', next, next])).rejects.toBeInstanceOf(RefMovedError);
    await expect(git.run(['update-ref', 'refs/heads/main', next, '0'.repeat(40)])).rejects.toBeInstanceOf(RefMovedError);
    await expect(git.run(['update-ref', 'refs/heads/gone', next, main])).rejects.toBeInstanceOf(RefMovedError);
  });

  it('classifies a held ref lock as TransientGitError', async () => {
    const git = gitRunner(temp.gitDir);
    const main = await head();
    await writeFile(join(temp.gitDir, 'refs', 'heads', 'main.lock'), '');
    await expect(git.run(['update-ref', 'refs/heads/main', main, main])).rejects.toBeInstanceOf(TransientGitError);
  });

  it('probe answers exit 1 as ok: false and throws for real failures', async () => {
    const git = gitRunner(temp.gitDir);
    const main = await head();
    expect(await git.probe(['rev-parse', '--verify', '-q', 'refs/heads/none'])).toMatchObject({ ok: false });
    expect((await git.probe(['rev-parse', '--verify', '-q', 'refs/heads/main'])).stdout.toString().trim()).toBe(main);
    await expect(git.probe(['merge-base', '--is-ancestor', 'f'.repeat(40), main])).rejects.toThrow(/Not a valid commit name/);
  });

  it('largeOutput: git reads its input from a file and writes its output to one, with the same bytes as through pipes, and leaves no file behind', async () => {
    const git = gitRunner(temp.gitDir);
    const blob = (await git.run(['hash-object', '-w', '--stdin'], { input: 'x'.repeat(20_000) })).toString().trim();
    const aTxt = (await git.run(['rev-parse', 'refs/heads/main:a.txt'])).toString().trim();
    // 2,000 lines of input: far more than a pipe holds before someone reads it.
    const input = `${Array.from({ length: 1000 }, () => `${blob}\n${aTxt}`).join('\n')}\n`;
    const before = await spillFiles();
    const piped = await git.run(['cat-file', '--batch'], { input });
    const spilled = await git.run(['cat-file', '--batch', '--buffer'], { input, largeOutput: true });
    expect(spilled.length).toBeGreaterThan(20_000 * 1000);
    expect(spilled.equals(piped)).toBe(true);
    expect(await spillFiles()).toEqual(before);
  });

  it('stream: the same bytes as a run, in chunks while git writes them; a consumer that stops early leaves no git running', async () => {
    const git = gitRunner(temp.gitDir);
    const blob = (await git.run(['hash-object', '-w', '--stdin'], { input: 'y'.repeat(50_000) })).toString().trim();
    // 100 answers of 50 KB: several chunks' worth.
    const input = `${Array.from({ length: 100 }, () => blob).join('\n')}\n`;
    const whole = await git.run(['cat-file', '--batch', '--buffer'], { input, largeOutput: true });
    const before = await spillFiles();
    const chunks: Buffer[] = [];
    // Copied: the stream reuses its buffers.
    for await (const chunk of git.stream(['cat-file', '--batch', '--buffer'], { input })) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).equals(whole)).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(whole.length / STREAM_CHUNK));
    expect(chunks.every((c) => c.length > 0 && c.length <= STREAM_CHUNK)).toBe(true);

    // Stopping after the first chunk of a 200 MB answer: git, still writing then (found by a
    // marker in its command line), is gone once the loop has ended.
    const marker = `buckfleet.stream=${randomUUID()}`;
    const many = `${Array.from({ length: 4000 }, () => blob).join('\n')}\n`;
    let taken = 0;
    let runningThen: number[] = [];
    for await (const chunk of git.stream(['-c', marker, 'cat-file', '--batch'], { input: many })) {
      taken += chunk.length;
      runningThen = processesWith(marker);
      break;
    }
    expect(taken).toBeGreaterThan(0);
    expect(runningThen).toHaveLength(1);
    expect(processesWith(marker)).toEqual([]);
    expect(await spillFiles()).toEqual(before);
  });

  it('stream: a failure is classified from stderr after the output before it', async () => {
    const git = gitRunner(temp.gitDir);
    const drain = async (args: string[]) => {
      const chunks: Buffer[] = [];
      for await (const chunk of git.stream(args)) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks);
    };
    await expect(drain(['ls-tree', '-r', 'f'.repeat(40)])).rejects.toThrow(/git ls-tree failed: fatal: not a tree object/);
    await expect(drain(['rev-parse', '--verify', 'refs/heads/none'])).rejects.toBeInstanceOf(GitError);
    expect((await drain(['rev-parse', 'refs/heads/main'])).toString()).toMatch(/^[0-9a-f]{40}\n$/);
  });

  it('says git could not start when the spawn fails (an argument past the kernel limit), as a GitError', async () => {
    const git = gitRunner(temp.gitDir);
    const failed = git.run(['rev-parse', 'x'.repeat(200_000)]);
    await expect(failed).rejects.toBeInstanceOf(GitError);
    await expect(failed).rejects.toThrow(/^git rev-parse could not start: .*E2BIG/);
    // The cause, not the command line with its 200 KB argument.
    expect(((await failed.catch((e: unknown) => e)) as Error).message.length).toBeLessThan(200);
  });

  it('largeOutput: a failure is classified from stderr as through pipes', async () => {
    const git = gitRunner(temp.gitDir);
    await expect(git.run(['ls-tree', '-r', 'f'.repeat(40)], { largeOutput: true })).rejects.toThrow(/git ls-tree failed: fatal: not a tree object/);
    expect((await git.probe(['rev-parse', '--verify', '-q', 'refs/heads/none'], { largeOutput: true })).ok).toBe(false);
  });
});

/** The runner's temp files: unlinked as soon as they are open, so none is ever seen by name. */
async function spillFiles(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith('buckfleet-git-'));
}

