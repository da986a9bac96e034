import { databaseName, roleName } from '../../../fleet/names.js';

/**
 * The SQL of tenant databases, as data (Kamal's commands): pure builders that tests check with
 * `toEqual`; pg.ts runs them. Values travel as bind parameters where PostgreSQL allows them;
 * DDL (CREATE ROLE, GRANT, DROP …) takes none, so identifiers go through `quoteIdent`, the one
 * quoting function, and the only literal — a password verifier — through `quoteLiteral`.
 *
 * Names derive from the slug (fleet/names.ts): database and role are both `bf_<slug with - → _>`.
 */

export interface SqlCommand {
  readonly sql: string;
  readonly values: readonly unknown[];
}

const cmd = (sql: string, values: readonly unknown[] = []): SqlCommand => ({ sql, values });

/**
 * An SQL identifier, double-quoted with inner quotes doubled (PostgreSQL's quote_ident). Slugs
 * are validated upstream and never need it, which is the point: a name that slipped past
 * validation still cannot end the identifier. NUL cannot be sent at all and is refused.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new TypeError('an SQL identifier must be non-empty and contain no NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal, quotes doubled; with a backslash it becomes E'…' with backslashes doubled (pg's escapeLiteral). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TypeError('an SQL literal cannot contain NUL');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

export interface TenantNames {
  readonly database: string;
  readonly role: string;
}

export const namesOf = (slug: string): TenantNames => ({ database: databaseName(slug), role: roleName(slug) });

// ---------------------------------------------------------------- observe (admin connection)

/** `left(…, 3)` rather than LIKE 'bf_%', where `_` would match any character. */
/**
 * What buckfleet writes as the comment of each database and role it makes: which fleet owns it.
 * Several fleets (or test runs) may share a server; a fleet only sees, and so only ever prunes,
 * what carries its own mark.
 */
export const ownerMark = (fleet: string) => `buckfleet fleet=${fleet}`;

export const listDatabases = (fleet: string): SqlCommand =>
  cmd(`SELECT datname AS name FROM pg_database WHERE left(datname, 3) = 'bf_' AND shobj_description(oid, 'pg_database') = $1 ORDER BY datname`, [ownerMark(fleet)]);
export const listRoles = (fleet: string): SqlCommand =>
  cmd(`SELECT rolname AS name FROM pg_roles WHERE left(rolname, 3) = 'bf_' AND shobj_description(oid, 'pg_authid') = $1 ORDER BY rolname`, [ownerMark(fleet)]);
/** The owner mark of a database or role, or null when it has none. */
export const databaseMark = (database: string): SqlCommand =>
  cmd(`SELECT shobj_description(oid, 'pg_database') AS name FROM pg_database WHERE datname = $1`, [database]);
export const roleMark = (role: string): SqlCommand => cmd(`SELECT shobj_description(oid, 'pg_authid') AS name FROM pg_roles WHERE rolname = $1`, [role]);
export const markDatabase = (database: string, fleet: string): SqlCommand => cmd(`COMMENT ON DATABASE ${quoteIdent(database)} IS ${quoteLiteral(ownerMark(fleet))}`);
export const markRole = (role: string, fleet: string): SqlCommand => cmd(`COMMENT ON ROLE ${quoteIdent(role)} IS ${quoteLiteral(ownerMark(fleet))}`);
export const roleExists = (role: string): SqlCommand => cmd('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
export const databaseExists = (database: string): SqlCommand => cmd('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
export const isSuperuser = (): SqlCommand => cmd('SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');

// ---------------------------------------------------------------- ensure (admin connection)

/**
 * The role logs in and can do nothing else server-wide. The password is given as a SCRAM
 * verifier (password.ts), never as plaintext: the statement may be echoed into the server's
 * log or pg_stat_statements, and the verifier does not reveal the password.
 */
export const createRole = (role: string, verifier: string): SqlCommand =>
  cmd(`CREATE ROLE ${quoteIdent(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${quoteLiteral(verifier)}`);

export const setRolePassword = (role: string, verifier: string): SqlCommand => cmd(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(verifier)}`);

/**
 * A non-superuser admin (a managed server's) may only make a database owned by a role it is a
 * member of, and reaches the tenant's database through that membership too.
 */
export const grantRoleToAdmin = (role: string): SqlCommand => cmd(`GRANT ${quoteIdent(role)} TO CURRENT_USER`);

/** CREATE DATABASE cannot run inside a transaction: pg.ts looks first, then runs it alone. */
export const createDatabase = (database: string, owner: string): SqlCommand => cmd(`CREATE DATABASE ${quoteIdent(database)} WITH OWNER ${quoteIdent(owner)}`);

/** New databases let every role connect (PUBLIC): take that back, so tenants cannot reach each other. */
export const revokePublicConnect = (database: string): SqlCommand => cmd(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);

export const grantConnect = (database: string, role: string): SqlCommand => cmd(`GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`);

// ---------------------------------------------------------------- drop (admin connection)

/** The tenant's sessions anywhere on the server (its stack, a stuck migration). */
export const terminateSessions = ({ database, role }: TenantNames): SqlCommand =>
  cmd('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE (datname = $1 OR usename = $2) AND pid <> pg_backend_pid()', [database, role]);

/** WITH (FORCE) (PostgreSQL 13+) also ends sessions that connected after the terminate above. */
export const dropDatabase = (database: string): SqlCommand => cmd(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);

export const dropRole = (role: string): SqlCommand => cmd(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);

// ---------------------------------------------------------------- migrations (tenant connection)

export const MIGRATIONS_TABLE = 'buckfleet_migrations';

/** `position` keeps the order they were applied in, which `applied_at` (per transaction) cannot. */
export const createMigrationsTable = (): SqlCommand =>
  cmd(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (position bigint GENERATED ALWAYS AS IDENTITY, id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );

export const migrationsTableExists = (): SqlCommand => cmd(`SELECT to_regclass($1) IS NOT NULL AS exists`, [MIGRATIONS_TABLE]);

export const appliedMigrations = (): SqlCommand => cmd(`SELECT id FROM ${MIGRATIONS_TABLE} ORDER BY position`);

/** Taken at the start of each migration's transaction: a second migrator waits, then sees the id. */
export const lockMigrationsTable = (): SqlCommand => cmd(`LOCK TABLE ${MIGRATIONS_TABLE} IN SHARE ROW EXCLUSIVE MODE`);

export const isApplied = (id: string): SqlCommand => cmd(`SELECT 1 FROM ${MIGRATIONS_TABLE} WHERE id = $1`, [id]);

export const recordMigration = (id: string): SqlCommand => cmd(`INSERT INTO ${MIGRATIONS_TABLE} (id) VALUES ($1)`, [id]);
