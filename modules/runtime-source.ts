import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import type { Fleet } from '../fleet/model.js';
import type { ModuleRuntime, ModuleRuntimes } from '../fleet/schema/module-runtime.js';
import type { Migration } from '../fleet/schema/module-runtime.js';
import { ModuleManifest } from './schema.js';

/** A module folder could not be read as a module; says which file and why. */
export class ModuleSourceError extends Error {
  override readonly name = 'ModuleSourceError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/**
 * Module runtimes from a modules folder (`<dir>/<name>/module.yaml` and
 * `<dir>/<name>/migrations/<version>/*.sql`) for the versions a fleet pins. A fresh install at
 * 1.2.0 needs the migrations of 1.0.0 and 1.1.0 too, so a version's migrations are those of every
 * released version up to it, oldest first; each id is `<name>@<version>/<file>`.
 */
export class DirModuleSource {
  constructor(private readonly dir: string) {}

  async runtimes(fleet: Fleet): Promise<ModuleRuntimes> {
    const out = new Map<string, ModuleRuntime>();
    for (const [name, entry] of fleet.catalog) {
      const manifest = await this.manifest(name);
      // A module the catalog lists but this folder lacks: its tenants are reported, not the pass failed.
      if (manifest === null) continue;
      const released = semver.sort(Object.keys(entry.versions));
      for (const version of released) {
        const migrations: string[] = [];
        for (const v of released.filter((r) => semver.lte(r, version))) migrations.push(...(await this.migrationFiles(name, v)).map((f) => `${name}@${v}/${f}`));
        out.set(`${name}@${version}`, {
          name,
          version,
          image: entry.versions[version]?.image ?? manifest.image.replace('{version}', version),
          ...(manifest.command ? { command: manifest.command } : {}),
          env: manifest.env,
          ...(manifest.healthcheck ? { healthcheck: manifest.healthcheck } : {}),
          migrations,
        });
      }
    }
    return out;
  }

  async migration(id: string): Promise<Migration> {
    const m = /^([a-z][a-z0-9-]*)@([^/]+)\/([A-Za-z0-9_.-]+\.sql)$/.exec(id);
    if (!m?.[1] || !m[2] || !m[3] || semver.valid(m[2]) !== m[2]) throw new ModuleSourceError('not a migration id of the form <module>@<version>/<file>.sql', id);
    return { id, sql: await readFile(join(this.dir, m[1], 'migrations', m[2], m[3]), 'utf8') };
  }

  private async manifest(name: string): Promise<ModuleManifest | null> {
    const file = join(this.dir, name, 'module.yaml');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ModuleSourceError(`cannot read module ${name}: ${(error as Error).message}`, file);
    }
    const parsed = ModuleManifest.safeParse(parse(text, { maxAliasCount: 0 }));
    if (!parsed.success) throw new ModuleSourceError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), file);
    return parsed.data;
  }

  private async migrationFiles(name: string, version: string): Promise<string[]> {
    try {
      return (await readdir(join(this.dir, name, 'migrations', version))).filter((f) => f.endsWith('.sql')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
