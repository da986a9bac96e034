/**
 * Tenant databases: one role and one database per tenant (`bf_<slug>`), on the server of
 * TENANT_DATABASE_URL. `PgTenantDatabase` is the `TenantDatabase` port on PostgreSQL;
 * commands.ts holds its SQL as data, password.ts derives the passwords (never stored).
 */
export { PgTenantDatabase, type PgTenantDatabaseOptions } from './pg.js';
export { deriveDbPassword, scramVerifier } from './password.js';
export { quoteIdent, quoteLiteral, namesOf } from './commands.js';
export { defaultTls, parseServerUrl, type TlsMode } from './connection.js';
export {
  InvalidTenantSlugError,
  TenantDbForbiddenError,
  TenantDbRefusedError,
  TenantDbUnreachableError,
  TenantDumpError,
  TenantMigrationError,
} from './errors.js';
