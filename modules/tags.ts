import { resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ISOLATED_GIT_ENV } from '../fleet/repo/git/runner.js';

/** One git tag as the catalog needs it: what it points at, when, and its own message. */
export interface TagInfo {
  readonly tag: string;
  /** The commit the tag points at (peeled through an annotated tag). */
  readonly commit: string;
  /** An annotated tag's message (subject and body, no signature); null for a lightweight tag. */
  readonly message: string | null;
  /** When it was released: the tagger date of an annotated tag, else the commit date; ISO UTC. */
  readonly date: string;
}

/** One file of a tree: its path, blob id and size in bytes. */
export interface TreeEntry {
  readonly path: string;
  readonly blob: string;
  readonly size: number;
}

/**
 * The modules repository as the catalog loader reads it: tags, trees at a tag, blobs. A port, so
 * the loader's checks are written once against it; {@link GitTagSource} is the real one. Trees
 * carry blob ids so that "unchanged since that release" is a comparison of ids, not of contents.
 */
export interface TagSource {
  /** Every tag of the repo. */
  tags(): Promise<TagInfo[]>;
  /** Every file under `dir` (recursive) in the tree of `tag`; empty when `dir` is absent. */
  tree(tag: string, dir: string): Promise<TreeEntry[]>;
  /** A blob's text. */
  blob(id: string): Promise<string>;
}

/** The modules repository could not be read at all (not a repository, git failed). */
export class ModuleRepoError extends Error {
  override readonly name = 'ModuleRepoError';
  constructor(
    message: string,
    readonly context: { readonly repo: string; readonly tag?: string; readonly file?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Fields of one tag, NUL-separated; records end with \x01 (%01), which no tag message holds.
const TAG_FORMAT = ['%(refname:strip=2)', '%(objecttype)', '%(objectname)', '%(*objectname)', '%(taggerdate:iso-strict)', '%(committerdate:iso-strict)', '%(contents:subject)', '%(contents:body)'].join('%00') + '%01';

/**
 * Tags and files of a git repository (a checkout or a bare repo) through simple-git. Reads
 * only: `for-each-ref`, `ls-tree`, `cat-file`, so it works on the release workflow's checkout
 * whatever is checked out, and costs one git call per tag and per file read.
 */
export class GitTagSource implements TagSource {
  private readonly git: SimpleGit;
  readonly repo: string;

  constructor(repo: string) {
    this.repo = resolve(repo);
    // simple-git refuses environments with variables that start programs; git needs none of
    // them to read, and the machine's config must not change what a tag means.
    this.git = simpleGit({ baseDir: this.repo, unsafe: { allowUnsafeConfigPaths: true } }).env(readerEnv());
  }

  async tags(): Promise<TagInfo[]> {
    const out = await this.raw(['for-each-ref', `--format=${TAG_FORMAT}`, 'refs/tags'], {});
    return out
      .split('\x01')
      .map((record) => record.replace(/^\n/, ''))
      .filter((record) => record !== '')
      .map((record) => {
        const [tag = '', type = '', object = '', peeled = '', taggerDate = '', commitDate = '', subject = '', body = ''] = record.split('\0');
        const annotated = type === 'tag';
        const message = annotated ? [subject, body].filter((s) => s.trim() !== '').join('\n\n').trim() : null;
        const date = annotated && taggerDate !== '' ? taggerDate : commitDate;
        return { tag, commit: annotated ? peeled : object, message: message === '' ? null : message, date: new Date(date).toISOString() };
      });
  }

  async tree(tag: string, dir: string): Promise<TreeEntry[]> {
    const out = await this.raw(['ls-tree', '-r', '-z', '-l', `refs/tags/${tag}`, '--', `${dir}/`], { tag, file: dir });
    // `<mode> <type> <id> <size>\t<path>`; submodules (type commit) have no blob to read.
    return out.split('\0').flatMap((line) => {
      const m = /^\d+ blob ([0-9a-f]{40,64}) +(\d+)\t(.+)$/s.exec(line);
      return m?.[1] && m[2] && m[3] ? [{ path: m[3], blob: m[1], size: Number(m[2]) }] : [];
    });
  }

  async blob(id: string): Promise<string> {
    return this.raw(['cat-file', 'blob', id], { file: id });
  }

  private async raw(args: string[], at: { tag?: string; file?: string }): Promise<string> {
    try {
      return await this.git.raw(args);
    } catch (error) {
      const why = error instanceof Error ? error.message.trim() : String(error);
      throw new ModuleRepoError(`cannot read the modules repository ${this.repo} (git ${args[0]}): ${why}`, { repo: this.repo, ...at }, { cause: error });
    }
  }
}

function readerEnv(): Record<string, string> {
  const env: Record<string, string> = { ...ISOLATED_GIT_ENV };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'GIT_CONFIG_GLOBAL', 'GIT_EXEC_PATH']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}
