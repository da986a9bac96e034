import { capIssues, type FleetIssue, fieldPath } from './errors.js';
import type { ParsedYaml } from './yaml.js';

/**
 * Values that are secrets whatever field they sit in, each with text every match of it holds and
 * the length of its shortest match: a value too short or without that text is not tried against
 * the pattern (most values, slugs, dates and versions, rule out all eight without a regex). Each
 * pattern does a bounded amount of work per start position (no unbounded run before a literal),
 * so a 256 KiB value scans in linear time.
 */
const SECRET_VALUES: readonly { readonly re: RegExp; readonly holds: string; readonly min: number; readonly kind: string }[] = [
  // Alone, after punctuation, or in a Bot API URL (`/bot<token>/`), but not `sha256:<digest>`.
  { re: /(?:(?<![A-Za-z0-9_])|(?<=bot))\d+:[A-Za-z0-9_-]{30,}/, holds: ':', min: 32, kind: 'a Telegram bot token' },
  { re: /\b[sr]k_(live|test)_[A-Za-z0-9]{8,}/, holds: 'k_', min: 16, kind: 'a Stripe secret key' },
  { re: /\bwhsec_[A-Za-z0-9]{8,}/, holds: 'whsec_', min: 14, kind: 'a Stripe webhook secret' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{20,}/, holds: 'gh', min: 24, kind: 'a GitHub token' },
  { re: /\bdop_v1_[a-f0-9]{20,}/, holds: 'dop_v1_', min: 27, kind: 'a DigitalOcean token' },
  { re: /\bAGE-SECRET-KEY-1[0-9A-Z]+/, holds: 'AGE-SECRET-KEY-1', min: 17, kind: 'an age identity' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, holds: 'PRIVATE KEY-----', min: 27, kind: 'a private key' },
  // user:password@ or :password@ (Redis style) after a scheme of at most 32 characters.
  { re: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^/\s:@]*:[^/\s@]+@/i, holds: '://', min: 7, kind: 'a URL with a password' },
];
const SHORTEST_SECRET = Math.min(...SECRET_VALUES.map((p) => p.min));

/** What secret `text` looks like, if it looks like one. */
function looksLikeSecret(text: string): string | undefined {
  if (text.length < SHORTEST_SECRET) return undefined;
  for (const { re, holds, min, kind } of SECRET_VALUES) {
    if (text.length >= min && text.includes(holds) && re.test(text)) return kind;
  }
  return undefined;
}

/** Field names whose non-empty values (text or numbers) are secrets. */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;

/**
 * Whether a field name is a secret's, remembered per name: manifests use a few dozen names
 * thousands of times, and the regex is tried at every position of the name. Bounded, because
 * names come from the files.
 */
const secretKeys = new Map<string, boolean>();
function isSecretKey(key: string): boolean {
  let known = secretKeys.get(key);
  if (known === undefined) {
    known = SECRET_KEY.test(key);
    if (secretKeys.size < 4096) secretKeys.set(key, known);
  }
  return known;
}

/**
 * Finds plaintext secrets in a manifest other than secrets.age, in values and in keys. A hit
 * names the field and what the value looks like, never the value itself (nor a key that is one).
 */
export function findPlaintextSecrets(file: string, parsed: ParsedYaml): FleetIssue[] {
  const hits: { path: PropertyKey[]; field: PropertyKey[]; message: string }[] = [];
  // One path for the whole walk, copied only into a hit: a manifest has thousands of values and
  // hardly ever a hit.
  const path: PropertyKey[] = [];
  const report = (message: string, field: PropertyKey[] = [...path]) => hits.push({ path: [...path], field, message });
  const walk = (value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number') {
      const text = typeof value === 'string' ? value : String(value);
      const kind = typeof value === 'string' ? looksLikeSecret(text) : undefined;
      if (kind) return report(`looks like ${kind}: secrets belong in secrets.age, encrypted`);
      const key = path.at(-1);
      if (typeof key === 'string' && text.length > 0 && isSecretKey(key)) {
        return report(`"${key}" looks like a secret: secrets belong in secrets.age, encrypted`);
      }
      return;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    } else if (value !== null && typeof value === 'object') {
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        const kind = looksLikeSecret(k);
        // The field names the parent only: the key itself is the secret.
        const parent = kind ? [...path] : null;
        path.push(k);
        if (parent) report(`a key here looks like ${kind}: secrets belong in secrets.age, encrypted`, parent);
        else walk((value as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  walk(parsed.value);
  return capIssues(file, hits, ({ path, field, message }) => ({ file, line: parsed.lineOf(path), field: fieldPath(field), message }));
}
