import { GitError } from '../errors.js';

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * A full commit id, checked before it reaches a URL or a git argv: an abbreviated or symbolic
 * name would make reads depend on what the mirror happens to hold, and a leading `-` is an option.
 */
export function assertSha(sha: string, op: string): string {
  if (!SHA.test(sha)) throw new GitError(`${op}: "${sha}" is not a full commit sha; pass the 40-hex id that head() or commit() returned`, { op, ref: sha });
  return sha;
}

/** The subset of `git check-ref-format` rules a branch name can break in practice. */
export function assertBranch(branch: string, op: string): string {
  const bad =
    branch === '' ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    /[\0- ~^:?*[\\\x7f]/.test(branch);
  if (bad) throw new GitError(`${op}: "${branch}" is not a valid branch name`, { op, ref: branch });
  return branch;
}
