import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFleetRepo } from '../local/index.js';
import { GitError } from '../errors.js';
import { listTree, readBlobHeader, readBlobs } from './read.js';
import { type GitRunner, gitRunner } from './runner.js';

describe('readBlobs, through a real git repo', () => {
  let root: string;
  let repo: LocalFleetRepo;
  const files = new Map([
    ['a.yaml', 'a: 1\n'],
    ['empty.yaml', ''],
    // Bytes that look like a record header, and multi-byte UTF-8 (sizes are bytes, not characters).
    ['tricky.yaml', `x: "${'0'.repeat(40)} blob 5"\ny: Альфа 🛒\n`],
    ['dir/b.yaml', 'b: 2\n'],
  ]);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'git-read-'));
    repo = await LocalFleetRepo.init(join(root, 'fleet.git'), { initialFiles: files });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('cuts every blob out of one cat-file output, byte sizes and all', async () => {
    const head = (await repo.head('main'))!;
    const { blobs } = await repo.listTree(head);
    const texts = await repo.readBlobs([...blobs.map((b) => b.sha), blobs[0]!.sha]);
    expect(new Map(blobs.map((b) => [b.path, texts.get(b.sha)]))).toEqual(files);
  });

  it('cuts records that arrive in pieces, wherever a piece ends', async () => {
    const head = (await repo.head('main'))!;
    const shas = (await repo.listTree(head)).blobs.map((b) => b.sha);
    const whole = await repo.readBlobs(shas);
    const real = gitRunner(repo.gitDir);
    // Pieces of 1 byte end inside every header, every text and every record's last newline; of
    // 41, inside a header whose record (empty.yaml's) ends before a whole header's worth more.
    for (const size of [1, 2, 7, 41, 48, 100, 997]) {
      const pieces: GitRunner = {
        ...real,
        stream: async function* (args, options) {
          for await (const chunk of real.stream(args, options)) for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
        },
      };
      expect(await readBlobs(pieces, shas)).toEqual(whole);
    }
  });

  it('says which blob git stopped before, when its output ends early', async () => {
    const head = (await repo.head('main'))!;
    const shas = (await repo.listTree(head)).blobs.map((b) => b.sha);
    const real = gitRunner(repo.gitDir);
    const cut = (keep: (all: Buffer) => number): GitRunner => ({
      ...real,
      stream: async function* (args, options) {
        const chunks: Buffer[] = [];
        for await (const chunk of real.stream(args, options)) chunks.push(Buffer.from(chunk));
        const all = Buffer.concat(chunks);
        yield all.subarray(0, keep(all));
      },
    });
    // Whole records only: git ended between two of them.
    const firstRecord = (all: Buffer) => {
      const end = all.indexOf(0x0a);
      return end + 1 + Number(all.toString('latin1', 0, end).split(' ')[2]) + 1;
    };
    await expect(readBlobs(cut(firstRecord), shas)).rejects.toThrow(`git cat-file ended after 1 of ${shas.length} blobs, before blob ${shas[1]}`);
    // A record cut in its text: the header git did write is named.
    await expect(readBlobs(cut((all) => all.indexOf(0x0a) + 2), shas)).rejects.toThrow(`git cat-file returned "${shas[0]} blob`);
  });

  it('lists paths with spaces and UTF-8 as they are, and refuses symlinks, submodules and oversized files unread', async () => {
    const git = gitRunner(repo.gitDir);
    const run = async (args: string[], input?: string) => (await git.run(args, input === undefined ? {} : { input })).toString('utf8').trim();
    const small = await run(['hash-object', '-w', '--stdin'], 'a: 1\n');
    const big = await run(['hash-object', '-w', '--stdin'], 'x'.repeat(300 * 1024));
    const commit = await run(['rev-parse', 'refs/heads/main']);
    const tree = await run(
      ['mktree'],
      [
        `100644 blob ${small}\tname with spaces.yaml`,
        `100644 blob ${small}\tÅlesund 🛒.yaml`,
        `120000 blob ${small}\tlink.yaml`,
        `160000 commit ${commit}\tsub`,
        `100644 blob ${big}\tbig.yaml`,
      ].join('\n') + '\n',
    );
    const listed = await listTree(git, await run(['commit-tree', tree, '-m', 'odd']));
    expect(listed.blobs).toEqual([
      { path: 'name with spaces.yaml', sha: small },
      { path: 'Ålesund 🛒.yaml', sha: small },
    ]);
    expect(listed.refused).toEqual(
      new Map([
        ['big.yaml', `file is ${300 * 1024} bytes; a manifest may be at most ${256 * 1024}`],
        ['link.yaml', 'symbolic links are not allowed in a fleet repo'],
        ['sub', 'a commit is not allowed in a fleet repo'],
      ]),
    );
  });

  it('refuses an answer that is not the blob asked for: a tree, or a missing object', async () => {
    const head = (await repo.head('main'))!;
    const git = (args: string[]) => execa('git', ['--git-dir', repo.gitDir, ...args]).then((r) => r.stdout.trim());
    const tree = await git(['rev-parse', `${head}^{tree}`]);
    await expect(repo.readBlobs([tree])).rejects.toThrow(GitError);
    await expect(repo.readBlobs([tree])).rejects.toThrow(`git cat-file returned "${tree} tree`);
    const absent = 'f'.repeat(tree.length);
    await expect(repo.readBlobs([absent])).rejects.toThrow(`git cat-file returned "${absent} missing" for blob ${absent}`);
  });
});

describe('readBlobHeader', () => {
  const sha = 'ab'.repeat(20);
  const read = (text: string, at = 0) => {
    const header = { end: -1, size: -1 };
    return readBlobHeader(Buffer.from(text, 'latin1'), at, sha, header) ? header : null;
  };

  it('reads the size and where the line ends', () => {
    expect(read(`${sha} blob 12\nhello`)).toEqual({ end: 48, size: 12 });
    expect(read(`xx${sha} blob 0\n`, 2)).toEqual({ end: 49, size: 0 });
  });

  it.each([
    ['another object', `${'cd'.repeat(20)} blob 12\n`],
    ['a tree', `${sha} tree 12\n`],
    ['a missing object', `${sha} missing\n`],
    ['no size', `${sha} blob \n`],
    ['a size that is no number', `${sha} blob 1x\n`],
    ['a size of 16 digits', `${sha} blob ${'9'.repeat(16)}\n`],
    ['no line break', `${sha} blob 12`],
    ['a cut header', `${sha} bl`],
    ['nothing', ''],
  ])('refuses %s', (_, text) => {
    expect(read(text)).toBeNull();
  });
});
