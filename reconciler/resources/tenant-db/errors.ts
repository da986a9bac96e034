import { StalledError, TransientError } from '../../errors.js';

/**
 * What went wrong with a tenant database, by what the reconciler must do next. The SQLSTATE
 * `code` decides, never the message text. Messages name the tenant, the step and the server
 * (`host:port`), and never a password: pg.ts builds them from codes and the server's own
 * message, scrubbed of the tenant's password as a last line of defence.
 */

/** Which part of the adapter was running. */
export type TenantDbStep = 'observe' | 'ensure' | 'migrate' | 'dump' | 'drop';

/** The SQLSTATE of a server error (pg's `DatabaseError.code`), or null for anything else. */
export function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  const code = error.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** The server did not answer, or the session broke: retry with backoff. */
export class TenantDbUnreachableError extends TransientError {
  override readonly name: string = 'TenantDbUnreachableError';
  constructor(
    readonly tenant: string,
    readonly step: TenantDbStep,
    server: string,
    detail: string,
    cause: unknown,
  ) {
    super('tenant-db-unreachable', `${step} of ${tenant}'s database: ${server} is unreachable: ${detail}; retrying.`, { owner: tenant }, { cause });
  }
}

/**
 * The server answered no. Authentication and privileges (SQLSTATE class 28, 42501) need a person
 * — a wrong admin URL, a role without CREATEROLE/CREATEDB — and are Stalled; anything else
 * (locks, limits, a database being dropped) may pass and is retried.
 */
export class TenantDbRefusedError extends TransientError {
  override readonly name: string = 'TenantDbRefusedError';
  constructor(
    readonly tenant: string,
    readonly step: TenantDbStep,
    readonly code: string,
    detail: string,
    cause: unknown,
  ) {
    super('tenant-db-refused', `${step} of ${tenant}'s database: the server refused (SQLSTATE ${code}): ${detail}`, { owner: tenant }, { cause });
  }
}

export class TenantDbForbiddenError extends StalledError {
  override readonly name: string = 'TenantDbForbiddenError';
  constructor(
    readonly tenant: string,
    readonly step: TenantDbStep,
    readonly code: string,
    detail: string,
    cause: unknown,
  ) {
    super(
      'tenant-db-forbidden',
      `${step} of ${tenant}'s database: not allowed (SQLSTATE ${code}): ${detail}. ` +
        'Check TENANT_DATABASE_URL: its role needs CREATEROLE and CREATEDB, and the tenant password secret must match.',
      { owner: tenant },
      { cause },
    );
  }
}

/**
 * A module migration failed and was rolled back. Stalled: the same SQL fails the same way, so a
 * person must fix the module release (or the data); the id says which file.
 */
export class TenantMigrationError extends StalledError {
  override readonly name: string = 'TenantMigrationError';
  constructor(
    readonly tenant: string,
    readonly migrationId: string,
    readonly code: string | null,
    detail: string,
    cause: unknown,
  ) {
    super('migration-failed', `migration ${migrationId} of ${tenant} failed and was rolled back${code ? ` (SQLSTATE ${code})` : ''}: ${detail}`, { owner: tenant }, { cause });
  }
}

/** pg_dump exited non-zero; the end of its stderr says why. Retried: most causes pass. */
export class TenantDumpError extends TransientError {
  override readonly name: string = 'TenantDumpError';
  constructor(
    readonly tenant: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super('dump-failed', `pg_dump of ${tenant}'s database failed (exit ${exitCode ?? 'by signal'}): ${stderr.trim() || '(no output)'}`, { owner: tenant });
  }
}

/** The slug is not one fleet/ would accept: refused before any SQL is built. */
export class InvalidTenantSlugError extends StalledError {
  override readonly name: string = 'InvalidTenantSlugError';
  constructor(readonly slug: string) {
    super('invalid-slug', `${JSON.stringify(slug)} is not a tenant slug (a-z, 0-9 and "-", 3-32 characters, starting with a letter)`);
  }
}

/** A database or role of this name belongs to another fleet on the same server: never taken over. */
export class TenantDbOwnedElsewhereError extends StalledError {
  override readonly name: string = 'TenantDbOwnedElsewhereError';
  constructor(
    readonly tenant: string,
    mark: string,
  ) {
    super('owned-elsewhere', `the database or role of ${tenant} on this server is marked "${mark}": another fleet owns it; rename the tenant or clean the server up by hand`, { owner: tenant });
  }
}

/** Any error of a step, classified: the adapter throws only these. */
export function classify(tenant: string, step: TenantDbStep, server: string, error: unknown, secrets: readonly string[]): Error {
  if (error instanceof TransientError || error instanceof StalledError) return error;
  const detail = scrub(error instanceof Error ? error.message : String(error), secrets);
  const code = sqlState(error);
  if (code === null || code.startsWith('08') || code === '57P01' || code === '57P03') return new TenantDbUnreachableError(tenant, step, server, detail, error);
  if (code.startsWith('28') || code === '42501') return new TenantDbForbiddenError(tenant, step, code, detail, error);
  return new TenantDbRefusedError(tenant, step, code, detail, error);
}

/** Replaces each secret in `text` with [REDACTED]. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}
