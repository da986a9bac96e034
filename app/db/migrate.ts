import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner, type RunnerOption } from 'node-pg-migrate';
import pg from 'pg';
import type { Log } from '../../fleet/log.js';
import { silentLog } from '../../fleet/log.js';
import type { Secret } from '../../fleet/secret.js';
import { connectionError } from './errors.js';
import { describeUrl } from './url.js';

/**
 * The control database's schema: the numbered SQL files of migrations/, applied by
 * node-pg-migrate (never a hand-rolled runner). It takes a session advisory lock first and here
 * waits for it (`advisoryLockMode: 'wait'`), so several buckfleet processes starting at once
 * apply each migration once; all pending files run in one transaction, so a failing file leaves
 * the schema as it was. Applied files are recorded in `pgmigrations`.
 */

export const MIGRATIONS_TABLE = 'pgmigrations';

/** A migration file failed, or the bookkeeping did; names the database, never its password. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrateOptions {
  readonly log?: Log;
  /** The folder of SQL files; buckfleet's own migrations/ by default (tests point elsewhere). */
  readonly dir?: string;
}

/** Applies the pending migrations under the tool's lock; returns the names applied, in order. */
export async function migrate(url: Secret, opts: MigrateOptions = {}): Promise<string[]> {
  const log = opts.log ?? silentLog;
  const applied = await run(url, { dir: opts.dir, logger: toLogger(log), dryRun: false });
  if (applied.length > 0) log.info({ database: describeUrl(url.reveal()), applied }, 'control database migrated');
  return applied;
}

/**
 * The SQL that `migrate` would run, without running it (for reviewers, as pg-boss's
 * contractor prints its plans): each pending file's statements plus the bookkeeping insert,
 * between `### MIGRATION name (UP) ###` headers; '' when the schema is up to date. It still
 * takes the lock and creates the empty `pgmigrations` table if missing.
 */
export async function pendingSql(url: Secret, opts: { dir?: string } = {}): Promise<string> {
  const lines: string[] = [];
  const record = (message: string) => lines.push(message);
  await run(url, { dir: opts.dir, logger: { debug: record, info: (m) => m.startsWith('### MIGRATION') && record(m), warn: () => undefined, error: () => undefined }, dryRun: true });
  return lines.join('\n');
}

async function run(url: Secret, opts: { dir: string | undefined; logger: NonNullable<RunnerOption['logger']>; dryRun: boolean }): Promise<string[]> {
  const client = new pg.Client({ connectionString: url.reveal() });
  // A connection dying mid-run surfaces as the failing query's error; without a listener the
  // 'error' event itself would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(url.reveal(), error);
  }
  try {
    const ran = await runner({
      dbClient: client,
      dir: opts.dir ?? migrationsDir(),
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: 'wait',
      dryRun: opts.dryRun,
      verbose: opts.dryRun,
      logger: opts.logger,
    });
    return ran.map((m) => m.name);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migrating the control database at ${describeUrl(url.reveal())} failed: ${detail}`, { cause: error });
  } finally {
    await client.end();
  }
}

/** node-pg-migrate's logger on buckfleet's `Log`; its errors reach us as thrown errors too. */
function toLogger(log: Log): NonNullable<RunnerOption['logger']> {
  return {
    info: (message) => log.info({}, message),
    warn: (message) => log.warn({}, message),
    error: (message) => log.warn({}, message),
  };
}

/**
 * buckfleet's migrations/ folder: found by walking up from this file, since it runs both as
 * app/db/migrate.ts (tests, tsx) and as dist/app/db/migrate.js next to a copied migrations/.
 */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return join(dir, 'migrations');
    const parent = dirname(dir);
    if (parent === dir) throw new MigrationError("cannot find buckfleet's migrations/ folder above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
