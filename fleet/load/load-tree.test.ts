import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARED_HOST, validFleetFiles } from '../../test/fleet-fixtures.js';
import { hostFile } from '../paths.js';
import { LocalFleetRepo } from '../repo/local/index.js';
import { ManifestCache, type MissingBlob } from './cache.js';
import { batchBySha, loadTree, type TreeSource } from './load-tree.js';

describe('loadTree through a real git repo', () => {
  let root: string;
  let repo: LocalFleetRepo;
  const blobReads: string[][] = [];
  /** The repo, with every blob read recorded. */
  const source = (): TreeSource => ({
    listTree: (c) => repo.listTree(c),
    readBlobs: (shas) => {
      blobReads.push([...shas]);
      return repo.readBlobs(shas);
    },
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'load-tree-'));
    const files = validFleetFiles();
    files.set('README.md', '# fleet\n');
    repo = await LocalFleetRepo.init(join(root, 'fleet.git'), { initialFiles: files });
    blobReads.length = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads every manifest once, nothing on an unchanged tree, and one blob after a one-file commit', async () => {
    const cache = new ManifestCache();
    const head = (await repo.head('main'))!;
    const manifests = validFleetFiles().size;

    const cold = await loadTree(cache, source(), head);
    expect(cold.result.ok).toBe(true);
    expect(cold.stats).toMatchObject({ validated: manifests, reused: 0, read: manifests });
    // README.md is no manifest: never read.
    expect(blobReads.flat()).toHaveLength(manifests);

    // The same commit again: the last load as it was, not even a listing.
    const warm = await loadTree(cache, source(), head);
    expect(warm.stats).toMatchObject({ validated: 0, reused: manifests, read: 0, unchanged: true });
    expect(blobReads).toHaveLength(1);
    expect(warm.result).toBe(cold.result);

    const path = hostFile(SHARED_HOST);
    const text = (validFleetFiles().get(path) ?? '').replace(/capacity: \d+/, 'capacity: 9');
    const next = await repo.commit({ branch: 'main', parent: head, edits: [{ path, content: text }], message: 'capacity 9\n', expect: { at: head } });
    const after = await loadTree(cache, source(), next);
    expect(after.stats).toMatchObject({ validated: 1, reused: manifests - 1, read: 1, evicted: 1 });
    expect(after.result.ok && after.result.fleet.hosts.get(SHARED_HOST)?.capacity).toBe(9);
    // Back to the first commit: another tree than the last load's, so through the cache (the
    // host file's old blob was evicted: read again), not the memo.
    const back = await loadTree(cache, source(), head);
    expect(back.stats).toMatchObject({ validated: 1, reused: manifests - 1, read: 1, unchanged: false });
    expect(back.result).toEqual(cold.result);
  });

  it('reads blobs by sha exactly as the full read does', async () => {
    const head = (await repo.head('main'))!;
    const { blobs } = await repo.listTree(head);
    const texts = await repo.readBlobs(blobs.map((b) => b.sha));
    const full = await repo.read(head);
    expect(new Map(blobs.map((b) => [b.path, texts.get(b.sha)]))).toEqual(full.files);
    await expect(repo.readBlobs(['not a sha\nHEAD'])).rejects.toThrow(/not a full blob id/);
  });

  it('reads in batches, each validated while the next is read, to the same result; a failed batch fails the load', async () => {
    const head = (await repo.head('main'))!;
    const whole = await loadTree(new ManifestCache(), source(), head);
    const manifests = validFleetFiles().size;
    blobReads.length = 0;
    const batched = await loadTree(new ManifestCache(), source(), head, 2);
    expect(batched.result).toEqual(whole.result);
    expect(batched.stats).toMatchObject({ validated: manifests, reused: 0, read: manifests });
    expect(blobReads).toHaveLength(Math.ceil(manifests / 2));
    expect(blobReads.every((shas) => shas.length <= 2)).toBe(true);

    let calls = 0;
    const failing: TreeSource = {
      listTree: (c) => repo.listTree(c),
      readBlobs: (shas) => (++calls === 2 ? Promise.reject(new Error('git died on batch 2')) : repo.readBlobs(shas)),
    };
    const cache = new ManifestCache();
    await expect(loadTree(cache, failing, head, 2)).rejects.toThrow('git died on batch 2');
    // Nothing of the failed load was kept: the next one validates everything.
    expect(cache.size).toBe(0);
    expect((await loadTree(cache, source(), head)).stats).toMatchObject({ validated: manifests, reused: 0 });
  });
});

describe('batchBySha', () => {
  const blob = (path: string, sha: string): MissingBlob => ({ path, sha, where: { kind: 'host', name: path } });

  it('starts small and grows fourfold up to the largest batch, keeping paths that share a blob together', () => {
    const need = Array.from({ length: 10 }, (_, i) => blob(`h${i}`, `sha${i}`));
    need.push(blob('copy-of-h1', 'sha1'));
    const paths = (batches: MissingBlob[][]) => batches.map((b) => b.map((x) => x.path));
    expect(paths(batchBySha(need, 16, 1))).toEqual([['h0'], ['h1', 'copy-of-h1', 'h2', 'h3', 'h4'], ['h5', 'h6', 'h7', 'h8', 'h9']]);
    expect(batchBySha(need, 2, 512).map((b) => new Set(b.map((x) => x.sha)).size)).toEqual([2, 2, 2, 2, 2]);
    expect(batchBySha([], 4, 1)).toEqual([]);
  });

  it('joins a small last batch to the one before it', () => {
    const need = Array.from({ length: 11 }, (_, i) => blob(`h${i}`, `sha${i}`));
    // Limits 2, then 8: the 9th blob of the second batch would be a batch of one.
    expect(batchBySha(need, 8, 2).map((b) => b.length)).toEqual([2, 9]);
    expect(batchBySha(need.slice(0, 10), 8, 2).map((b) => b.length)).toEqual([2, 8]);
  });
});

describe('loads sharing one cache', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'load-tree-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('run one at a time, so no load evicts what another counted on while it awaits git', async () => {
    const repo = await LocalFleetRepo.init(join(root, 'fleet.git'), { initialFiles: validFleetFiles() });
    const first = (await repo.head('main'))!;
    const path = hostFile(SHARED_HOST);
    const text = (validFleetFiles().get(path) ?? '').replace(/capacity: \d+/, 'capacity: 9');
    const second = await repo.commit({ branch: 'main', parent: first, edits: [{ path, content: text }], message: 'capacity 9\n', expect: { at: first } });
    const events: string[] = [];
    const traced = (name: string): TreeSource => ({
      listTree: async (c) => {
        events.push(`${name} list`);
        return repo.listTree(c);
      },
      readBlobs: async (shas) => {
        events.push(`${name} read`);
        // Slow enough that, without the lock, the other load would run in between.
        await new Promise((r) => setTimeout(r, 20));
        const got = await repo.readBlobs(shas);
        events.push(`${name} read done`);
        return got;
      },
    });
    const cache = new ManifestCache();
    const [a, b] = await Promise.all([loadTree(cache, traced('a'), first, 2), loadTree(cache, traced('b'), second, 2)]);
    expect(a.result.ok && a.result.fleet.hosts.get(SHARED_HOST)?.capacity).not.toBe(9);
    expect(b.result.ok && b.result.fleet.hosts.get(SHARED_HOST)?.capacity).toBe(9);
    // b starts only after a's last read: nothing of the two interleaves.
    const firstOfB = events.indexOf('b list');
    expect(firstOfB).toBe(events.lastIndexOf('a read done') + 1);
    expect(b.stats).toMatchObject({ validated: 1, read: 1 });
  });
});
