import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import semver from 'semver';

export const MODULES_DIR = join(import.meta.dirname, '..', '..', 'modules');

/**
 * Applies a module's SQL migrations up to `version` (every released version's folder up to it,
 * oldest first, files in name order): what the reconciler's database.migrate step runs for a
 * fresh install, so module tests start from the schema a tenant database would have.
 * Returns the ids applied, `<module>@<version>/<file>` as the reconciler names them.
 */
export async function applyModuleMigrations(db: pg.Pool | pg.Client, module: string, version: string): Promise<string[]> {
  const root = join(MODULES_DIR, module, 'migrations');
  const versions = semver.sort((await readdir(root)).filter((v) => semver.valid(v) === v && semver.lte(v, version)));
  const applied: string[] = [];
  for (const v of versions) {
    for (const file of (await readdir(join(root, v))).filter((f) => f.endsWith('.sql')).sort()) {
      const sql = await readFile(join(root, v, file), 'utf8');
      try {
        await db.query(sql);
      } catch (error) {
        throw new Error(`migration ${module}@${v}/${file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      applied.push(`${module}@${v}/${file}`);
    }
  }
  return applied;
}
