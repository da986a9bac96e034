import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fleetJsonSchemas } from '../../fleet/schema/json-schema.js';
import { type CommandContext, println } from '../io.js';

/** `buckfleet schema [OUTDIR]`: JSON Schemas of the manifests, for editors. */
export function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command('schema')
    .summary('write the JSON Schemas of the fleet manifests')
    .description(
      'Write JSON Schemas (draft 2020-12) of fleet.yaml, tenant.yaml, billing.yaml, secrets.age, ' +
        'hosts/*.yaml and catalog/*.yaml, generated from the schemas `validate` uses, for editor ' +
        'completion. Prints the files written.',
    )
    .argument('[outdir]', 'where to write them', 'schema')
    .action(async (outdir: string) => {
      for (const path of await writeSchemas(resolve(ctx.io.cwd, outdir))) println(ctx.io.stdout, displayPath(ctx.io.cwd, path));
    });
}

/** Writes every schema into `dir` (created if missing) and returns the paths written. */
export async function writeSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, schema] of Object.entries(fleetJsonSchemas())) {
    const path = join(dir, file);
    await writeFile(path, `${JSON.stringify(schema, null, 2)}\n`);
    written.push(path);
  }
  return written;
}

/** Relative to the working directory when inside it, as a person typed it; absolute otherwise. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? path : rel;
}
