import { capIssues, type FleetIssue, fieldPath } from './errors.js';
import type { ParsedYaml } from './yaml.js';

/**
 * Values that are secrets whatever field they sit in. Each pattern does a bounded amount of work
 * per start position (no unbounded run before a literal), so a 256 KiB value scans in linear time.
 */
const SECRET_VALUES: readonly [RegExp, string][] = [
  // Alone, after punctuation, or in a Bot API URL (`/bot<token>/`), but not `sha256:<digest>`.
  [/(?:(?<![A-Za-z0-9_])|(?<=bot))\d+:[A-Za-z0-9_-]{30,}/, 'a Telegram bot token'],
  [/\b[sr]k_(live|test)_[A-Za-z0-9]{8,}/, 'a Stripe secret key'],
  [/\bwhsec_[A-Za-z0-9]{8,}/, 'a Stripe webhook secret'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/\bdop_v1_[a-f0-9]{20,}/, 'a DigitalOcean token'],
  [/\bAGE-SECRET-KEY-1[0-9A-Z]+/, 'an age identity'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  // user:password@ or :password@ (Redis style) after a scheme of at most 32 characters.
  [/\b[a-z][a-z0-9+.-]{0,31}:\/\/[^/\s:@]*:[^/\s@]+@/i, 'a URL with a password'],
];

/** Field names whose non-empty values (text or numbers) are secrets. */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;

/**
 * Finds plaintext secrets in a manifest other than secrets.age, in values and in keys. A hit
 * names the field and what the value looks like, never the value itself (nor a key that is one).
 */
export function findPlaintextSecrets(file: string, parsed: ParsedYaml): FleetIssue[] {
  const hits: { path: PropertyKey[]; field: PropertyKey[]; message: string }[] = [];
  const report = (path: PropertyKey[], message: string, field = path) => hits.push({ path, field, message });
  const looksLike = (text: string) => SECRET_VALUES.find(([re]) => re.test(text))?.[1];
  const walk = (value: unknown, path: PropertyKey[]) => {
    const key = path.at(-1);
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      const kind = typeof value === 'string' ? looksLike(text) : undefined;
      if (kind) return report(path, `looks like ${kind}: secrets belong in secrets.age, encrypted`);
      if (typeof key === 'string' && SECRET_KEY.test(key) && text.length > 0) {
        return report(path, `"${key}" looks like a secret: secrets belong in secrets.age, encrypted`);
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const kind = looksLike(k);
        // The field names the parent only: the key itself is the secret.
        if (kind) report([...path, k], `a key here looks like ${kind}: secrets belong in secrets.age, encrypted`, path);
        else walk(v, [...path, k]);
      }
    }
  };
  walk(parsed.value, []);
  return capIssues(file, hits, ({ path, field, message }) => ({ file, line: parsed.lineOf(path), field: fieldPath(field), message }));
}
