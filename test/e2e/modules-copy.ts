import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { MODULES_DIR } from './world.js';

export interface ModulesCopy {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** A module.yaml as the edit sees it: parsed, untyped (the loader validates the result). */
export type ModuleYaml = Record<string, unknown>;

/**
 * A private copy of the e2e stand-in modules (test/e2e/modules) with some module.yaml files
 * edited, for tests and benchmarks that need a variant (a port per tenant, slower health checks)
 * without touching the folder every other test reads.
 */
export async function copyModules(edits: Readonly<Record<string, (module: ModuleYaml) => ModuleYaml>>): Promise<ModulesCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-modules-'));
  try {
    await cp(MODULES_DIR, dir, { recursive: true });
    for (const [name, edit] of Object.entries(edits)) {
      const file = join(dir, name, 'module.yaml');
      await writeFile(file, stringify(edit(parse(await readFile(file, 'utf8')) as ModuleYaml)));
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Health checks every `seconds` instead of every second. Each check is a `runc exec` in the
 * container: at 1 s, some dozens of stacks keep two cores busy with their checks alone (a load
 * average above 200 at 100 stacks here), and deploys crawl.
 */
export const healthEvery =
  (seconds: number) =>
  (module: ModuleYaml): ModuleYaml => ({
    ...module,
    healthcheck: { ...(module.healthcheck as Record<string, unknown>), intervalSeconds: seconds, retries: Math.ceil(60 / seconds) },
  });
