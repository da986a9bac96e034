import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeModulesRepo, type ModulesRepo, moduleYaml } from '../test/modules-repo.js';
import { formatProblem, InvalidModuleError, loadModuleCatalog, loadModuleRelease, ModuleTagNotFoundError, parseModuleTag } from './catalog.js';
import { changelogSection } from './changelog.js';
import { assertRequiresHold, catalogRequires, RequiresBrokenError } from './requires.js';
import { GitTagSource } from './tags.js';

let repo: ModulesRepo;

beforeEach(async () => {
  repo = await makeModulesRepo();
});
afterEach(async () => {
  await repo.cleanup();
});

const CHANGELOG = `# Changelog

## [Unreleased]

- nothing yet

## [1.1.0] - 2026-03-01

### Added
- /stats for the owner

## [1.0.0]

- first release
`;

/** core 1.0.0 (annotated) and 1.1.0 (lightweight, notes from the changelog), welcome 1.0.0 requiring core. */
async function goodReleases(): Promise<void> {
  await repo.commit({ 'modules/core/module.yaml': moduleYaml('core'), 'modules/core/migrations/1.0.0/001_init.sql': 'create table t (id int);\n' });
  repo.tag('core@1.0.0', 'First release\n\nAnswers /start.');
  await repo.commit({ 'modules/core/migrations/1.1.0/001_stats.sql': 'alter table t add column n int;\n', 'modules/core/CHANGELOG.md': CHANGELOG });
  repo.tag('core@1.1.0');
  await repo.commit({ 'modules/welcome/module.yaml': moduleYaml('welcome', { requires: { core: '>=1.1 <2' } }) });
  repo.tag('welcome@1.0.0', 'Greets new members.');
}

describe('the catalog from git tags', () => {
  it('loads every release tag with its manifest, migrations, notes and date', async () => {
    await goodReleases();
    repo.tag('v3'); // not a module tag: ignored

    const catalog = await loadModuleCatalog(new GitTagSource(repo.dir));

    expect(catalog.problems).toEqual([]);
    expect([...catalog.modules.keys()]).toEqual(['core', 'welcome']);
    const [c100, c110] = catalog.modules.get('core')!;
    expect(c100).toMatchObject({ version: '1.0.0', tag: 'core@1.0.0', image: 'ghcr.io/acme/core:1.0.0', migrations: ['001_init.sql'], notes: 'First release\n\nAnswers /start.' });
    expect(c110).toMatchObject({ version: '1.1.0', migrations: ['001_stats.sql'], notes: '### Added\n- /stats for the owner', releasedAt: '2026-03-01T10:00:00.000Z' });
    expect(c110!.commit).toBe(repo.git('rev-parse', 'core@1.1.0^{commit}').trim());
    expect(catalog.modules.get('welcome')![0]!.manifest.requires).toEqual({ core: '>=1.1 <2' });
  });

  it('reports every invalid tag with its file and reason, and still loads the good ones', async () => {
    await goodReleases();
    // A release that rewrites an applied migration, adds a later version's, and has a bad image.
    await repo.commit({
      'modules/core/module.yaml': moduleYaml('core').replace('ghcr.io/acme/core:{version}', 'ghcr.io/acme/core'),
      'modules/core/migrations/1.0.0/001_init.sql': 'create table t (id bigint);\n',
      'modules/core/migrations/1.3.0/001_future.sql': 'select 1;\n',
      'modules/core/migrations/1.2.0/notes.txt': 'not sql',
    });
    repo.tag('core@1.2.0');
    repo.tag('polls@0.1.0'); // no modules/polls/module.yaml at this commit
    repo.tag('core@v2.0.0');
    await repo.commit({ 'modules/welcome/module.yaml': moduleYaml('welcome', { requires: { core: '>=2 <3', ghost: '^1' } }) });
    repo.tag('welcome@2.0.0');

    const catalog = await loadModuleCatalog(new GitTagSource(repo.dir));

    expect(catalog.problems.map(formatProblem).sort()).toEqual(
      [
        'core@1.2.0: modules/core/module.yaml: image: must contain {version}, e.g. ghcr.io/acme/core:{version}',
        'core@1.2.0: modules/core/migrations/1.2.0/notes.txt: expected modules/core/migrations/<version>/<file>.sql',
        'core@1.2.0: modules/core/migrations/1.3.0: migrations of 1.3.0, later than this release 1.2.0: tag core@1.3.0 with them',
        "core@1.2.0: modules/core/migrations/1.0.0/001_init.sql: changed after its release core@1.0.0: tenants already ran that version's migrations; put new SQL in this release's own folder",
        'core@v2.0.0: core@v2.0.0: "v2.0.0" is not a semantic version such as 1.2.0 (no leading v)',
        'polls@0.1.0: modules/polls/module.yaml: missing: a release tag must point at a commit that has modules/polls/module.yaml',
        'welcome@2.0.0: modules/welcome/module.yaml: requires: core >=2 <3, but no release of core satisfies it (released: 1.0.0, 1.1.0, 1.2.0)',
        'welcome@2.0.0: modules/welcome/module.yaml: requires: ghost ^1, but ghost has no release (no tag ghost@<version>)',
      ].sort(),
    );
    expect(catalog.modules.get('core')!.map((r) => r.version)).toEqual(['1.0.0', '1.1.0']);
    expect(catalog.modules.get('welcome')!.map((r) => r.version)).toEqual(['1.0.0']);
    expect(catalog.modules.has('polls')).toBe(false);
  });

  it('loads one release by name, refuses a missing tag and an invalid one with the reasons', async () => {
    await goodReleases();
    await repo.commit({ 'modules/core/module.yaml': 'name: kore\n' });
    repo.tag('core@1.2.0');
    const source = new GitTagSource(repo.dir);

    expect((await loadModuleRelease(source, 'core', '1.1.0')).notes).toBe('### Added\n- /stats for the owner');
    await expect(loadModuleRelease(source, 'core', '9.9.9')).rejects.toBeInstanceOf(ModuleTagNotFoundError);
    const invalid = await loadModuleRelease(source, 'core', '1.2.0').catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidModuleError);
    expect((invalid as InvalidModuleError).problems.map((p) => p.reason)).toEqual(['title: Invalid input: expected object, received undefined', 'description: Invalid input: expected object, received undefined', 'image: Invalid input: expected string, received undefined']);
    expect((invalid as InvalidModuleError).problems[0]).toMatchObject({ tag: 'core@1.2.0', module: 'core', version: '1.2.0', file: 'modules/core/module.yaml' });
  });

  it('refuses an install or update that breaks a requires range, with the reason', async () => {
    await goodReleases();
    const requiresOf = catalogRequires(await loadModuleCatalog(new GitTagSource(repo.dir)));
    const tenant = { slug: 'alpha-shop', modules: { core: { version: '1.0.0' } } };

    const error = (() => {
      try {
        assertRequiresHold(requiresOf, tenant, 'welcome', '1.0.0');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RequiresBrokenError);
    expect((error as RequiresBrokenError).message).toBe('welcome@1.0.0 cannot go on alpha-shop: welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0');
    expect(() => assertRequiresHold(requiresOf, { ...tenant, modules: { core: { version: '1.1.0' } } }, 'welcome', '1.0.0')).not.toThrow();
    // A downgrade of core under an installed welcome breaks welcome's range the other way round.
    expect(() => assertRequiresHold(requiresOf, { slug: 'b', modules: { core: { version: '1.1.0' }, welcome: { version: '1.0.0' } } }, 'core', '1.0.0')).toThrow(
      'welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0',
    );
  });
});

describe('tags and changelogs (pure)', () => {
  it('parses release tags and says why a tag with @ is not one', () => {
    expect(parseModuleTag('core@1.2.0')).toEqual({ name: 'core', version: '1.2.0' });
    expect(parseModuleTag('scheduled-posts@0.1.0-rc.1')).toEqual({ name: 'scheduled-posts', version: '0.1.0-rc.1' });
    expect(parseModuleTag('v1.2.0')).toBeNull();
    expect(parseModuleTag('Core@1.2.0')).toEqual({ problem: '"Core" is not a module name (2-32 characters of a-z, 0-9 and "-")' });
    expect(parseModuleTag('core@1.2')).toEqual({ problem: '"1.2" is not a semantic version such as 1.2.0 (no leading v)' });
  });

  it('takes one version section of a changelog', () => {
    expect(changelogSection(CHANGELOG, '1.0.0')).toBe('- first release');
    expect(changelogSection(CHANGELOG, '1.1.0')).toBe('### Added\n- /stats for the owner');
    expect(changelogSection('## 2.0.0\n\n## 1.0.0\n- x\n', '2.0.0')).toBeNull();
    expect(changelogSection('### v2.0.0\nbig\n## 1.0.0\n', '2.0.0')).toBe('big');
    expect(changelogSection(CHANGELOG, '1.1')).toBeNull();
    expect(changelogSection('## 1.1.0x\nno\n', '1.1.0')).toBeNull();
  });
});
