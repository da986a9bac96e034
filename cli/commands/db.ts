import type { Command } from 'commander';
import { execa } from 'execa';
import { resolve } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../app/config.js';
import { openFleetRepoForReading } from '../../app/fleet-repo.js';
import { pathExists } from '../../app/fs.js';
import { ensureAgeIdentity } from '../../app/keys.js';
import { loadFleet } from '../../fleet/load/index.js';
import { Slug } from '../../fleet/schema/index.js';
import { deriveDbPassword, namesOf, parseServerUrl } from '../../reconciler/resources/tenant-db/index.js';
import { MIGRATIONS_TABLE } from '../../reconciler/resources/tenant-db/commands.js';
import { defaultTls } from '../../reconciler/resources/tenant-db/connection.js';
import { parseArg } from '../changes.js';
import {
  clientMajor,
  copyReport,
  dumpArgs,
  libpqEnv,
  type PgEndpoint,
  parseSourceUrl,
  redactDbUrl,
  restoreArgs,
  scrubText,
  serverMajor,
  stderrTail,
  type TableCount,
  versionProblem,
} from '../db-copy/plan.js';
import { UsageError } from '../errors.js';
import { type CommandContext, println } from '../io.js';

/** db copy cannot be done (yet) as asked; the message says what to do, and never holds a password or URL credentials. */
export class DbCopyRefusedError extends Error {
  override readonly name = 'DbCopyRefusedError';
}

/** pg_dump or pg_restore failed; the message carries the failing side's stderr, scrubbed. */
export class DbCopyFailedError extends Error {
  override readonly name = 'DbCopyFailedError';
  constructor(
    readonly side: 'pg_dump' | 'pg_restore' | 'source' | 'target',
    message: string,
  ) {
    super(message);
  }
}

interface CopyOptions {
  from: string;
  toTenant: string;
  force?: boolean;
  clean?: boolean;
}

/** `buckfleet db ...`: tenant databases. */
export function registerDb(program: Command, ctx: CommandContext): void {
  const db = program.command('db').summary('tenant databases').description('Work on tenant databases on the tenant database server.');
  db.command('copy')
    .summary('copy a database into a tenant\'s (pg_dump | pg_restore)')
    .description(
      'Copy the data of an old PostgreSQL database (a Heroku app\'s DATABASE_URL, say) into tenant <slug>\'s database: pg_dump ' +
        '--format=custom streamed into pg_restore --no-owner --no-privileges, in one transaction, as the tenant\'s role on the ' +
        'tenant database server (TENANT_DATABASE_URL, else DATABASE_URL). The tenant must be on main and deployed (its database ' +
        'exists). A target that already has tables is refused unless --clean (drop the dump\'s objects first) or --force (restore ' +
        'on top). Prints the tables and rows copied; URLs are shown without their passwords.',
    )
    .requiredOption('--from <url>', 'the source: postgres://user:password@host:port/database[?sslmode=…]')
    .requiredOption('--to-tenant <slug>', 'the tenant whose database receives the data')
    .option('--clean', 'drop the objects the dump holds before restoring them')
    .option('--force', 'restore even though the tenant database already has tables')
    .action(async (options: CopyOptions) => {
      const slug = parseArg(Slug, options.toTenant, `--to-tenant ${options.toTenant}`);
      let source: PgEndpoint;
      try {
        source = parseSourceUrl(options.from);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      await copyDatabase(ctx, slug, source, options);
    });
}

async function copyDatabase(ctx: CommandContext, slug: string, source: PgEndpoint, options: CopyOptions): Promise<void> {
  const out = (line: string) => println(ctx.io.stdout, line);
  const config = loadConfig(ctx.io.env);
  if (config.tenantDatabase.kind !== 'url') {
    throw new DbCopyRefusedError('no tenant database server configured: set TENANT_DATABASE_URL (or DATABASE_URL), the server the reconciler creates tenant databases on');
  }
  const server = parseServerUrl(config.tenantDatabase.url.reveal());

  const fleet = loadFleet(await (await openFleetRepoForReading(config, ctx.io.cwd)).readMain());
  if (!fleet.ok) throw new DbCopyRefusedError('main of the fleet repo does not validate (buckfleet validate says why)');
  if (!fleet.fleet.tenants.has(slug)) {
    throw new DbCopyRefusedError(`tenant "${slug}" is not on main: merge its PR (buckfleet pr list) and deploy it first`);
  }
  // The password is derived as the reconciler derives it; a freshly generated identity would derive another one.
  if (!(await pathExists(resolve(ctx.io.cwd, config.ageIdentityFile.path)))) {
    throw new DbCopyRefusedError(`no age identity at ${config.ageIdentityFile.path}: the tenant's database password is derived from the reconciler's identity (AGE_IDENTITY_FILE)`);
  }
  const { identity } = await ensureAgeIdentity(config.ageIdentityFile, ctx.io.cwd);
  const names = namesOf(slug);
  const target: PgEndpoint = {
    host: server.host,
    port: server.port,
    user: names.role,
    password: deriveDbPassword(identity, slug),
    database: names.database,
    sslmode: defaultTls(server),
  };
  const admin: PgEndpoint = { ...target, user: server.user, password: server.password, database: server.database };
  const secrets = [source.password, target.password, server.password];
  const where = (e: PgEndpoint) => `${e.host}:${e.port}`;

  const targetVersion = await withClient(admin, 'target', secrets, async (c) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [names.database]);
    if (found.rowCount === 0) {
      throw new DbCopyRefusedError(`tenant "${slug}" has no database yet on ${where(admin)}: deploy it first (the reconciler creates ${names.database}; buckfleet status shows when it runs)`);
    }
    return serverVersion(c);
  });
  const existing = await withClient(target, 'target', secrets, (c) => userTables(c));
  if (existing.length > 0 && options.clean !== true && options.force !== true) {
    throw new DbCopyRefusedError(
      `${names.database} already has ${existing.length} table${existing.length === 1 ? '' : 's'} (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', …' : ''}): ` +
        '--clean drops the objects the dump holds before restoring them, --force restores on top',
    );
  }
  const sourceVersion = await withClient(source, 'source', secrets, (c) => serverVersion(c));

  const pgDump = ctx.io.env.PG_DUMP ?? 'pg_dump';
  const pgRestore = ctx.io.env.PG_RESTORE ?? 'pg_restore';
  const dumpMajor = await toolMajor(pgDump);
  const restoreMajor = await toolMajor(pgRestore);
  const problem = versionProblem({ dump: dumpMajor, restore: restoreMajor, source: sourceVersion, target: targetVersion });
  if (problem !== null) throw new DbCopyRefusedError(problem);

  out(`copying ${redactDbUrl(urlOf(source))} (PostgreSQL ${sourceVersion}) into ${names.database} on ${where(target)} (PostgreSQL ${targetVersion}) with pg_dump ${dumpMajor} | pg_restore ${restoreMajor}`);
  // The archive flows from one process to the other through a pipe: no temporary file holds the data.
  const dump = execa(pgDump, dumpArgs(), { env: libpqEnv(source), reject: false, stdin: 'ignore', stripFinalNewline: false });
  const restore = execa(pgRestore, restoreArgs(names.database, options.clean === true), { env: libpqEnv(target), reject: false, stdout: 'ignore' });
  const restored = await dump.pipe(restore);
  const dumped = restored.pipedFrom[0] ?? (await dump);
  // The dump's failure comes first: a truncated archive makes pg_restore fail too, for a reason that is not the cause.
  if (dumped.failed) throw new DbCopyFailedError('pg_dump', `pg_dump failed (source ${redactDbUrl(urlOf(source))}): ${failureText(dumped, secrets)}`);
  if (restored.failed) throw new DbCopyFailedError('pg_restore', `pg_restore into ${names.database} failed, nothing was restored: ${failureText(restored, secrets)}`);

  const counts = await withClient(target, 'target', secrets, (c) => rowCounts(c));
  for (const line of copyReport(names.database, counts)) out(line);
}

interface ToolResult {
  readonly stderr?: unknown;
  readonly exitCode?: number | undefined;
  readonly shortMessage?: string;
}

function failureText(r: ToolResult, secrets: readonly string[]): string {
  const stderr = typeof r.stderr === 'string' ? stderrTail(r.stderr, secrets) : '';
  if (stderr !== '') return stderr;
  return scrubText(r.shortMessage ?? `exit code ${r.exitCode ?? 'unknown'}`, secrets);
}

async function toolMajor(file: string): Promise<number> {
  const r = await execa(file, ['--version'], { reject: false });
  const major = r.failed ? null : clientMajor(r.stdout);
  if (major === null) throw new DbCopyRefusedError(`${file} is not installed or does not say its version (install postgresql-client)`);
  return major;
}

/** `postgres://user:***@host:port/db` for messages, from parts. */
const urlOf = (e: PgEndpoint) => `postgres://${encodeURIComponent(e.user)}:x@${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}/${encodeURIComponent(e.database)}`;

async function withClient<T>(e: PgEndpoint, side: 'source' | 'target', secrets: readonly string[], fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: e.host,
    port: e.port,
    user: e.user,
    password: e.password,
    database: e.database,
    ssl: e.sslmode === 'disable' ? false : { rejectUnauthorized: e.sslmode === 'verify-ca' || e.sslmode === 'verify-full' },
    connectionTimeoutMillis: 10_000,
  });
  // A dead connection's error surfaces through the pending query; the event must not crash the CLI.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    if (error instanceof DbCopyRefusedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const what = side === 'source' ? `the source ${redactDbUrl(urlOf(e))}` : `${e.database} on ${e.host}:${e.port} as ${e.user}`;
    throw new DbCopyFailedError(side, `cannot read ${what}: ${scrubText(message, secrets)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function serverVersion(c: pg.Client): Promise<number> {
  const r = await c.query<{ v: string }>('SHOW server_version_num');
  return serverMajor(Number(r.rows[0]?.v ?? '0'));
}

/** Tables of the tenant's schemas; buckfleet's own migrations table is not the customer's data. */
async function userTables(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT (schemaname = 'public' AND tablename = $1)
      ORDER BY 1`,
    [MIGRATIONS_TABLE],
  );
  return r.rows.map((row) => row.name);
}

/** Exact counts (the statistics are not updated by a restore). Names come from pg_tables, quoted by format(). */
async function rowCounts(c: pg.Client): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const table of await userTables(c)) {
    const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    counts.push({ table, rows: Number(r.rows[0]?.n ?? '0') });
  }
  return counts;
}
