import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a reference module (`modules/<name>/src/main.ts`) with its dependencies (grammY, pg,
 * zod) into one CommonJS file, `dist/modules/<name>/index.cjs`: what its image runs with plain
 * `node`, with no node_modules beside it. CommonJS because pg is CommonJS and requires node's
 * built-ins at run time, which an ESM bundle cannot do.
 *
 *   npm run build:modules            # every module with a src/main.ts
 *   npx tsx modules/build.ts core    # one
 */
export const MODULES_DIR = dirname(fileURLToPath(import.meta.url));
export const BUNDLES_DIR = resolve(MODULES_DIR, '..', 'dist', 'modules');

export class ModuleBuildError extends Error {
  override readonly name = 'ModuleBuildError';
  constructor(
    readonly module: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`bundling module ${module}: ${message}`, options);
  }
}

/** Bundles one module; returns the path of its bundle. */
export async function buildModule(name: string, outDir = BUNDLES_DIR): Promise<string> {
  const entry = join(MODULES_DIR, name, 'src', 'main.ts');
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(entry)) throw new ModuleBuildError(name, `no ${entry}`);
  const outfile = join(outDir, name, 'index.cjs');
  try {
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // pg requires these only when asked for (native bindings, Cloudflare sockets): never here.
      external: ['pg-native', 'pg-cloudflare', 'cloudflare:sockets'],
      // node-fetch (grammY's HTTP client on node) accepts a signal only if its class is named
      // `AbortSignal`; bundling renames abort-controller's class to dodge the global one, and
      // every getMe then fails before any request ("Expected signal to be an instanceof AbortSignal").
      keepNames: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    if (result.errors.length > 0) throw new ModuleBuildError(name, result.errors.map((e) => e.text).join('; '));
  } catch (error) {
    if (error instanceof ModuleBuildError) throw error;
    throw new ModuleBuildError(name, error instanceof Error ? error.message : String(error), { cause: error });
  }
  return outfile;
}

/** The modules that have code to bundle (a folder with module.yaml and src/main.ts). */
export async function bundledModules(): Promise<string[]> {
  const entries = await readdir(MODULES_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(MODULES_DIR, e.name, 'module.yaml')) && existsSync(join(MODULES_DIR, e.name, 'src', 'main.ts'))).map((e) => e.name).sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : await bundledModules()) {
    const out = await buildModule(name);
    console.log(`${name}: ${out}`);
  }
}
