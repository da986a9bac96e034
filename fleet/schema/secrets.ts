import { z } from 'zod';
import { EnvKey } from './common.js';

const AGE_MAGIC = 'age-encryption.org/v1\n';
const BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const END = '-----END AGE ENCRYPTED FILE-----';
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;

/**
 * True when armored text is what age's `armor.decode` takes (its rules: 64-column lines, the
 * last a multiple of 4, base64 with nothing left over) and decodes to an age file. Armor lines
 * alone prove nothing: any text, base64-encoded between them, would pass a regex.
 *
 * Not `armor.decode` itself: its pure-JavaScript base64 was ~5 µs a value, most of the schema's
 * time over a 10k fleet's secrets. Node's decoder skips what is not base64 instead of failing,
 * so the body must encode back to itself; secrets.test.ts checks the two agree on mutated armor.
 */
export function holdsAgeFile(armored: string): boolean {
  const lines = armored.trim().replaceAll('\r\n', '\n').split('\n');
  if (lines.shift() !== BEGIN || lines.pop() !== END) return false;
  const last = lines.length - 1;
  for (let i = 0; i <= last; i++) {
    const line = lines[i] ?? '';
    const lengthOk = i === last ? line.length > 0 && line.length <= 64 && line.length % 4 === 0 : line.length === 64;
    if (!lengthOk || !BASE64_LINE.test(line)) return false;
  }
  const body = lines.join('');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.toString('base64') !== body) return false;
  return bytes.toString('latin1', 0, AGE_MAGIC.length) === AGE_MAGIC;
}

/** One value encrypted with age to the reconciler's recipient, ASCII-armored. */
export const ArmoredAge = z
  .string()
  .max(16_384)
  .regex(/^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\r?\n?$/, {
    error: 'must be an age-encrypted, ASCII-armored value (-----BEGIN AGE ENCRYPTED FILE-----)',
  })
  .refine(holdsAgeFile, {
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
