import { type FleetIssue, fieldPath } from './errors.js';
import type { ParsedYaml } from './yaml.js';

/** Values that are secrets whatever field they sit in. */
const SECRET_VALUES: readonly [RegExp, string][] = [
  [/\b\d{5,}:[A-Za-z0-9_-]{30,}\b/, 'a Telegram bot token'],
  [/\b[sr]k_(live|test)_[A-Za-z0-9]{8,}/, 'a Stripe secret key'],
  [/\bwhsec_[A-Za-z0-9]{8,}/, 'a Stripe webhook secret'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/\bdop_v1_[a-f0-9]{20,}/, 'a DigitalOcean token'],
  [/\bAGE-SECRET-KEY-1[0-9A-Z]+/, 'an age identity'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
];

/** Field names whose non-empty values are secrets. */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;

/**
 * Finds plaintext secrets in a manifest other than secrets.age. A hit names the field and what
 * the value looks like, never the value itself.
 */
export function findPlaintextSecrets(file: string, parsed: ParsedYaml): FleetIssue[] {
  const out: FleetIssue[] = [];
  const walk = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === 'string') {
      const key = path.at(-1);
      const hit = SECRET_VALUES.find(([re]) => re.test(value));
      if (hit) return report(path, `looks like ${hit[1]}: secrets belong in secrets.age, encrypted`);
      if (typeof key === 'string' && SECRET_KEY.test(key) && value.length > 0) {
        return report(path, `"${key}" looks like a secret: secrets belong in secrets.age, encrypted`);
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  const report = (path: PropertyKey[], message: string) => {
    out.push({ file, line: parsed.lineOf(path), field: fieldPath(path), message });
  };
  walk(parsed.value, []);
  return out;
}
