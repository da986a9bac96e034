import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARED_HOST, validFleetFiles } from '../../test/fleet-fixtures.js';
import { hostFile } from '../paths.js';
import { LocalFleetRepo } from '../repo/local/index.js';
import { ManifestCache } from './cache.js';
import { loadTree, type TreeSource } from './load-tree.js';

/** `texts` handed out `size` blobs at a time, as a stream from git would. */
function* inChunks(texts: ReadonlyMap<string, string>, size: number): Generator<Map<string, string>> {
  const all = [...texts];
  for (let at = 0; at < all.length; at += size) yield new Map(all.slice(at, at + size));
}

describe('loadTree through a real git repo', () => {
  let root: string;
  let repo: LocalFleetRepo;
  const blobReads: string[][] = [];
  /** The repo, with every blob read recorded. */
  const source = (): TreeSource => ({
    listTree: (c) => repo.listTree(c),
    streamBlobs: (shas) => {
      blobReads.push([...shas]);
      return repo.streamBlobs(shas);
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

  it('validates blobs as they arrive, to the same result; a stream that fails midway fails the load and keeps nothing', async () => {
    const head = (await repo.head('main'))!;
    const whole = await loadTree(new ManifestCache(), source(), head);
    const manifests = validFleetFiles().size;
    const chunks: number[] = [];
    const byTwo: TreeSource = {
      listTree: (c) => repo.listTree(c),
      streamBlobs: async function* (shas) {
        for (const got of inChunks(await repo.readBlobs(shas), 2)) {
          chunks.push(got.size);
          yield got;
        }
      },
    };
    const chunked = await loadTree(new ManifestCache(), byTwo, head);
    expect(chunked.result).toEqual(whole.result);
    expect(chunked.stats).toMatchObject({ validated: manifests, reused: 0, read: manifests });
    expect(chunks).toHaveLength(Math.ceil(manifests / 2));

    const failing: TreeSource = {
      listTree: (c) => repo.listTree(c),
      streamBlobs: async function* (shas) {
        yield* inChunks(new Map([...(await repo.readBlobs(shas))].slice(0, 2)), 2);
        throw new Error('git died after two blobs');
      },
    };
    const cache = new ManifestCache();
    await expect(loadTree(cache, failing, head)).rejects.toThrow('git died after two blobs');
    // Nothing of the failed load was kept: the next one validates everything.
    expect(cache.size).toBe(0);
    expect((await loadTree(cache, source(), head)).stats).toMatchObject({ validated: manifests, reused: 0 });

    // A source that ends early without saying so is a failure too, named by the blob it lacks.
    let asked: readonly string[] = [];
    const short: TreeSource = {
      listTree: (c) => repo.listTree(c),
      streamBlobs: async function* (shas) {
        asked = shas;
        yield* inChunks(new Map([...(await repo.readBlobs(shas))].slice(1)), 8);
      },
    };
    await expect(loadTree(new ManifestCache(), short, head)).rejects.toThrow(/the fleet repo did not return blob [0-9a-f]{40} of /);
    await expect(loadTree(new ManifestCache(), short, head)).rejects.toThrow(`did not return blob ${asked[0]} of ${head}`);
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
      streamBlobs: async function* (shas) {
        events.push(`${name} read`);
        // Slow enough that, without the lock, the other load would run in between.
        await new Promise((r) => setTimeout(r, 20));
        for (const got of inChunks(await repo.readBlobs(shas), 2)) {
          yield got;
          await new Promise((r) => setTimeout(r, 5));
        }
        events.push(`${name} read done`);
      },
    });
    const cache = new ManifestCache();
    const [a, b] = await Promise.all([loadTree(cache, traced('a'), first), loadTree(cache, traced('b'), second)]);
    expect(a.result.ok && a.result.fleet.hosts.get(SHARED_HOST)?.capacity).not.toBe(9);
    expect(b.result.ok && b.result.fleet.hosts.get(SHARED_HOST)?.capacity).toBe(9);
    // b starts only after a's last read: nothing of the two interleaves.
    const firstOfB = events.indexOf('b list');
    expect(firstOfB).toBe(events.lastIndexOf('a read done') + 1);
    expect(b.stats).toMatchObject({ validated: 1, read: 1 });
  });
});
