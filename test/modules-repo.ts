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

const releaseTenant = (slug: string, owner: number, modules: string) => ({
  [`tenants/${slug}/tenant.yaml`]: `slug: ${slug}
owner: { telegramUserId: ${owner} }
plan: pro
placement: { type: dedicated, region: fra1, size: s-1vcpu-1gb }
modules:
${modules}
createdAt: "2026-01-01T00:00:00Z"
`,
  [`tenants/${slug}/billing.yaml`]: 'status: past_due\npaidThrough: null\n',
});

/**
 * The fleet: alpha, bravo, charlie on the auto channel (charlie also has welcome 1.0.0, which requires core <1.1,
 * so core 1.1.0 would break it), nora and nick on notify; core 1.0.0 and welcome 1.0.0 released.
 */
export function releaseFleetFiles(opts: { admin: number; rollout?: string }): Record<string, string> {
  return {
    'fleet.yaml': `name: acme
plans:
  pro: { title: Pro, price: { amount: 2900, currency: usd }, placement: dedicated }
mergePolicy: { default: review, kinds: { module.update: auto } }
admins: [${opts.admin}]
${opts.rollout ?? ''}`,
    'catalog/core.yaml': `name: core
title: { en: Core, ru: Ядро }
versions:
  "1.0.0": { image: "ghcr.io/acme/core:1.0.0", releasedAt: "2026-01-01T00:00:00Z" }
`,
    'catalog/welcome.yaml': `name: welcome
title: { en: Welcome }
versions:
  "1.0.0": { image: "ghcr.io/acme/welcome:1.0.0", releasedAt: "2026-01-01T00:00:00Z", requires: { core: ">=1.0 <1.1" } }
`,
    ...releaseTenant('alpha', 101, '  core: { version: 1.0.0, channel: auto }'),
    ...releaseTenant('bravo', 102, '  core: { version: 1.0.0, channel: auto }'),
    ...releaseTenant('charlie', 103, '  core: { version: 1.0.0, channel: auto }\n  welcome: { version: 1.0.0, channel: auto }'),
    ...releaseTenant('nora', 201, '  core: { version: 1.0.0 }'),
    ...releaseTenant('nick', 202, '  core: { version: 1.0.0, channel: notify }'),
  };
}

/** core 1.0.0 (annotated "First release") and core 1.1.0 (annotated, with notes) in a modules repo. */
export async function tagCoreReleases(repo: ModulesRepo): Promise<void> {
  await repo.commit({ 'modules/core/module.yaml': moduleYaml('core'), 'modules/core/migrations/1.0.0/001_init.sql': 'create table t (id int);\n' });
  repo.tag('core@1.0.0', 'First release');
  await repo.commit({ 'modules/core/migrations/1.1.0/001_stats.sql': 'alter table t add column n int;\n' });
  repo.tag('core@1.1.0', 'Core 1.1.0\n\n- /stats for the owner');
}
