import type { FleetSnapshot } from '../model.js';
import { ManifestCache } from './cache.js';
import { loadFleet, type LoadResult } from './index.js';
import { loadTree, type TreeSource } from './load-tree.js';

/** A fleet repo as a loader reads it: any can read a commit; a local one can also list trees and read blobs. */
export type RevisionSource = { read(commit: string): Promise<FleetSnapshot> } & Partial<TreeSource>;

/** One cache per fleet repo object, for as long as the repo is in use (each process keeps its repo). */
const caches = new WeakMap<object, ManifestCache>();

/**
 * Loads and validates the fleet at `revision`, through the repo's cache when it can list trees
 * (the commit loaded last is not even listed again; after a commit only its changed files are
 * read and validated), else in full. The reconciler, the Stripe inbox, the billing clock and
 * the bot all load main this way: at 10k tenants a full load is seconds, a cached one a fraction.
 */
export async function loadRevision(repo: RevisionSource, revision: string): Promise<LoadResult> {
  const { listTree, readBlobs } = repo;
  if (!listTree || !readBlobs) return loadFleet(await repo.read(revision));
  const cache = caches.get(repo) ?? new ManifestCache();
  caches.set(repo, cache);
  const source: TreeSource = { listTree: (c) => listTree.call(repo, c), readBlobs: (s) => readBlobs.call(repo, s) };
  return (await loadTree(cache, source, revision)).result;
}
