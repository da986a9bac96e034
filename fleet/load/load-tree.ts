import { performance } from 'node:perf_hooks';
import type { CacheLoadStats, CheckedFile, ManifestCache, MissingBlob, TreeListing } from './cache.js';
import type { LoadResult } from './index.js';

/** A fleet repo that can list a commit's tree and read blobs by sha (git: `ls-tree`, `cat-file --batch`). */
export interface TreeSource {
  listTree(commit: string): Promise<TreeListing>;
  /**
   * Contents by sha, as they are read: each yield some of the blobs asked for, each blob once.
   * A source that ends without every blob asked for has failed.
   */
  streamBlobs(shas: readonly string[]): AsyncIterable<ReadonlyMap<string, string>>;
}

/** Every blob of `shas` from `source`, read at once. */
export async function readAllBlobs(source: TreeSource, shas: readonly string[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for await (const got of source.streamBlobs(shas)) for (const [sha, text] of got) texts.set(sha, text);
  return texts;
}

export interface TreeLoadStats extends CacheLoadStats {
  /** Blobs read from git in this load. */
  readonly read: number;
  /** `ls-tree`. */
  readonly listMs: number;
  /** Reading the missing blobs and validating them, batch by batch: the two overlap. */
  readonly readMs: number;
  /** Of `readMs`, the time spent validating (the rest is waiting for git). */
  readonly checkMs: number;
  /** Putting the tree together: cached manifests, the cross-file rules, the Fleet's maps. */
  readonly assembleMs: number;
  /** The same commit as the cache's last load: its result as it was, nothing listed or read. */
  readonly unchanged: boolean;
}

/**
 * Loads the fleet at `commit` reading only the blobs `cache` has not validated before: a pass
 * over an unchanged tree is one `ls-tree` and no `cat-file` at all.
 */
export async function loadTree(
  cache: ManifestCache,
  source: TreeSource,
  commit: string,
): Promise<{ result: LoadResult; stats: TreeLoadStats }> {
  // A commit never changes: the loop's pass over a main that did not move lists and builds nothing.
  const same = cache.lastLoad(commit);
  if (same !== null) return unchangedLoad(same);
  return cache.exclusive(async () => {
    // Another load may have finished while this one waited for the cache.
    const meanwhile = cache.lastLoad(commit);
    if (meanwhile !== null) return unchangedLoad(meanwhile);
    const t0 = performance.now();
    const listing = await source.listTree(commit);
    const t1 = performance.now();
    const texts = new Map<string, string>();
    const checked = new Map<string, CheckedFile>();
    const { checkMs } = await readMissing(cache, source, listing, texts, commit, checked);
    const t2 = performance.now();
    const { result, stats } = cache.load(listing, texts, checked);
    cache.remember(commit, result, stats.validated + stats.reused, listing);
    const t3 = performance.now();
    return { result, stats: { ...stats, read: texts.size, listMs: t1 - t0, readMs: t2 - t1, checkMs, assembleMs: t3 - t2, unchanged: false } };
  });
}

function unchangedLoad(same: { readonly result: LoadResult; readonly manifests: number }): { result: LoadResult; stats: TreeLoadStats } {
  return { result: same.result, stats: { validated: 0, reused: same.manifests, evicted: 0, read: 0, listMs: 0, readMs: 0, checkMs: 0, assembleMs: 0, unchanged: true } };
}

/**
 * Reads into `texts` every manifest blob of `listing` the cache cannot answer for, in one stream
 * from git; with `checked`, each blob is validated into it as soon as it arrives, so git's time
 * (a core of its own) hides behind validation. The caller holds the cache
 * ({@link ManifestCache.exclusive}) until its `load`: no other load evicts what this one counted
 * on while it awaits git.
 */
export async function readMissing(
  cache: ManifestCache,
  source: TreeSource,
  listing: TreeListing,
  texts: Map<string, string>,
  commit: string,
  checked?: Map<string, CheckedFile>,
): Promise<{ checkMs: number }> {
  let checkMs = 0;
  // Paths that share a blob are validated together, when it comes.
  const bySha = new Map<string, MissingBlob[]>();
  for (const b of cache.missing(listing, texts)) {
    const same = bySha.get(b.sha);
    if (same) same.push(b);
    else bySha.set(b.sha, [b]);
  }
  if (bySha.size === 0) return { checkMs };
  for await (const got of source.streamBlobs([...bySha.keys()])) {
    const t = performance.now();
    for (const [sha, text] of got) {
      texts.set(sha, text);
      const blobs = bySha.get(sha);
      if (checked && blobs) cache.check(blobs, texts, checked);
    }
    checkMs += performance.now() - t;
  }
  for (const sha of bySha.keys()) if (!texts.has(sha)) throw new Error(`the fleet repo did not return blob ${sha} of ${commit}`);
  return { checkMs };
}
