import { z } from 'zod';
import { EnvKey } from './common.js';

/** One value encrypted with age to the reconciler's recipient, ASCII-armored. */
export const ArmoredAge = z
  .string()
  .max(16_384)
  .regex(/^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\r?\n?$/, {
    error: 'must be an age-encrypted, ASCII-armored value (-----BEGIN AGE ENCRYPTED FILE-----)',
  });

/**
 * `tenants/<slug>/secrets.age`: each value is sealed on its own, so a writer can replace one
 * secret (a new bot token) without being able to read the others, and a PR diff shows which
 * secret changed but never its value.
 */
export const SealedSecrets = z.strictObject({
  values: z.record(EnvKey, ArmoredAge),
});
export type SealedSecrets = z.infer<typeof SealedSecrets>;

/** Well-known secret names. */
export const BOT_TOKEN = 'BOT_TOKEN';
