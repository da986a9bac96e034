import { performance } from 'node:perf_hooks';
import type { CacheLoadStats, CheckedFile, ManifestCache, MissingBlob, TreeListing } from './cache.js';
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
  readBatch = READ_BATCH,
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
    const { checkMs } = await readMissing(cache, source, listing, texts, commit, checked, readBatch);
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
 * Blobs per `cat-file` at most (~6 MB of output held at once): a cold load of 10k tenants reads
 * ~30k, in six processes. Each spawn costs the event loop ~10 ms at that heap size (the process
 * is forked), so there are few.
 */
export const READ_BATCH = 8192;
/** Blobs in the first `cat-file`: all git does before validation can start. */
const FIRST_BATCH = 512;
/** Git reads blobs four to six times faster than they validate: each batch can be this much larger. */
const BATCH_GROWTH = 4;

/**
 * Reads into `texts` every manifest blob of `listing` the cache cannot answer for, in batches
 * ({@link batchBySha}); with `checked`, each batch is validated into it while git reads the next,
 * so git's time (a core of its own) hides behind validation. The caller holds the cache
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
  readBatch = READ_BATCH,
): Promise<{ checkMs: number }> {
  let checkMs = 0;
  const batches = batchBySha(cache.missing(listing, texts), readBatch);
  const read = async (batch: readonly MissingBlob[]) => {
    const shas = [...new Set(batch.map((b) => b.sha))];
    const got = await source.readBlobs(shas);
    const lost = shas.find((sha) => !got.has(sha));
    if (lost !== undefined) throw new Error(`the fleet repo did not return blob ${lost} of ${commit}`);
    return got;
  };
  if (batches.length === 0) return { checkMs };
  let next = read(batches[0] ?? []);
  for (let i = 0; i < batches.length; i++) {
    const got = await next;
    if (i + 1 < batches.length) {
      next = read(batches[i + 1] ?? []);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      next.catch(() => undefined);
    }
    for (const [sha, text] of got) texts.set(sha, text);
    if (checked) {
      const t = performance.now();
      cache.check(batches[i] ?? [], texts, checked);
      checkMs += performance.now() - t;
    }
  }
  return { checkMs };
}

/**
 * `need` in batches of up to `size` distinct blobs; paths sharing a blob stay in one batch.
 * The first batch is small and each next one {@link BATCH_GROWTH} times larger: validation starts
 * as soon as git has read a few hundred blobs, and git stays a batch ahead. A last batch that
 * would be small (under a quarter of its limit) joins the one before it: a process for a handful
 * of blobs costs more than it saves.
 */
export function batchBySha(need: readonly MissingBlob[], size: number, first = FIRST_BATCH): MissingBlob[][] {
  const bySha = new Map<string, MissingBlob[]>();
  for (const b of need) {
    const same = bySha.get(b.sha);
    if (same) same.push(b);
    else bySha.set(b.sha, [b]);
  }
  const batches: MissingBlob[][] = [];
  let current: MissingBlob[] = [];
  let shas = 0;
  let left = bySha.size;
  let limit = Math.min(first, size);
  for (const group of bySha.values()) {
    current.push(...group);
    left--;
    if (++shas >= limit && (left === 0 || left >= Math.min(limit * BATCH_GROWTH, size) / 4)) {
      batches.push(current);
      current = [];
      shas = 0;
      limit = Math.min(limit * BATCH_GROWTH, size);
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
