import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import pg from 'pg';
import { slugOfDatabase } from '../../../fleet/names.js';
import { Slug } from '../../../fleet/schema/common.js';
import type { Migration, ObservedDatabase, TenantDatabase } from '../../ports.js';
import * as sql from './commands.js';
import type { SqlCommand, TenantNames } from './commands.js';
import { clientConfig, defaultTls, describeServer, parseServerUrl, tenantUrl, type Login, type ServerAddress, type TlsMode } from './connection.js';
import { dumpCommand, runDump } from './dump.js';
import { classify, InvalidTenantSlugError, scrub, sqlState, TenantDbOwnedElsewhereError, TenantMigrationError, type TenantDbStep } from './errors.js';
import { scramVerifier } from './password.js';

/** Tenant databases read at once by `observe`, one connection each. */
const OBSERVE_CONNECTIONS = 8;

export interface PgTenantDatabaseOptions {
  /** `require` unless the server is on loopback (`defaultTls`). */
  readonly tls?: TlsMode;
  /** Each tenant's password (`deriveDbPassword` under the reconciler's secret): migrate and dump log in as the tenant. */
  readonly password: (slug: string) => string;
  /** Where tenant stacks reach the server, when not where the reconciler does (the admin URL's host). */
  readonly stackHost?: string;
  /** The pg_dump to run; `pg_dump` on PATH by default. Its major version must be ≥ the server's. */
  readonly pgDump?: string;
}

/**
 * Tenant databases on one PostgreSQL server (TENANT_DATABASE_URL), through its admin role
 * (a superuser, or a role with CREATEROLE and CREATEDB as on managed servers). Every step looks
 * before it acts, so any of them can be re-run after a crash; every error is one of errors.ts,
 * naming tenant and step, never a password.
 */
export class PgTenantDatabase implements TenantDatabase {
  private readonly server: ServerAddress;
  private readonly tls: TlsMode;

  constructor(
    adminUrl: string,
    private readonly opts: PgTenantDatabaseOptions,
  ) {
    this.server = parseServerUrl(adminUrl);
    this.tls = opts.tls ?? defaultTls(this.server);
  }

  async observe(fleet: string, only?: ReadonlySet<string>): Promise<Map<string, ObservedDatabase>> {
    const { databases, roles } = await this.admin('(all)', 'observe', [], async (c) => ({
      databases: await names(c, sql.listDatabases(fleet)),
      roles: await names(c, sql.listRoles(fleet)),
    }));
    const databaseSet = new Set(databases);
    const roleSet = new Set(roles);
    const found = [...new Set([...databases, ...roles])].flatMap((name) => {
      const slug = slugOfDatabase(name);
      return slug === null || (only !== undefined && !only.has(slug)) ? [] : [{ slug, name }];
    });
    // Each database's migrations need a connection of their own: a few at once, not one after
    // another (a pass over thousands of tenants), nor all at once (the server's max_connections).
    const limit = pLimit(OBSERVE_CONNECTIONS);
    const entries = await Promise.all(
      found.map(({ slug, name }) =>
        limit(async (): Promise<[string, ObservedDatabase]> => {
          const databaseExists = databaseSet.has(name);
          const migrations = databaseExists ? await this.appliedAsAdmin(slug, name) : [];
          return [slug, { database: name, role: name, databaseExists, roleExists: roleSet.has(name), migrations }];
        }),
      ),
    );
    return new Map(entries);
  }

  async ensure(fleet: string, slug: string, password: string): Promise<void> {
    const n = this.names(slug);
    // A fresh salt each time: the verifier differs, the password it checks is the same.
    const verifier = scramVerifier(password, randomBytes(16));
    await this.admin(slug, 'ensure', [password], async (c) => {
      // Another fleet's database is never taken over; an unmarked one (a crash between create
      // and mark) carries our naming scheme and is adopted.
      for (const mark of [...(await marks(c, sql.roleMark(n.role))), ...(await marks(c, sql.databaseMark(n.database)))]) {
        if (mark !== null && mark !== sql.ownerMark(fleet)) throw new TenantDbOwnedElsewhereError(slug, mark);
      }
      if (await exists(c, sql.roleExists(n.role))) await run(c, sql.setRolePassword(n.role, verifier));
      else await run(c, sql.createRole(n.role, verifier));
      await run(c, sql.markRole(n.role, fleet));
      const superuser = (await c.query<{ superuser: boolean }>(sql.isSuperuser().sql)).rows[0]?.superuser === true;
      if (!superuser) await run(c, sql.grantRoleToAdmin(n.role));
      if (!(await exists(c, sql.databaseExists(n.database)))) await run(c, sql.createDatabase(n.database, n.role));
      await run(c, sql.markDatabase(n.database, fleet));
      await run(c, sql.revokePublicConnect(n.database));
      await run(c, sql.grantConnect(n.database, n.role));
    });
  }

  async migrate(slug: string, migrations: readonly Migration[]): Promise<readonly string[]> {
    const n = this.names(slug);
    const password = this.opts.password(slug);
    return this.connect(slug, 'migrate', { user: n.role, password, database: n.database }, [password], async (c) => {
      await run(c, sql.createMigrationsTable());
      const done = new Set(await names(c, sql.appliedMigrations(), 'id'));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.id)) continue;
        if (await this.applyOne(c, slug, m, [password])) applied.push(m.id);
      }
      return applied;
    });
  }

  dump(slug: string): AsyncIterable<Uint8Array> {
    const n = this.names(slug);
    const login: Login = { user: n.role, password: this.opts.password(slug), database: n.database };
    return runDump(slug, dumpCommand(this.opts.pgDump ?? 'pg_dump', this.server, login, this.tls));
  }

  async drop(slug: string): Promise<void> {
    const n = this.names(slug);
    await this.admin(slug, 'drop', [], async (c) => {
      await run(c, sql.terminateSessions(n));
      await run(c, sql.dropDatabase(n.database));
      await run(c, sql.dropRole(n.role));
    });
  }

  connectionUrl(slug: string, password: string): string {
    const n = this.names(slug);
    return tenantUrl(this.opts.stackHost ?? this.server.host, this.server.port, { user: n.role, password, database: n.database }, this.tls);
  }

  /** One migration in its own transaction; false when another migrator applied it meanwhile. */
  private async applyOne(c: pg.Client, slug: string, m: Migration, secrets: readonly string[]): Promise<boolean> {
    await c.query('BEGIN');
    try {
      await run(c, sql.lockMigrationsTable());
      if (await exists(c, sql.isApplied(m.id))) {
        await c.query('ROLLBACK');
        return false;
      }
      // Simple query protocol (no values): a migration file may hold several statements.
      await c.query(m.sql);
      await run(c, sql.recordMigration(m.id));
      await c.query('COMMIT');
      return true;
    } catch (error) {
      // If ROLLBACK fails too the session is broken; closing it (connect's finally) aborts the transaction.
      await c.query('ROLLBACK').catch(() => undefined);
      const detail = scrub(error instanceof Error ? error.message : String(error), secrets);
      throw new TenantMigrationError(slug, m.id, sqlState(error), detail, error);
    }
  }

  /** Applied migration ids, read as admin (observe must not depend on each tenant's password). */
  private async appliedAsAdmin(slug: string, database: string): Promise<string[]> {
    return this.connect(slug, 'observe', { user: this.server.user, password: this.server.password, database }, [], async (c) => {
      const table = (await c.query<{ exists: boolean }>(sql.migrationsTableExists().sql, [...sql.migrationsTableExists().values])).rows[0];
      return table?.exists === true ? names(c, sql.appliedMigrations(), 'id') : [];
    });
  }

  private admin<T>(tenant: string, step: TenantDbStep, secrets: readonly string[], fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return this.connect(tenant, step, { user: this.server.user, password: this.server.password, database: this.server.database }, secrets, fn);
  }

  /** A short-lived connection for one step; every error leaves as a classified, scrubbed one. */
  private async connect<T>(tenant: string, step: TenantDbStep, login: Login, secrets: readonly string[], fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client(clientConfig(this.server, this.tls, login));
    // Errors on a dead connection surface through the pending query; the event must not crash us.
    client.on('error', () => undefined);
    const allSecrets = [...secrets, login.password, this.server.password];
    try {
      await client.connect();
      return await fn(client);
    } catch (error) {
      throw classify(tenant, step, describeServer(this.server), error, allSecrets);
    } finally {
      // The step's outcome is decided above; a connection that fails to close cleanly is
      // already gone, and reporting that would replace the step's own result or error.
      await client.end().catch(() => undefined);
    }
  }

  private names(slug: string): TenantNames {
    if (!Slug.safeParse(slug).success) throw new InvalidTenantSlugError(slug);
    return sql.namesOf(slug);
  }
}

async function run(c: pg.Client, command: SqlCommand): Promise<void> {
  await c.query(command.sql, [...command.values]);
}

async function exists(c: pg.Client, command: SqlCommand): Promise<boolean> {
  return ((await c.query(command.sql, [...command.values])).rowCount ?? 0) > 0;
}

/** The comments a mark query finds: null where there is none. */
async function marks(c: pg.Client, command: SqlCommand): Promise<(string | null)[]> {
  const r = await c.query<{ name: string | null }>(command.sql, [...command.values]);
  return r.rows.map((row) => row.name);
}

async function names(c: pg.Client, command: SqlCommand, column = 'name'): Promise<string[]> {
  const r = await c.query<Record<string, unknown>>(command.sql, [...command.values]);
  return r.rows.map((row) => String(row[column]));
}
