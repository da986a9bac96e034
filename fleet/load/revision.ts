import { createHash } from 'node:crypto';
import { applyEdits } from '../edits.js';
import type { FleetFiles, FleetSnapshot } from '../model.js';
import type { FileEdit } from '../repo/types.js';
import { ManifestCache, type TreeBlob, type TreeListing } from './cache.js';
import { loadFleet, type LoadResult } from './index.js';
import { loadTree, readAllBlobs, readMissing, type TreeSource } from './load-tree.js';

/** A fleet repo as a loader reads it: any can read a commit; a local one can also list trees and read blobs. */
export type RevisionSource = { read(commit: string): Promise<FleetSnapshot> } & Partial<TreeSource>;

/** One cache per fleet repo object, for as long as the repo is in use (each process keeps its repo). */
const caches = new WeakMap<object, ManifestCache>();

function treeAccess(repo: RevisionSource): { cache: ManifestCache; source: TreeSource } | null {
  const { listTree, streamBlobs } = repo;
  if (!listTree || !streamBlobs) return null;
  const cache = caches.get(repo) ?? new ManifestCache();
  caches.set(repo, cache);
  return { cache, source: { listTree: (c) => listTree.call(repo, c), streamBlobs: (s) => streamBlobs.call(repo, s) } };
}

/**
 * Loads and validates the fleet at `revision`, through the repo's cache when it can list trees
 * (the commit loaded last is not even listed again; after a commit only its changed files are
 * read and validated), else in full. The reconciler, the Stripe inbox, the billing clock and
 * the bot all load main this way: at 10k tenants a full load is seconds, a cached one a fraction.
 */
export async function loadRevision(repo: RevisionSource, revision: string): Promise<LoadResult> {
  const tree = treeAccess(repo);
  if (tree === null) return loadFleet(await repo.read(revision));
  return (await loadTree(tree.cache, tree.source, revision)).result;
}

/**
 * Loads the fleet `revision` would be with `edits` applied, before any commit exists: how a
 * change is checked before it is committed. Through the cache, only the edited files (and any
 * the cache lacks) are validated, with the cross-file rules over the whole tree as always; an
 * edited file's entry is keyed by the blob git will store for it, so the pass after the merge
 * finds it validated.
 */
export async function loadEdited(repo: RevisionSource, revision: string, edits: readonly FileEdit[]): Promise<LoadResult> {
  const tree = treeAccess(repo);
  if (tree === null) return loadFleet(applyEdits(await repo.read(revision), edits));
  const listing = await listingAt(tree, revision);
  const edited = new Map(edits.map((e) => [e.path, e.content]));
  const texts = new Map<string, string>();
  const added: TreeBlob[] = [];
  for (const [path, content] of edited) {
    if (content === null) continue;
    const sha = blobSha(content, listing);
    texts.set(sha, content);
    added.push({ path, sha });
  }
  const after: TreeListing = { blobs: [...listing.blobs.filter((b) => !edited.has(b.path)), ...added], refused: listing.refused };
  return tree.cache.exclusive(async () => {
    await readMissing(tree.cache, tree.source, after, texts, revision);
    return tree.cache.load(after, texts).result;
  });
}

/** The current texts at `revision` of `paths` that exist there: what a change compares its edits with. */
export async function textsAt(repo: RevisionSource, revision: string, paths: readonly string[]): Promise<FleetFiles> {
  const tree = treeAccess(repo);
  if (tree === null) {
    const { files } = await repo.read(revision);
    return new Map(paths.flatMap((p) => (files.has(p) ? [[p, files.get(p) ?? '']] : [])));
  }
  const wanted = new Set(paths);
  const blobs = (await listingAt(tree, revision)).blobs.filter((b) => wanted.has(b.path));
  const read = blobs.length === 0 ? new Map<string, string>() : await readAllBlobs(tree.source, [...new Set(blobs.map((b) => b.sha))]);
  return new Map(
    blobs.map((b) => {
      const text = read.get(b.sha);
      if (text === undefined) throw new Error(`the fleet repo did not return blob ${b.sha} of ${b.path} at ${revision}`);
      return [b.path, text];
    }),
  );
}

/** The tree of `revision`: as the cache's last load listed it when that was this commit (a change built on main), else from git. */
async function listingAt(tree: { cache: ManifestCache; source: TreeSource }, revision: string): Promise<TreeListing> {
  return tree.cache.lastListing(revision) ?? tree.source.listTree(revision);
}

/** The object name git gives a blob of `content` (SHA-256 when the repo's names are that long). */
function blobSha(content: string, listing: TreeListing): string {
  return gitBlobSha(content, listing.blobs.some((b) => b.sha.length === 64) ? 'sha256' : 'sha1');
}

/** `git hash-object` of `content`, as buckfleet writes files (UTF-8, no filters). */
export function gitBlobSha(content: string, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
