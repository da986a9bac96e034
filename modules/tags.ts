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

/**
 * The modules repository as the catalog loader reads it: tags, and files at a tag. A port, so the
 * loader's checks are written once against it; {@link GitTagSource} is the real one.
 */
export interface TagSource {
  /** Every tag of the repo. */
  tags(): Promise<TagInfo[]>;
  /** Every file path under `dir` (recursive) in the tree of `tag`; empty when `dir` is absent. */
  files(tag: string, dir: string): Promise<string[]>;
  /** A file's text at `tag`, or null when the tree has no such file. */
  read(tag: string, path: string): Promise<string | null>;
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
 * whatever is checked out.
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

  async files(tag: string, dir: string): Promise<string[]> {
    const out = await this.raw(['ls-tree', '-r', '-z', '--name-only', `refs/tags/${tag}`, '--', `${dir}/`], { tag, file: dir });
    return out.split('\0').filter((p) => p !== '');
  }

  async read(tag: string, path: string): Promise<string | null> {
    const spec = `refs/tags/${tag}:${path}`;
    // cat-file -e answers "absent" by its exit code; anything else wrong fails the show below.
    try {
      await this.git.raw(['cat-file', '-e', spec]);
    } catch {
      return null;
    }
    return this.raw(['cat-file', 'blob', spec], { tag, file: path });
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
