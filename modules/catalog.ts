import semver from 'semver';
import { parse } from 'yaml';
import { ImageRef, ModuleName } from '../fleet/schema/index.js';
import { changelogSection } from './changelog.js';
import { ModuleManifest } from './schema.js';
import type { TagInfo, TagSource, TreeEntry } from './tags.js';

/**
 * The module catalog from git tags: a tag `<name>@<semver>` is a release, and what
 * `modules/<name>/` holds at that tag is what was released. Every tag is checked on its own
 * (module.yaml, migrations, requires); a bad tag is reported with its file and reason and the
 * others still load, so one broken release never hides the rest.
 */

/** One released version, as read and checked at its tag. */
export interface ReleasedModule {
  readonly name: string;
  readonly version: string;
  readonly tag: string;
  readonly commit: string;
  /** ISO UTC: the tagger date of an annotated tag, else the commit date. */
  readonly releasedAt: string;
  readonly manifest: ModuleManifest;
  /** The image of this version: module.yaml's `image` with `{version}` filled in. */
  readonly image: string;
  /** The SQL files this version adds, `migrations/<version>/<file>.sql`, in the order they run. */
  readonly migrations: readonly string[];
  /** The annotated tag's message, else the version's section of CHANGELOG.md; null when neither. */
  readonly notes: string | null;
}

/** What is wrong with one tag, and where. */
export interface ModuleProblem {
  readonly tag: string;
  readonly module: string;
  /** Null when the tag's version is not a semantic version. */
  readonly version: string | null;
  /** Repo path the problem is in (the tag itself when it is the name that is wrong). */
  readonly file: string;
  readonly reason: string;
}

export interface ModuleCatalog {
  /** Valid releases per module, oldest first; modules in name order. */
  readonly modules: ReadonlyMap<string, readonly ReleasedModule[]>;
  readonly problems: readonly ModuleProblem[];
}

/** A release that cannot be used; lists every problem of its tag. */
export class InvalidModuleError extends Error {
  override readonly name = 'InvalidModuleError';
  constructor(
    readonly tag: string,
    readonly problems: readonly ModuleProblem[],
  ) {
    super(`${tag} is not a valid release:\n${problems.map(formatProblem).join('\n')}`);
  }
}

/** `buckfleet release` was asked for a tag the repository does not have. */
export class ModuleTagNotFoundError extends Error {
  override readonly name = 'ModuleTagNotFoundError';
  constructor(
    readonly tag: string,
    readonly repo: string,
  ) {
    super(`there is no tag ${tag} in ${repo}; create it with \`git tag -a ${tag} -m "<release notes>"\` and push it`);
  }
}

export const formatProblem = (p: ModuleProblem): string => `${p.tag}: ${p.file}: ${p.reason}`;

export const moduleDir = (name: string) => `modules/${name}`;
export const manifestPath = (name: string) => `${moduleDir(name)}/module.yaml`;
export const changelogPath = (name: string) => `${moduleDir(name)}/CHANGELOG.md`;
const migrationsDir = (name: string) => `${moduleDir(name)}/migrations`;
const MIGRATION_FILE = /^[A-Za-z0-9_.-]+\.sql$/;

export type ParsedTag = { readonly name: string; readonly version: string } | { readonly problem: string };

/** `core@1.2.0` → name and version; a tag with `@` that is not a release tag says why; others are not ours (null). */
export function parseModuleTag(tag: string): ParsedTag | null {
  const at = tag.lastIndexOf('@');
  if (at <= 0) return null;
  const name = tag.slice(0, at);
  const version = tag.slice(at + 1);
  if (!ModuleName.safeParse(name).success) return { problem: `"${name}" is not a module name (2-32 characters of a-z, 0-9 and "-")` };
  if (semver.valid(version) !== version) return { problem: `"${version}" is not a semantic version such as 1.2.0 (no leading v)` };
  return { name, version };
}

/** Every release tag of the repository, checked. */
export async function loadModuleCatalog(uncached: TagSource): Promise<ModuleCatalog> {
  const source = cachedTrees(uncached);
  const tags = await source.tags();
  const known = releaseTags(tags);
  const problems: ModuleProblem[] = [];
  const modules = new Map<string, ReleasedModule[]>();
  for (const info of tags) {
    const parsed = parseModuleTag(info.tag);
    if (parsed === null) continue;
    if ('problem' in parsed) {
      problems.push({ tag: info.tag, module: info.tag.slice(0, info.tag.lastIndexOf('@')), version: null, file: info.tag, reason: parsed.problem });
      continue;
    }
    const checked = await checkRelease(source, info, parsed, known);
    if ('problems' in checked) problems.push(...checked.problems);
    else modules.set(parsed.name, [...(modules.get(parsed.name) ?? []), checked.release]);
  }
  const sorted = new Map([...modules.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, rs]) => [n, rs.sort((a, b) => semver.compare(a.version, b.version))] as const));
  return { modules: sorted, problems };
}

/** One release, checked; throws {@link ModuleTagNotFoundError} or {@link InvalidModuleError}. */
export async function loadModuleRelease(uncached: TagSource & { readonly repo: string }, name: string, version: string): Promise<ReleasedModule> {
  const source = cachedTrees(uncached);
  const tag = `${name}@${version}`;
  const tags = await source.tags();
  const info = tags.find((t) => t.tag === tag);
  if (info === undefined) throw new ModuleTagNotFoundError(tag, uncached.repo);
  const parsed = parseModuleTag(tag);
  if (parsed === null || 'problem' in parsed) {
    throw new InvalidModuleError(tag, [{ tag, module: name, version: null, file: tag, reason: parsed === null ? 'not a <module>@<version> tag' : parsed.problem }]);
  }
  const checked = await checkRelease(source, info, parsed, releaseTags(tags));
  if ('problems' in checked) throw new InvalidModuleError(tag, checked.problems);
  return checked.release;
}

/**
 * Each tag's tree is listed once per load: checking that earlier migrations are unchanged looks at
 * every earlier release of a module, which would otherwise list the same trees again and again.
 */
function cachedTrees(source: TagSource): TagSource {
  const trees = new Map<string, Promise<TreeEntry[]>>();
  return {
    tags: () => source.tags(),
    blob: (id) => source.blob(id),
    tree: (tag, dir) => {
      const key = `${tag}\0${dir}`;
      let tree = trees.get(key);
      if (tree === undefined) trees.set(key, (tree = source.tree(tag, dir)));
      return tree;
    },
  };
}

/** The text of `path` in a tree, or null when the tree has no such file. */
async function readIn(source: TagSource, tree: readonly TreeEntry[], path: string): Promise<string | null> {
  const entry = tree.find((e) => e.path === path);
  return entry === undefined ? null : source.blob(entry.blob);
}

/** Release tags by module: name → versions (valid semver only). */
function releaseTags(tags: readonly TagInfo[]): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const { tag } of tags) {
    const parsed = parseModuleTag(tag);
    if (parsed !== null && !('problem' in parsed)) out.set(parsed.name, [...(out.get(parsed.name) ?? []), parsed.version]);
  }
  return out;
}

async function checkRelease(
  source: TagSource,
  info: TagInfo,
  { name, version }: { name: string; version: string },
  known: ReadonlyMap<string, readonly string[]>,
): Promise<{ release: ReleasedModule } | { problems: ModuleProblem[] }> {
  const tag = info.tag;
  const problems: ModuleProblem[] = [];
  const problem = (file: string, reason: string) => problems.push({ tag, module: name, version, file, reason });

  const tree = await source.tree(tag, moduleDir(name));
  const manifest = await readManifest(source, tree, name, problem);
  const migrations = await checkMigrations(source, tree, name, version, known.get(name) ?? [], problem);
  if (manifest !== null) {
    if (manifest.name !== name) problem(manifestPath(name), `name is "${manifest.name}" but the tag releases "${name}"`);
    const image = manifest.image.replace('{version}', version);
    const imageOk = ImageRef.safeParse(image);
    if (!imageOk.success) problem(manifestPath(name), `image: ${image}: ${imageOk.error.issues[0]?.message ?? 'invalid'}`);
    for (const [dep, range] of Object.entries(manifest.requires)) {
      if (dep === name) problem(manifestPath(name), `requires: ${name} cannot require itself`);
      else if (!known.has(dep)) problem(manifestPath(name), `requires: ${dep} ${range}, but ${dep} has no release (no tag ${dep}@<version>)`);
      else if (!(known.get(dep) ?? []).some((v) => semver.satisfies(v, range))) {
        problem(manifestPath(name), `requires: ${dep} ${range}, but no release of ${dep} satisfies it (released: ${semver.sort([...(known.get(dep) ?? [])]).join(', ')})`);
      }
    }
  }
  if (manifest === null || problems.length > 0) return { problems };
  const changelog = info.message === null ? await readIn(source, tree, changelogPath(name)) : null;
  return {
    release: {
      name,
      version,
      tag,
      commit: info.commit,
      releasedAt: info.date,
      manifest,
      image: manifest.image.replace('{version}', version),
      migrations,
      notes: info.message ?? (changelog === null ? null : changelogSection(changelog, version)),
    },
  };
}

async function readManifest(source: TagSource, tree: readonly TreeEntry[], name: string, problem: (file: string, reason: string) => void): Promise<ModuleManifest | null> {
  const file = manifestPath(name);
  const text = await readIn(source, tree, file);
  if (text === null) {
    problem(file, `missing: a release tag must point at a commit that has ${file}`);
    return null;
  }
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 0 });
  } catch (error) {
    problem(file, `not YAML: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
  const parsed = ModuleManifest.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problem(file, `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    return null;
  }
  return parsed.data;
}

/**
 * Migrations at a tag: `migrations/<version>/<file>.sql` only, none for a later version or a
 * version that was never released (its SQL would never run), none empty. Tenants already ran
 * the migrations of earlier releases, so those must be byte for byte what their own tag has:
 * a changed applied migration would silently differ between old and new tenants.
 */
async function checkMigrations(
  source: TagSource,
  tree: readonly TreeEntry[],
  name: string,
  version: string,
  released: readonly string[],
  problem: (file: string, reason: string) => void,
): Promise<string[]> {
  const dir = migrationsDir(name);
  const byVersion = new Map<string, TreeEntry[]>();
  for (const entry of tree.filter((e) => e.path.startsWith(`${dir}/`))) {
    const [v = '', file = '', ...rest] = entry.path.slice(dir.length + 1).split('/');
    if (rest.length > 0 || semver.valid(v) !== v || !MIGRATION_FILE.test(file)) {
      problem(entry.path, `expected ${dir}/<version>/<file>.sql`);
      continue;
    }
    byVersion.set(v, [...(byVersion.get(v) ?? []), entry]);
  }
  for (const [v, entries] of byVersion) {
    const folder = `${dir}/${v}`;
    if (semver.gt(v, version)) problem(folder, `migrations of ${v}, later than this release ${version}: tag ${name}@${v} with them`);
    else if (v !== version && !released.includes(v)) problem(folder, `migrations of ${v}, which was never released (no tag ${name}@${v}): they would never run; move them under ${dir}/${version}/`);
    for (const entry of entries) {
      // Only a small file can be blank: larger ones are not read at all.
      if (entry.size < 256 && (await source.blob(entry.blob)).trim() === '') problem(entry.path, 'empty migration');
    }
    if (v !== version && released.includes(v)) {
      const then = (await source.tree(`${name}@${v}`, moduleDir(name))).filter((e) => e.path.startsWith(`${folder}/`));
      checkUnchanged(`${name}@${v}`, entries, then, problem);
    }
  }
  return (byVersion.get(version) ?? []).map((e) => e.path.slice(dir.length + 1 + version.length + 1)).sort();
}

function checkUnchanged(releasedTag: string, now: readonly TreeEntry[], then: readonly TreeEntry[], problem: (file: string, reason: string) => void): void {
  const before = new Map(then.map((e) => [e.path, e.blob]));
  const after = new Map(now.map((e) => [e.path, e.blob]));
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    if (before.get(path) === after.get(path)) continue;
    const what = !before.has(path) ? 'added' : !after.has(path) ? 'removed' : 'changed';
    problem(path, `${what} after its release ${releasedTag}: tenants already ran that version's migrations; put new SQL in this release's own folder`);
  }
}
