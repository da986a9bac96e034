import { classifyPath } from '../paths.js';
import { assembleFleet, type LoadResult, type Located, validateFile } from './index.js';

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

/** Only these paths are read and validated; the rest of a fleet repo is never looked at. */
const isManifest = (path: string): boolean => {
  const kind = classifyPath(path).kind;
  return kind !== 'ignored' && kind !== 'unexpected';
};

const keyOf = (b: TreeBlob): string => `${b.sha}\0${b.path}`;

/**
 * Manifests that validated, by path and git blob sha, kept across reconcile passes: a pass after a
 * one-file commit validates one file. A blob sha names its content, so an entry can never be
 * stale; the path is part of the key because what a file must be depends on where it is (and each
 * entry points its line numbers at its own file). Only files that validated are kept — a broken
 * file is validated again each time, so its report is always fresh — and each load drops the
 * entries of blobs no longer in the tree, so the cache never holds more than one tree's manifests.
 *
 * Cached values are frozen: every pass shares them, and a consumer that changed one would change
 * what later passes see.
 */
export class ManifestCache {
  private readonly entries = new Map<string, Located<unknown>>();
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

  get size(): number {
    return this.entries.size;
  }

  /** The manifest blobs of `listing` that neither the cache nor `texts` (by sha) can answer for. */
  missing(listing: TreeListing, texts: ReadonlyMap<string, string>): TreeBlob[] {
    return listing.blobs.filter((b) => isManifest(b.path) && !this.entries.has(keyOf(b)) && !texts.has(b.sha));
  }

  /**
   * Loads the tree of `listing`: cached manifests as they are, the others from `texts` (by sha;
   * every blob {@link missing} names must be there). Then forgets every blob not in this tree.
   */
  load(listing: TreeListing, texts: ReadonlyMap<string, string>): { result: LoadResult; stats: CacheLoadStats } {
    const shaOf = new Map(listing.blobs.map((b) => [b.path, b.sha]));
    const current = new Set<string>();
    let validated = 0;
    let reused = 0;
    const result = assembleFleet(shaOf.keys(), listing.refused, (file, where) => {
      const key = keyOf({ path: file, sha: shaOf.get(file) ?? '' });
      current.add(key);
      const cached = this.entries.get(key);
      if (cached) {
        reused++;
        return { ok: true, located: cached };
      }
      const text = texts.get(shaOf.get(file) ?? '');
      if (text === undefined) throw new Error(`internal: blob ${shaOf.get(file) ?? '?'} of ${file} was neither cached nor read`);
      validated++;
      const checked = validateFile(file, text, where);
      if (checked.ok) this.entries.set(key, { ...checked.located, value: deepFreeze(checked.located.value) });
      return checked.ok ? { ok: true, located: this.entries.get(key) ?? checked.located } : checked;
    });
    let evicted = 0;
    for (const key of this.entries.keys()) {
      if (!current.has(key)) {
        this.entries.delete(key);
        evicted++;
      }
    }
    return { result, stats: { validated, reused, evicted } };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
