import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';
import type { CommitInput, ExpectRef, FileEdit } from '../types.js';
import type { GitRunner } from './runner.js';

/** What `update-ref` takes as the old value meaning "the ref must not exist yet". */
export const ZERO_SHA = '0'.repeat(40);

/** A full object name (SHA-1 or SHA-256). Short names and ref names are refused: they could move. */
export const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** An edit git cannot or must not write; names the path so the change can be fixed. */
export class InvalidEditError extends GitError {
  override readonly name = 'InvalidEditError';
  constructor(
    message: string,
    readonly path: string,
    context: { readonly op: string; readonly ref?: string },
  ) {
    super(message, context);
  }
}

/**
 * Writes `input.edits` on top of `input.parent` and moves the branch there with a
 * compare-and-swap, all without a worktree: a throw-away index file is seeded with the parent's
 * tree, the edits are applied to it, and `write-tree` turns it into the new tree.
 *
 * Returns the commit the branch now points to. No empty commits: when the edits leave the
 * parent's tree as it is, no commit is made and the branch is moved to `parent` itself, under
 * the same compare-and-swap (a no-op when it is already there). A caller tells "nothing changed"
 * by the result being `parent`.
 *
 * Every path and the branch name are checked before git is touched; a bad one throws
 * `InvalidEditError` / `GitError` and nothing is written. A lost compare-and-swap throws
 * `RefMovedError`.
 */
export async function writeCommit(git: GitRunner, input: CommitInput): Promise<string> {
  const op = 'commit';
  assertBranchName(input.branch, op);
  assertSha(input.parent, op, input.branch, 'parent');
  if (typeof input.expect === 'object') assertSha(input.expect.at, op, input.branch, 'expected head');
  assertMessage(input.message, op, input.branch);
  assertEdits(input.edits, op, input.branch);

  // Side by side: each git process is mostly its start-up, and a purchase waits for every one.
  const [parentTree, built] = await Promise.allSettled([git.probe(['rev-parse', '--verify', '-q', `${input.parent}^{tree}`]), buildTree(git, input.parent, input.edits)]);
  if (parentTree.status === 'fulfilled' && !parentTree.value.ok) {
    throw new GitError(`parent commit ${input.parent} of ${input.branch} does not exist in the fleet repo`, { op, ref: input.branch });
  }
  if (parentTree.status === 'rejected') throw parentTree.reason;
  if (built.status === 'rejected') throw built.reason;
  const tree = built.value;
  const commit =
    tree === parentTree.value.stdout.toString('utf8').trim()
      ? input.parent
      : (await git.run(['commit-tree', tree, '-p', input.parent, '-F', '-'], { input: input.message })).toString('utf8').trim();
  await moveBranch(git, input.branch, commit, input.expect);
  return commit;
}

/** The first commit of a new repo: `files` as its whole tree, on a branch that must not exist yet. */
export async function writeRootCommit(
  git: GitRunner,
  input: { branch: string; files: ReadonlyMap<string, string>; message: string },
): Promise<string> {
  const op = 'init';
  assertBranchName(input.branch, op);
  assertMessage(input.message, op, input.branch);
  const edits = [...input.files].map(([path, content]) => ({ path, content }));
  assertEdits(edits, op, input.branch);
  const tree = await buildTree(git, null, edits);
  const commit = (await git.run(['commit-tree', tree, '-F', '-'], { input: input.message })).toString('utf8').trim();
  await moveBranch(git, input.branch, commit, 'absent');
  return commit;
}

/**
 * Moves `refs/heads/<branch>` to `to` if it is where `expect` says. A lost race throws
 * `RefMovedError` — unless the branch already is at `to`: then another writer (or an earlier try
 * of this one) did exactly this update, and repeating it is success, not a conflict.
 */
export async function moveBranch(git: GitRunner, branch: string, to: string, expect: ExpectRef): Promise<void> {
  assertBranchName(branch, 'update-ref');
  const ref = `refs/heads/${branch}`;
  const old = expect === 'any' ? [] : expect === 'absent' ? [ZERO_SHA] : [expect.at];
  try {
    await git.run(['update-ref', ref, to, ...old]);
  } catch (error) {
    if (error instanceof RefMovedError && (await branchHead(git, branch)) === to) return;
    throw error instanceof GitError ? withRef(error, branch, `moving ${branch} to ${to}`) : error;
  }
}

/** The same kind of error, now saying which branch it was about; the original stays as `cause`. */
function withRef(error: GitError, ref: string, doing: string): GitError {
  const message = `${error.message} (${doing})`;
  const context = { ...error.context, ref };
  if (error instanceof RefMovedError) return new RefMovedError(message, context, { cause: error });
  if (error instanceof TransientGitError) return new TransientGitError(message, context, { cause: error });
  return new GitError(message, context, { cause: error });
}

/** The commit a branch points to, or null when it does not exist. */
export async function branchHead(git: GitRunner, branch: string): Promise<string | null> {
  assertBranchName(branch, 'rev-parse');
  const r = await git.probe(['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`]);
  return r.ok ? r.stdout.toString('utf8').trim() : null;
}

/**
 * Builds a tree in a private index file, so concurrent writers never share an index (and never
 * contend for `index.lock`). Removals go first, through `--index-info` with mode 0: in a bare
 * repo `update-index --force-remove` refuses to run ("must be run in a work tree"). Additions go
 * through `--add --cacheinfo`, which — unlike `--index-info` — refuses a file/directory clash
 * instead of silently dropping the whole directory the new file replaces.
 */
async function buildTree(git: GitRunner, base: string | null, edits: readonly FileEdit[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'buckfleet-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(dir, 'index') };
    const writes = edits.filter((e): e is FileEdit & { content: string } => e.content !== null);
    // The blobs go into the object store while the index is seeded: neither needs the other.
    // Both settle before either's failure is thrown: `finally` must not remove the blob files
    // while hash-object still reads them.
    const [hashed, seeded] = await Promise.allSettled([
      writes.length > 0 ? hashBlobs(git, dir, writes.map((e) => e.content)) : Promise.resolve([]),
      git.run(base === null ? ['read-tree', '--empty'] : ['read-tree', base], { env }),
    ]);
    if (seeded.status === 'rejected') throw seeded.reason;
    if (hashed.status === 'rejected') throw hashed.reason;
    const shas = hashed.value;
    const removals = edits.filter((e) => e.content === null);
    if (removals.length > 0) {
      const records = removals.map((e) => `0 ${ZERO_SHA}\t${e.path}\0`).join('');
      await git.run(['update-index', '-z', '--index-info'], { env, input: records });
    }
    // In slices: every file is two arguments, and 25k files at once passed the kernel's limit
    // on a command line (E2BIG). Each slice goes into the same index, so a clash with a file of an
    // earlier slice is still refused.
    for (let from = 0; from < writes.length; from += CACHEINFO_PER_CALL) {
      const slice = writes.slice(from, from + CACHEINFO_PER_CALL);
      const cacheinfo = slice.flatMap((e, i) => ['--cacheinfo', `100644,${shas[from + i] ?? ''},${e.path}`]);
      await git.run(['update-index', '--add', ...cacheinfo], { env });
    }
    return (await git.run(['write-tree'], { env })).toString('utf8').trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Files per `update-index --add` call: about 200 KB of arguments with paths of ~80 characters. */
const CACHEINFO_PER_CALL = 2000;

/** Blob files written at once by {@link hashBlobs}. */
const BLOB_WRITERS = 32;

/** Writes blobs in one git call: the contents go to numbered files, never to paths built from edit paths. */
async function hashBlobs(git: GitRunner, dir: string, contents: readonly string[]): Promise<string[]> {
  const files = contents.map((_, i) => join(dir, `blob-${i}`));
  // A few writers at a time: one writeFile per blob all at once ran out of file descriptors
  // (EMFILE) at ~20k files, an init with a whole fleet.
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < contents.length; i = next++) await writeFile(files[i] ?? '', contents[i] ?? '', 'utf8');
  };
  await Promise.all(Array.from({ length: Math.min(BLOB_WRITERS, contents.length) }, writer));
  const out = await git.run(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: files.join('\n') + '\n' });
  const shas = out.toString('utf8').split('\n').filter((l) => l !== '');
  if (shas.length !== contents.length || !shas.every((s) => FULL_SHA.test(s))) {
    throw new GitError(`git hash-object returned ${shas.length} object names for ${contents.length} files`, { op: 'hash-object' });
  }
  return shas;
}

/** Why a branch name is refused, or null: `git check-ref-format --branch` rules, checked without a process. */
export function branchNameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name === 'HEAD' || name === '@') return `"${name}" is reserved by git`;
  // Git would take it, as refs/heads/refs/heads/…, which is never what was meant.
  if (name.startsWith('refs/')) return 'starts with "refs/"; give the short name';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty "/" segment';
  if (name.endsWith('.')) return 'ends with "."';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `segment "${part}" starts with "."`;
    if (part.endsWith('.lock')) return `segment "${part}" ends with ".lock"`;
  }
  return null;
}

export function assertBranchName(branch: string, op: string): void {
  const problem = branchNameProblem(branch);
  if (problem !== null) throw new GitError(`branch name ${JSON.stringify(branch)} ${problem}; use "main" or "bf/<kind>/<subject>"`, { op, ref: branch });
}

/**
 * Why an edit path is refused, or null. A path is POSIX and relative to the repo root: no
 * leading "/", no backslash, no empty, "." or ".." segment, no control character, and never a
 * `.git` segment in any case (git silently skips those, which would lose the edit).
 */
export function editPathProblem(path: string): string | null {
  if (path === '') return 'is empty';
  if (path.startsWith('/')) return 'is absolute; paths are relative to the repo root';
  if (path.includes('\\')) return 'contains a backslash; use "/"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) return 'contains a control character';
  for (const part of path.split('/')) {
    if (part === '') return 'has an empty segment';
    if (part === '.' || part === '..') return `has a "${part}" segment`;
    if (/^\.git[. ]*$/i.test(part)) return 'has a ".git" segment';
  }
  return null;
}

function assertEdits(edits: readonly FileEdit[], op: string, ref: string): void {
  const seen = new Set<string>();
  for (const e of edits) {
    const problem = editPathProblem(e.path);
    if (problem !== null) throw new InvalidEditError(`edit path ${JSON.stringify(e.path)} ${problem}`, e.path, { op, ref });
    if (seen.has(e.path)) throw new InvalidEditError(`edit path ${JSON.stringify(e.path)} appears twice in one commit`, e.path, { op, ref });
    seen.add(e.path);
  }
}

function assertSha(value: string, op: string, ref: string, what: string): void {
  if (!FULL_SHA.test(value)) throw new GitError(`${what} "${value}" of ${ref} is not a full commit id`, { op, ref });
}

function assertMessage(message: string, op: string, ref: string): void {
  if (message.trim() === '') throw new GitError(`commit message for ${ref} is empty`, { op, ref });
}
