import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import type { Secret } from '../../../fleet/secret.js';

/**
 * A tenant's database password is derived, never stored: HMAC-SHA256 of the slug under one
 * secret of the reconciler's, in base64url (43 characters, URL-safe, so connection URLs need no
 * escaping). The same secret and slug always give the same password, so every reconciler
 * process agrees on it, and a new secret rotates every tenant's password on the next ensure.
 */
export function deriveDbPassword(secret: Secret, slug: string): string {
  return createHmac('sha256', secret.reveal()).update(`buckfleet:tenant-db:${slug}`).digest('base64url');
}

export const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677, the format of
 * pg_authid.rolpassword): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64.
 * Sent in CREATE/ALTER ROLE instead of the plaintext — the server keeps a pre-hashed password
 * as is — so the password is never in a statement a log could catch (as psql's \password does).
 *
 * `salt` is 16 random bytes in production; tests pass a fixed one. SASLprep is the identity on
 * the ASCII passwords `deriveDbPassword` makes; others are refused rather than mis-hashed.
 */
export function scramVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new TypeError('scramVerifier takes printable ASCII passwords only');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
