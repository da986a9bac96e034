import { Mutex } from 'async-mutex';
import { classifyPath, type ManifestPath, type PathClass } from '../paths.js';
import { assembleFleet, type LoadResult, type Located, type ValidatedFile, validateFile } from './index.js';

/** One file of a commit's tree, named by its git blob: the same sha is the same bytes. */
export interface TreeBlob {
  readonly path: string;
  readonly sha: string;
}

/** A commit's tree without its contents: what `ls-tree` says, refusals included. */
export interface TreeListing {
  readonly blobs: readonly TreeBlob[];
  /** Paths the reader will not read (symlinks, submodules, oversized files), with the reason. */
  readonly refused: ReadonlyMap<string, string>;
}

/** What one load did, for the benchmark and the logs. */
export interface CacheLoadStats {
  /** Manifests validated from their text in this load. */
  readonly validated: number;
  /** Manifests taken as they were validated in an earlier load. */
  readonly reused: number;
  /** Entries dropped because their blob is no longer at that path. */
  readonly evicted: number;
}

/** A manifest blob that must be validated from its text: where it is says what it must be. */
export interface MissingBlob extends TreeBlob {
  readonly where: ManifestPath;
}

/** A file validated from its text in this load, before {@link ManifestCache.load} assembles the tree. */
export interface CheckedFile {
  readonly sha: string;
  readonly where: ManifestPath;
  readonly result: ValidatedFile;
}

interface Entry {
  readonly sha: string;
  readonly where: ManifestPath;
  readonly located: Located<unknown>;
}

const asManifest = (where: PathClass): ManifestPath | null => (where.kind === 'ignored' || where.kind === 'unexpected' ? null : where);

/**
 * Manifests that validated, by path with their git blob sha, kept across reconcile passes: a pass
 * after a one-file commit validates one file. A blob sha names its content, so an entry whose sha
 * matches can never be stale; the path is part of the key because what a file must be depends on
 * where it is (and each entry points its line numbers at its own file). Only files that validated
 * are kept — a broken file is validated again each time, so its report is always fresh — and
 * each load drops the entries of paths whose blob is no longer in the tree, so the cache never
 * holds more than one tree's manifests.
 *
 * Cached values are frozen: every pass shares them, and a consumer that changed one would change
 * what later passes see.
 */
export class ManifestCache {
  private readonly entries = new Map<string, Entry>();
  private readonly lock = new Mutex();
  private last: { readonly commit: string; readonly result: LoadResult; readonly manifests: number; readonly listing: TreeListing } | null = null;

  /** The result of the last load, if it was of `commit`. */
  lastLoad(commit: string): { readonly result: LoadResult; readonly manifests: number } | null {
    return this.last?.commit === commit ? this.last : null;
  }

  /** The tree listing of the last load, if it was of `commit`: a change built on it need not list it again. */
  lastListing(commit: string): TreeListing | null {
    return this.last?.commit === commit ? this.last.listing : null;
  }

  /** Keeps `result` as the load of `commit` (a commit's tree never changes, so neither does its load). */
  remember(commit: string, result: LoadResult, manifests: number, listing: TreeListing): void {
    this.last = { commit, result, manifests, listing };
  }

  /**
   * Runs `work` (a load: what is missing, read it, {@link load}) when no other load on this cache
   * is running. A load awaits git between finding what the cache lacks and assembling the tree;
   * another load's eviction in between would take away what it counted on.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.runExclusive(work);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The manifest blobs of `listing` that neither the cache nor `texts` (by sha) can answer for.
   * Only paths the cache has no entry for are classified again.
   */
  missing(listing: TreeListing, texts: ReadonlyMap<string, string>): MissingBlob[] {
    const out: MissingBlob[] = [];
    for (const b of listing.blobs) {
      const entry = this.entries.get(b.path);
      if (entry?.sha === b.sha || texts.has(b.sha)) continue;
      const where = entry?.where ?? asManifest(classifyPath(b.path));
      if (where !== null) out.push({ path: b.path, sha: b.sha, where });
    }
    return out;
  }

  /**
   * Validates `blobs` from `texts` (every one must be there), by path: what {@link load} then
   * takes as validated in this load. Keeps nothing by itself, so a load that reads its blobs in
   * batches can check each batch while git reads the next.
   */
  check(blobs: readonly MissingBlob[], texts: ReadonlyMap<string, string>, into: Map<string, CheckedFile>): void {
    for (const blob of blobs) into.set(blob.path, checkOne(blob, texts));
  }

  /**
   * Loads the tree of `listing`: cached manifests as they are, those in `checked` as checked, the
   * others from `texts` (by sha; every blob {@link missing} names must be in one of the two).
   * Then forgets every path whose blob is not in this tree.
   */
  load(
    listing: TreeListing,
    texts: ReadonlyMap<string, string>,
    checked: ReadonlyMap<string, CheckedFile> = new Map(),
  ): { result: LoadResult; stats: CacheLoadStats } {
    const shaOf = new Map<string, string>();
    for (const b of listing.blobs) shaOf.set(b.path, b.sha);
    let validated = 0;
    let reused = 0;
    let evicted = 0;
    const classify = (path: string): PathClass => this.entries.get(path)?.where ?? checked.get(path)?.where ?? classifyPath(path);
    const result = assembleFleet(
      shaOf.keys(),
      listing.refused,
      (path, where) => {
        const sha = shaOf.get(path) ?? '';
        const cached = this.entries.get(path);
        if (cached?.sha === sha) {
          reused++;
          return { ok: true, located: cached.located };
        }
        validated++;
        const early = checked.get(path);
        const done = early?.sha === sha ? early : checkOne({ path, sha, where }, texts);
        if (done.result.ok) {
          // The path's earlier blob, replaced: dropped as if it had left the tree.
          if (cached) evicted++;
          this.entries.set(path, { sha, where, located: done.result.located });
        }
        return done.result;
      },
      classify,
    );
    for (const [path, entry] of this.entries) {
      if (shaOf.get(path) !== entry.sha) {
        this.entries.delete(path);
        evicted++;
      }
    }
    return { result, stats: { validated, reused, evicted } };
  }
}

/** One manifest validated from its text (which must be in `texts`), its value frozen if it validated. */
function checkOne({ path, sha, where }: MissingBlob, texts: ReadonlyMap<string, string>): CheckedFile {
  const text = texts.get(sha);
  if (text === undefined) throw new Error(`internal: blob ${sha} of ${path} was neither cached nor read`);
  const result = validateFile(path, text, where);
  // Frozen in place: the value is this validation's own, nothing else holds it yet.
  if (result.ok) deepFreeze(result.located.value);
  return { sha, where, result };
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  // No Object.values: an array of values per object is 30k manifests' worth of garbage.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) if (Object.hasOwn(record, key)) deepFreeze(record[key]);
  }
  return value;
}
