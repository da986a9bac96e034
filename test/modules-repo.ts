import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real git repository of modules for release tests: commit a tree, tag it like a module
 * developer does (`git tag -a core@1.1.0 -m notes`, or a lightweight tag), and read it back with
 * the catalog loader. Tests run with GIT_CONFIG_GLOBAL=/dev/null (vitest.config.ts).
 */
export interface ModulesRepo {
  readonly dir: string;
  /** Writes (or with `null` removes) files and commits them; returns the commit. */
  commit(files: Readonly<Record<string, string | null>>, message?: string): Promise<string>;
  /** An annotated tag with `message`, or a lightweight tag when message is omitted. */
  tag(name: string, message?: string): void;
  git(...args: string[]): string;
  cleanup(): Promise<void>;
}

export async function makeModulesRepo(): Promise<ModulesRepo> {
  const root = await mkdtemp(join(tmpdir(), 'buckfleet-modules-'));
  const dir = join(root, 'repo');
  await mkdir(dir);
  // Fixed dates keep releasedAt stable between two runs of one test.
  const env = { ...process.env, GIT_AUTHOR_DATE: '2026-03-01T10:00:00Z', GIT_COMMITTER_DATE: '2026-03-01T10:00:00Z' };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@localhost', '-c', 'tag.gpgSign=false', '-c', 'commit.gpgSign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env,
    });
  git('init', '-q', '-b', 'main');
  return {
    dir,
    git,
    async commit(files, message = 'change') {
      for (const [path, content] of Object.entries(files)) {
        if (content === null) await rm(join(dir, path), { force: true });
        else {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    tag(name, message) {
      if (message === undefined) git('tag', name);
      else git('tag', '-a', name, '-m', message);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A module.yaml for tests: `core`-like, with an image that follows the version. */
export function moduleYaml(name: string, opts: { requires?: Record<string, string>; extra?: string } = {}): string {
  const requires = Object.entries(opts.requires ?? {});
  return [
    `name: ${name}`,
    `title: { en: ${name} title, ru: ${name} заголовок }`,
    `description: { en: The ${name} module, ru: Модуль ${name} }`,
    `image: ghcr.io/acme/${name}:{version}`,
    ...(requires.length > 0 ? ['requires:', ...requires.map(([m, r]) => `  ${m}: "${r}"`)] : []),
    ...(opts.extra ? [opts.extra] : []),
    '',
  ].join('\n');
}
