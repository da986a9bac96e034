import { armor } from 'age-encryption';
import { z } from 'zod';
import { EnvKey } from './common.js';

const AGE_MAGIC = 'age-encryption.org/v1\n';

/**
 * True when armored text decodes (strictly: 64-column lines, valid base64) to an age file.
 * Armor lines alone prove nothing: any text, base64-encoded between them, would pass a regex.
 */
function isAgeFile(armored: string): boolean {
  try {
    const bytes = armor.decode(armored);
    return new TextDecoder().decode(bytes.subarray(0, AGE_MAGIC.length)) === AGE_MAGIC;
  } catch {
    return false;
  }
}

/** One value encrypted with age to the reconciler's recipient, ASCII-armored. */
export const ArmoredAge = z
  .string()
  .max(16_384)
  .regex(/^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\r?\n?$/, {
    error: 'must be an age-encrypted, ASCII-armored value (-----BEGIN AGE ENCRYPTED FILE-----)',
  })
  .refine(isAgeFile, {
    error: 'is not an age-encrypted value: the armor holds no age file (encrypt with age, do not just base64-encode)',
    // Only once the armor itself is right, so plain text gets one message, not two.
    when: (payload) => payload.issues.length === 0,
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
