import type { DatabaseCredentials } from '../../bot/notifications/types.js';
import type { Secret } from '../../fleet/secret.js';
import { deriveDbPassword, PgTenantDatabase } from '../../reconciler/resources/tenant-db/index.js';
import type { Config } from '../config.js';
import { ensureAgeIdentity } from '../keys.js';

/**
 * A tenant database's connection details for its owner (the one-time message after the first
 * deploy.running; bot/notifications/deploy.ts). The password is derived at send time exactly as
 * the reconciler derives it (`deriveDbPassword` under the age identity), and host, port,
 * database and user are the ones the tenant's own stack connects with
 * (`PgTenantDatabase.connectionUrl`), so what the customer gets is what works. Nothing is stored.
 */

export interface TenantCredentialsOptions {
  /** The reconciler's age identity: tenant passwords are derived from it. */
  readonly identity: Secret;
  /** Admin URL of the tenant database server: TENANT_DATABASE_URL, else the control database's. */
  readonly adminUrl: Secret;
  /** TENANT_DATABASE_STACK_HOST: the host stacks reach the server at, when not the admin URL's. */
  readonly stackHost: string | null;
}

export type CredentialsResolver = (tenant: string) => Promise<DatabaseCredentials>;

export function tenantDatabaseCredentials(opts: TenantCredentialsOptions): CredentialsResolver {
  const password = (slug: string) => deriveDbPassword(opts.identity, slug);
  const server = new PgTenantDatabase(opts.adminUrl.reveal(), { password, ...(opts.stackHost === null ? {} : { stackHost: opts.stackHost }) });
  return (tenant) => {
    try {
      return Promise.resolve(fromUrl(server.connectionUrl(tenant, password(tenant))));
    } catch (error) {
      // A slug that is not one (InvalidTenantSlugError): a rejection, as callers await it.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/**
 * The resolver as app/reconciler.ts wires the same parts: the age identity (AGE_IDENTITY_FILE,
 * or the one generated in BUCKFLEET_HOME), TENANT_DATABASE_URL or the control database's URL,
 * TENANT_DATABASE_STACK_HOST. Throws KeyFileError when a configured identity file is missing.
 */
export async function tenantDatabaseCredentialsFromConfig(
  config: Pick<Config, 'ageIdentityFile' | 'tenantDatabase' | 'reconciler'>,
  cwd: string,
  controlDbUrl: Secret,
): Promise<CredentialsResolver> {
  const age = await ensureAgeIdentity(config.ageIdentityFile, cwd);
  const adminUrl = config.tenantDatabase.kind === 'url' ? config.tenantDatabase.url : controlDbUrl;
  return tenantDatabaseCredentials({ identity: age.identity, adminUrl, stackHost: config.reconciler.tenantDbStackHost });
}

/** The parts of a `postgres://user:password@host:port/database?sslmode=…` URL built by connectionUrl. */
function fromUrl(url: string): DatabaseCredentials {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 5432 : Number(u.port),
    database: decodeURIComponent(u.pathname.slice(1)),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}
