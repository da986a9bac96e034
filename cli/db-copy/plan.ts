/**
 * `buckfleet db copy`, the pure part: how pg_dump and pg_restore are called (as data), the
 * version rule, and how URLs and stderr are made safe to print. The command runs them
 * (cli/commands/db.ts).
 *
 * Every connection detail goes to the tools through libpq's environment (PGHOST, PGPASSWORD, …),
 * never through argv: argv is visible to every user of the machine in `ps`.
 */

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface PgEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: SslMode;
}

/** The URL given is not a PostgreSQL URL; the message never quotes it. */
export class SourceUrlError extends Error {
  override readonly name = 'SourceUrlError';
}

/**
 * A `postgres://user:password@host:port/db?sslmode=…` URL (Heroku's DATABASE_URL form). Without
 * sslmode, loopback gets `disable` and anything else `require`: Heroku Postgres refuses
 * connections without TLS, and a remote server should never be reached in plaintext.
 */
export function parseSourceUrl(url: string): PgEndpoint {
  if (!URL.canParse(url)) throw new SourceUrlError('--from is not a URL (expected postgres://user:password@host:port/database)');
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new SourceUrlError('--from must start with postgres:// or postgresql://');
  if (u.hostname === '') throw new SourceUrlError('--from has no host');
  if (u.pathname.length <= 1) throw new SourceUrlError('--from names no database (…/database at the end)');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const given = u.searchParams.get('sslmode');
  if (given !== null && !SSL_MODES.includes(given)) throw new SourceUrlError(`--from: sslmode must be one of ${SSL_MODES.join(', ')}`);
  return {
    host,
    port: u.port === '' ? 5432 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    sslmode: (given as SslMode | null) ?? (isLoopback(host) ? 'disable' : 'require'),
  };
}

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** libpq's environment for one endpoint. */
export function libpqEnv(e: PgEndpoint): Record<string, string> {
  return {
    PGHOST: e.host,
    PGPORT: String(e.port),
    PGUSER: e.user,
    PGPASSWORD: e.password,
    PGDATABASE: e.database,
    PGSSLMODE: e.sslmode,
    PGCONNECT_TIMEOUT: '10',
  };
}

/** `--no-password`: a wrong password fails at once instead of waiting for a prompt nobody answers. */
export const dumpArgs = (): string[] => ['--format=custom', '--no-password'];

/**
 * pg_restore into the tenant's database as the tenant's role: objects end up owned by it
 * (`--no-owner`) and the old server's grants, which name roles that do not exist here, are left
 * out (`--no-privileges`). One transaction, stopping at the first error, so a failed copy leaves
 * the target as it was. `--clean --if-exists` drops the dump's objects first.
 * `--dbname` is required (without it pg_restore prints SQL instead of restoring) and holds no secret.
 */
export function restoreArgs(database: string, clean: boolean): string[] {
  return [
    '--no-owner',
    '--no-privileges',
    '--no-password',
    '--exit-on-error',
    '--single-transaction',
    ...(clean ? ['--clean', '--if-exists'] : []),
    `--dbname=${database}`,
  ];
}

/** The major version in `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`, or null. */
export function clientMajor(versionOutput: string): number | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.\d+)?/.exec(versionOutput);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** `server_version_num` (150008) → 15. */
export const serverMajor = (versionNum: number): number => Math.floor(versionNum / 10_000);

/**
 * pg_dump refuses a server of a newer major than its own, so that is said before anything
 * runs, with the fix. A newer client is fine both ways: pg_dump reads older servers, and
 * pg_restore only emits what the server it restores into understands.
 */
export function versionProblem(v: { dump: number; restore: number; source: number; target: number }): string | null {
  if (v.dump < v.source) return `pg_dump ${v.dump} cannot dump the source's PostgreSQL ${v.source}: install postgresql-client-${v.source} or newer`;
  if (v.restore < v.dump) return `pg_restore ${v.restore} cannot read archives of pg_dump ${v.dump}: use the pg_restore of the same package`;
  return null;
}

/** A database URL for people: user, host, port and database; the password as `***`, no query. */
export function redactDbUrl(url: string): string {
  if (!URL.canParse(url)) return '<unparseable URL, not shown>';
  const u = new URL(url);
  const user = u.username === '' ? '' : `${u.username}${u.password === '' ? '' : ':***'}@`;
  return `${u.protocol}//${user}${u.host}${u.pathname}`;
}

/** Replaces every secret in `text`, and the user-info of any URL in it. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s/?#'"@:]*):[^\s/?#'"]*@/gi, '$1$2:***@');
}

/** The last lines of a tool's stderr, scrubbed, for one error message. */
export function stderrTail(stderr: string, secrets: readonly string[], maxLines = 8): string {
  const lines = scrubText(stderr, secrets)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.slice(-maxLines).join(' | ');
}

export interface TableCount {
  readonly table: string;
  readonly rows: number;
}

/** `copied 3 tables, 1,204 rows into bf_acme`, then one line per table. */
export function copyReport(database: string, tables: readonly TableCount[]): string[] {
  const total = tables.reduce((n, t) => n + t.rows, 0);
  return [
    `copied ${tables.length} table${tables.length === 1 ? '' : 's'}, ${total} row${total === 1 ? '' : 's'} into ${database}`,
    ...tables.map((t) => `  ${t.table}: ${t.rows} row${t.rows === 1 ? '' : 's'}`),
  ];
}
