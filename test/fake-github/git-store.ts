import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { type GitRunner, gitRunner, ISOLATED_GIT_ENV } from '../../fleet/repo/git/runner.js';

/** One entry of a tree write: a blob at a path, or `sha: null` to remove the path. */
export interface TreeEdit {
  readonly path: string;
  readonly mode: string;
  readonly sha: string | null;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
}

export type MergeResult = { readonly clean: true; readonly tree: string } | { readonly clean: false };

const ZERO = '0'.repeat(40);

/**
 * The fake's git plumbing over a real bare repo, so every sha the fake hands out is one real git
 * would compute. Each call is one git process with an argv array; nothing here is shared with
 * the adapter under test.
 */
export class GitStore {
  readonly git: GitRunner;

  constructor(readonly gitDir: string) {
    this.git = gitRunner(gitDir);
  }

  async writeBlob(content: Buffer): Promise<string> {
    return line(await this.git.run(['hash-object', '-w', '--stdin'], { input: content }));
  }

  /** `git cat-file -t`, or null when the object does not exist (batch-check never fails on a miss). */
  async typeOf(sha: string): Promise<string | null> {
    const out = line(await this.git.run(['cat-file', '--batch-check'], { input: `${sha}\n` }));
    const [, type] = out.split(' ');
    return out.endsWith(' missing') || type === undefined ? null : type;
  }

  /**
   * Builds a tree from `base` plus `edits` in a throwaway index: the index takes nested paths
   * and removals as they come, so the fake needs no tree-walking code of its own.
   */
  async writeTree(base: string | null, edits: readonly TreeEdit[]): Promise<string> {
    const index = join(this.gitDir, `fake-index-${randomUUID()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.git.run(base === null ? ['read-tree', '--empty'] : ['read-tree', base], { env });
      const info = edits.map((e) => (e.sha === null ? `0 ${ZERO}\t${e.path}\0` : `${e.mode} ${e.sha}\t${e.path}\0`)).join('');
      if (info !== '') await this.git.run(['update-index', '-z', '--index-info'], { env, input: info });
      return line(await this.git.run(['write-tree'], { env }));
    } finally {
      await rm(index, { force: true });
    }
  }

  async writeCommit(tree: string, parents: readonly string[], message: string): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    return line(await this.git.run(args, { input: message }));
  }

  async readCommit(sha: string): Promise<CommitInfo | null> {
    if ((await this.typeOf(sha)) !== 'commit') return null;
    const raw = (await this.git.run(['cat-file', 'commit', sha])).toString('utf8');
    const split = raw.indexOf('\n\n');
    const headers = raw.slice(0, split).split('\n');
    const field = (name: string) => headers.filter((h) => h.startsWith(`${name} `)).map((h) => h.slice(name.length + 1));
    return { sha, tree: field('tree')[0] ?? '', parents: field('parent'), message: raw.slice(split + 2) };
  }

  async listTree(tree: string): Promise<{ path: string; mode: string; type: string; sha: string }[]> {
    const out = (await this.git.run(['ls-tree', '-z', tree])).toString('utf8');
    return out
      .split('\0')
      .filter((l) => l !== '')
      .map((l) => {
        const [meta = '', path = ''] = l.split('\t');
        const [mode = '', type = '', sha = ''] = meta.split(' ');
        return { path, mode, type, sha };
      });
  }

  async getRef(branch: string): Promise<string | null> {
    const out = (await this.git.run(['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`])).toString('utf8').trim();
    return out === '' ? null : out;
  }

  /** Compare-and-swap on a branch: `old` null means "must not exist yet". */
  async setRef(branch: string, sha: string, old: string | null): Promise<void> {
    await this.git.run(['update-ref', `refs/heads/${branch}`, sha, old ?? '']);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const r = await this.raw(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (r.exitCode === 0 || r.exitCode === 1) return r.exitCode === 0;
    throw new Error(`git merge-base --is-ancestor ${ancestor} ${descendant} failed (${r.exitCode}): ${r.stderr}`);
  }

  /**
   * Three-way merge without a work tree; exit code 1 means conflicts (the tree is still printed).
   */
  async mergeTrees(ours: string, theirs: string): Promise<MergeResult> {
    const r = await this.raw(['merge-tree', '--write-tree', '--no-messages', ours, theirs]);
    const tree = r.stdout.split('\n')[0] ?? '';
    if (r.exitCode === 0) return { clean: true, tree };
    if (r.exitCode === 1 && /^[0-9a-f]{40}$/.test(tree)) return { clean: false };
    throw new Error(`git merge-tree ${ours} ${theirs} failed (${r.exitCode}): ${r.stderr}`);
  }

  /**
   * For the two commands whose answer is the exit code itself: `GitRunner` folds every non-zero
   * exit into an error, so these go to execa directly (still an argv array, same isolated env).
   */
  private raw(args: readonly string[]) {
    return execa('git', ['--git-dir', this.gitDir, ...args], { env: ISOLATED_GIT_ENV, reject: false });
  }
}

function line(out: Buffer): string {
  return out.toString('utf8').trim();
}
