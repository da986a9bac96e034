import { performance } from 'node:perf_hooks';
import type { CacheLoadStats, ManifestCache, TreeListing } from './cache.js';
import type { LoadResult } from './index.js';

/** A fleet repo that can list a commit's tree and read blobs by sha (git: `ls-tree`, `cat-file --batch`). */
export interface TreeSource {
  listTree(commit: string): Promise<TreeListing>;
  /** Contents by sha; every sha asked for is in the answer. */
  readBlobs(shas: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

export interface TreeLoadStats extends CacheLoadStats {
  /** Blobs read from git in this load. */
  readonly read: number;
  readonly listMs: number;
  readonly readMs: number;
  readonly validateMs: number;
  /** The same commit as the cache's last load: its result as it was, nothing listed or read. */
  readonly unchanged: boolean;
}

/**
 * Loads the fleet at `commit` reading only the blobs `cache` has not validated before: a pass
 * over an unchanged tree is one `ls-tree` and no `cat-file` at all.
 */
export async function loadTree(cache: ManifestCache, source: TreeSource, commit: string): Promise<{ result: LoadResult; stats: TreeLoadStats }> {
  // A commit never changes: the loop's pass over a main that did not move lists and builds nothing.
  const same = cache.lastLoad(commit);
  if (same !== null) return { result: same.result, stats: { validated: 0, reused: same.manifests, evicted: 0, read: 0, listMs: 0, readMs: 0, validateMs: 0, unchanged: true } };
  const t0 = performance.now();
  const listing = await source.listTree(commit);
  const t1 = performance.now();
  const texts = new Map<string, string>();
  await readMissing(cache, source, listing, texts, commit);
  const t2 = performance.now();
  const { result, stats } = cache.load(listing, texts);
  cache.remember(commit, result, stats.validated + stats.reused, listing);
  const t3 = performance.now();
  return { result, stats: { ...stats, read: texts.size, listMs: t1 - t0, readMs: t2 - t1, validateMs: t3 - t2, unchanged: false } };
}

/**
 * Reads into `texts` every manifest blob of `listing` the cache cannot answer for. Another load
 * on the same cache may evict entries while this one awaits git; whatever went missing meanwhile
 * is read on the next turn. The caller's `load` must follow without an await in between.
 */
export async function readMissing(cache: ManifestCache, source: TreeSource, listing: TreeListing, texts: Map<string, string>, commit: string): Promise<void> {
  for (let need = cache.missing(listing, texts); need.length > 0; need = cache.missing(listing, texts)) {
    const shas = [...new Set(need.map((b) => b.sha))];
    const read = await source.readBlobs(shas);
    const lost = shas.find((sha) => !read.has(sha));
    if (lost !== undefined) throw new Error(`the fleet repo did not return blob ${lost} of ${commit}`);
    for (const [sha, text] of read) texts.set(sha, text);
  }
}
