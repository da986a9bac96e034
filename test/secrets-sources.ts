import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Corpus } from './secrets-scan.js';

const run = promisify(execFile);
const BIG = 256 * 1024 * 1024;

/**
 * Everything a git directory holds, for the secrets audit: the patches of every commit on every
 * ref (`git log -p --all`, with messages), every object in the store — reachable or not, loose
 * or packed, so a blob written and then orphaned by a rewrite is read too — and every file outside
 * objects/: refs, config, and buckfleet's own records (a local fleet repo keeps PR bodies,
 * comments and commit statuses under buckfleet/).
 */
export async function gitCorpora(gitDir: string): Promise<Corpus[]> {
  const git = async (args: string[]) => (await run('git', ['-C', gitDir, ...args], { maxBuffer: BIG, encoding: 'utf8' })).stdout;
  const corpora: Corpus[] = [
    { source: 'git log -p --all', text: await git(['log', '-p', '--all', '--format=commit %H%n%B']) },
    { source: 'git objects (all, reachable or not)', text: await git(['cat-file', '--batch-all-objects', '--batch']) },
  ];
  for (const file of await filesUnder(gitDir)) {
    const rel = relative(gitDir, file);
    // Objects are zlib-compressed: their content was read above through cat-file.
    if (rel.startsWith(`objects/`)) continue;
    corpora.push({ source: `git dir file ${rel}`, text: await readFile(file, 'utf8') });
  }
  return corpora;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every row of every table of a database, outside PostgreSQL's own schemas; one corpus per table. */
export async function databaseCorpora(url: string): Promise<Corpus[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const corpora: Corpus[] = [];
    for (const { name } of tables.rows) {
      // Each column's value as text on its own (jsonb_each_text): a row's record form (t::text)
      // would double the quotes and backslashes of a value inside it and hide a secret that has
      // them. Names come from the catalog, quoted by format(): no value of ours reaches this SQL.
      const rows = await client.query<{ r: string | null }>(`SELECT j.value AS r FROM ${name} t, jsonb_each_text(to_jsonb(t)) j`);
      corpora.push({ source: `database table ${name}`, text: rows.rows.map((row) => row.r ?? '').join('\n') });
    }
    return corpora;
  } finally {
    await client.end();
  }
}
