import { describeUrl, scrub } from './url.js';

/**
 * Errors of the control database, classified next to the client. The server's SQLSTATE `code`
 * decides, never the message text (porsager/postgres: src/errors.js): messages are localised
 * and change between versions, codes do not.
 */

/** SQLSTATE codes buckfleet branches on (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  insufficientPrivilege: '42501',
  undefinedTable: '42P01',
  invalidAuthorization: '28000',
  invalidPassword: '28P01',
  invalidCatalogName: '3D000',
  adminShutdown: '57P01',
  cannotConnectNow: '57P03',
} as const;

/** The SQLSTATE of a server error (pg's `DatabaseError.code`), or null for anything else. */
export function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  const code = error.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** Whether the server said `code`. */
export const isSqlState = (error: unknown, code: string): boolean => sqlState(error) === code;

/** The server could not be reached: refused, timed out, DNS, dropped. Retry later. */
export class ControlDbUnreachableError extends Error {
  override readonly name = 'ControlDbUnreachableError';
  constructor(url: string, cause: unknown) {
    super(`the control database at ${describeUrl(url)} is unreachable: ${messageOf(url, cause)}. Check DATABASE_URL and that the server is up.`, { cause });
  }
}

/** The server answered and said no (auth, missing database, privileges): a person must fix the setup. */
export class ControlDbRefusedError extends Error {
  override readonly name = 'ControlDbRefusedError';
  constructor(
    url: string,
    readonly code: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the control database at ${describeUrl(url)} refused the connection (SQLSTATE ${code}): ${detail}`, options);
  }
}

/**
 * A connection failure as one of the two errors above. Class 08 (connection exception) and 57
 * (operator intervention: shutting down, starting up) are "unreachable" too: they pass.
 */
export function connectionError(url: string, error: unknown): ControlDbRefusedError | ControlDbUnreachableError {
  const code = sqlState(error);
  if (code === null || code.startsWith('08') || code.startsWith('57')) return new ControlDbUnreachableError(url, error);
  return new ControlDbRefusedError(url, code, messageOf(url, error), { cause: error });
}

/** A driver's message, with the URL's password scrubbed should it ever be echoed. */
function messageOf(url: string, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const password = URL.canParse(url) ? decodeURIComponent(new URL(url).password) : '';
  return scrub(text, [password, url]);
}
