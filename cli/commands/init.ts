import type { Command } from 'commander';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CheckRepoActions, simpleGit } from 'simple-git';
import { FLEET_FILE } from '../../fleet/paths.js';
import { Slug } from '../../fleet/schema/index.js';
import { UsageError } from '../errors.js';
import { type CommandContext, println } from '../io.js';
import { packageVersion } from '../version.js';
import { displayPath } from './schema.js';
import { initFiles } from './init-files.js';

/** Thrown when DIR already holds a fleet: init never changes an existing one. */
export class AlreadyInitializedError extends Error {
  override readonly name = 'AlreadyInitializedError';
}

/** Identity of the first commit when the machine has none configured (a fresh CI runner). */
const FALLBACK_IDENTITY = ['user.name=buckfleet init', 'user.email=buckfleet@localhost'];

/** `buckfleet init [DIR]`: a new fleet repo working tree, valid as written. */
export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .summary('start a new fleet repo')
    .description(
      'Write a new fleet repo into DIR: fleet.yaml (one plan, a merge policy), a README on the ' +
        'layout, JSON Schemas with VS Code settings, and a GitHub workflow that validates pull ' +
        'requests. Makes DIR a git repository on main with a first commit unless it already is ' +
        'one. Files already in DIR are kept; a DIR with a fleet.yaml is refused.',
    )
    .argument('[dir]', 'where to create the fleet repo', '.')
    .option('--name <slug>', 'fleet name (default: the folder name, when it is a valid slug)')
    .action(async (dir: string, options: { name?: string }) => {
      const root = resolve(ctx.io.cwd, dir);
      const shown = displayPath(ctx.io.cwd, root);
      if (await exists(join(root, FLEET_FILE))) {
        throw new AlreadyInitializedError(`${shown} already has a ${FLEET_FILE}: init starts a new fleet repo and never changes one`);
      }
      const name = fleetName(root, options.name);
      await mkdir(root, { recursive: true });

      const written: string[] = [];
      const kept: string[] = [];
      for (const [path, content] of initFiles(name, packageVersion())) {
        const target = join(root, path);
        if (await exists(target)) {
          kept.push(path);
          continue;
        }
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content, { flag: 'wx' });
        written.push(path);
      }

      println(ctx.io.stdout, `created fleet "${name}" in ${shown}:`);
      for (const path of written) println(ctx.io.stdout, `  ${path}`);
      for (const path of kept) println(ctx.io.stdout, `  ${path} (kept the existing file)`);
      println(ctx.io.stdout, await commitFirst(root, written));
      println(ctx.io.stdout, `check it with: buckfleet validate ${shellWord(shown)}`);
    });
}

/** An explicit --name wins; otherwise the folder name, which must then be a valid slug. */
function fleetName(root: string, explicit: string | undefined): string {
  const name = explicit ?? basename(root);
  const checked = Slug.safeParse(name);
  if (checked.success) return checked.data;
  const rule = checked.error.issues[0]?.message ?? 'is not a valid slug';
  if (explicit !== undefined) throw new UsageError(`--name "${name}" is not a valid fleet name: it ${rule}`);
  throw new UsageError(`the folder name "${name}" is not a valid fleet name (it ${rule}); pass --name <slug>`);
}

/**
 * Makes DIR a repository on `main` with the written files as the first commit, unless DIR is
 * already the root of one: then the files are left for the owner to review and commit. A DIR
 * inside some other repository still gets its own, since a fleet repo is a repository of its own.
 */
async function commitFirst(root: string, written: readonly string[]): Promise<string> {
  const git = simpleGit({ baseDir: root });
  if (await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT)) {
    return 'git: already a repository, so nothing was committed; review and commit the new files';
  }
  await git.init(['--initial-branch=main']);
  const hasIdentity = (await git.getConfig('user.name')).value !== null && (await git.getConfig('user.email')).value !== null;
  const committer = hasIdentity ? git : simpleGit({ baseDir: root, config: FALLBACK_IDENTITY });
  await committer.add(['--', ...written]);
  await committer.commit('Start the fleet repo (buckfleet init)');
  return hasIdentity
    ? 'git: initialized a repository on main and committed the files'
    : 'git: initialized a repository on main and committed the files as "buckfleet init" (no git identity is configured)';
}

/** A path as it can be pasted back into a shell. */
const shellWord = (text: string) => (/^[\w./@:+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return false;
    throw error;
  }
}
