import { GitError, RefMovedError } from '../errors.js';
import type { CommitInput, ExpectRef } from '../types.js';
import type { GitHubApi } from './client.js';
import type { GitHubSaidNo } from './errors.js';
import { assertBranch, assertSha } from './names.js';

/** Where a branch points, from the API; null when it does not exist. */
export async function branchHead(api: GitHubApi, branch: string): Promise<string | null> {
  assertBranch(branch, 'head');
  const res = await api.call(
    { op: 'getRef', ref: branch },
    (o) => o.rest.git.getRef({ ...api.repoParams, ref: `heads/${branch}` }),
    { 404: () => null },
  );
  return res === null ? null : res.data.object.sha;
}

/**
 * A commit through the git data API, so it needs no push and no work tree: a blob per written
 * file, a tree on top of the parent's tree (`sha: null` removes a path), the commit, then the
 * ref move that `expect` guards. Blobs, trees and commits are content-addressed, so a retried
 * request creates nothing twice; only the ref move can conflict.
 */
export async function writeCommit(api: GitHubApi, input: CommitInput): Promise<string> {
  const { branch } = input;
  assertBranch(branch, 'commit');
  assertSha(input.parent, 'commit');
  const seen = new Set<string>();
  for (const e of input.edits) {
    if (seen.has(e.path)) throw new GitError(`commit: ${e.path} is edited twice; pass one edit per path`, { op: 'commit', ref: branch });
    seen.add(e.path);
  }
  const ctx = (op: string) => ({ op, ref: branch });
  const parent = await api.call(ctx('getCommit'), (o) => o.rest.git.getCommit({ ...api.repoParams, commit_sha: input.parent }));
  const entries = await Promise.all(
    input.edits.map(async (e) => {
      const content = e.content;
      if (content === null) return { path: e.path, mode: '100644' as const, type: 'blob' as const, sha: null };
      const blob = await api.call(ctx('createBlob'), (o) => o.rest.git.createBlob({ ...api.repoParams, content, encoding: 'utf-8' }));
      return { path: e.path, mode: '100644' as const, type: 'blob' as const, sha: blob.data.sha };
    }),
  );
  const tree = await api.call(ctx('createTree'), (o) => o.rest.git.createTree({ ...api.repoParams, base_tree: parent.data.tree.sha, tree: entries }));
  const commit = await api.call(ctx('createCommit'), (o) =>
    o.rest.git.createCommit({ ...api.repoParams, message: input.message, tree: tree.data.sha, parents: [input.parent] }),
  );
  await moveBranch(api, branch, commit.data.sha, input.expect, input.parent);
  return commit.data.sha;
}

/**
 * Moves `branch` to `sha` if it is where `expect` says. GitHub has no compare-and-swap on refs,
 * so `{ at }` is checked by reading the ref just before the update; where the new commit is a
 * child of `at`, the update is also fast-forward-only, which closes the window against any
 * writer that moved the branch forward meanwhile.
 */
async function moveBranch(api: GitHubApi, branch: string, sha: string, expect: ExpectRef, parent: string): Promise<void> {
  const ctx = { op: 'updateRef', ref: branch };
  const moved = (why: string) => new RefMovedError(`branch ${branch} ${why}; rebuild the change on its new head`, ctx);
  const refused = (pattern: RegExp, why: string) => (no: GitHubSaidNo) => {
    throw pattern.test(no.message) ? moved(why) : api.fail(no, ctx);
  };
  if (expect === 'absent') {
    await api.call(ctx, (o) => o.rest.git.createRef({ ...api.repoParams, ref: `refs/heads/${branch}`, sha }), {
      422: refused(/already exists/i, 'already exists'),
    });
    return;
  }
  if (expect === 'any') {
    const updated = await api.call(ctx, (o) => o.rest.git.updateRef({ ...api.repoParams, ref: `heads/${branch}`, sha, force: true }), {
      422: (no) => {
        if (/does not exist/i.test(no.message)) return null;
        throw api.fail(no, ctx);
      },
    });
    if (updated === null) {
      await api.call(ctx, (o) => o.rest.git.createRef({ ...api.repoParams, ref: `refs/heads/${branch}`, sha }), {
        422: refused(/already exists/i, 'was created by another writer'),
      });
    }
    return;
  }
  const current = await branchHead(api, branch);
  if (current !== expect.at) throw moved(current === null ? 'no longer exists' : `is at ${current}, not ${expect.at}`);
  await api.call(ctx, (o) => o.rest.git.updateRef({ ...api.repoParams, ref: `heads/${branch}`, sha, force: parent !== expect.at }), {
    422: refused(/fast.?forward/i, 'moved on meanwhile'),
  });
}
