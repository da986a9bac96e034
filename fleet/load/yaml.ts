import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { capIssues, type FleetIssue, fieldPath, WHOLE_FILE } from './errors.js';
import { NOT_SIMPLE, parseSimpleYaml, readSimpleYaml } from './fast-yaml.js';
import { lazyLineOf, type LineOf } from './lines.js';
import { MANIFEST_YAML_OPTIONS } from './yaml-options.js';

/** Manifests are small; anything larger is a mistake or an attack. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

export interface ParsedYaml {
  readonly value: unknown;
  /** Line (1-based) of the node at a field path, or of its deepest existing ancestor. */
  readonly lineOf: LineOf;
}

export type ParseResult = { ok: true; parsed: ParsedYaml } | { ok: false; issues: FleetIssue[] };

const fileIssue = (file: string, line: number, message: string): FleetIssue => ({ file, line, field: WHOLE_FILE, message });

/**
 * What a UTF-8 text file never holds: C0/C1 controls other than tab and line breaks (YAML's
 * non-printables), and U+FFFD, which is what invalid UTF-8 turns into when bytes are decoded.
 */
// eslint-disable-next-line no-control-regex
export const NOT_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFD\uFFFE\uFFFF]/;

/**
 * Every character that {@link NOT_TEXT} or the fast reader's screen (`NOT_SIMPLE_CHARS`) looks
 * for: a text without any passes both, in one pass instead of two (yaml.test.ts checks the union).
 */
// eslint-disable-next-line no-control-regex
export const UNUSUAL_CHARS = /[\u0000-\u0009\u000B-\u001F\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF\uFFFD-\uFFFF]/;

/**
 * Parses one manifest, refusing what YAML allows but a manifest never needs: several documents,
 * aliases (the alias-bomb vector), tags beyond the core schema's, non-scalar keys, duplicate keys,
 * binary or oversized input, nesting deep enough to exhaust the stack.
 * Warnings are errors: a manifest either means exactly one thing or is refused.
 *
 * Plain block YAML (nearly every manifest) is read by the fast reader, which answers only for
 * texts `yaml` takes without a word; everything else goes through `yaml` and its checks. No
 * Document is kept either way: line numbers are worked out again if a problem needs one.
 */
export function parseManifestYaml(file: string, text: string): ParseResult {
  // Nearly every manifest: far from the size limit (3 bytes a UTF-16 unit at most), and none of
  // the characters that either check looks for, so neither needs to run.
  const plain = text.length * 3 <= MAX_MANIFEST_BYTES && !UNUSUAL_CHARS.test(text);
  if (!plain) {
    const refused = precheck(file, text);
    if (refused) return refused;
  }
  const simple = plain ? readSimpleYaml(text) : parseSimpleYaml(text);
  if (simple !== NOT_SIMPLE) return { ok: true, parsed: { value: simple, lineOf: lazyLineOf(text) } };
  return parseGuarded(file, text);
}

/** Size and binary checks, before any parser sees the text. */
function precheck(file: string, text: string): ParseResult | null {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    return { ok: false, issues: [fileIssue(file, 1, `file is ${bytes} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`)] };
  }
  const junk = NOT_TEXT.exec(text);
  if (junk) {
    const line = text.slice(0, junk.index).split('\n').length;
    return { ok: false, issues: [fileIssue(file, line, 'not UTF-8 text: invalid UTF-8 or a control character (a binary file?)')] };
  }
  return null;
}

/** The same as {@link parseManifestYaml}, always through `yaml` (the fast reader's reference). */
export function parseManifestYamlFully(file: string, text: string): ParseResult {
  return precheck(file, text) ?? parseGuarded(file, text);
}

function parseGuarded(file: string, text: string): ParseResult {
  try {
    return parse(file, text);
  } catch (e) {
    // The composer catches its own stack overflows; this is the backstop for the rest.
    if (e instanceof RangeError) return { ok: false, issues: [fileIssue(file, 1, 'nested too deeply to be a manifest')] };
    throw e;
  }
}

function parse(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...MANIFEST_YAML_OPTIONS, lineCounter, prettyErrors: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const issues: FleetIssue[] = [...doc.errors, ...doc.warnings].map((e) =>
    fileIssue(file, e.linePos?.[0].line ?? lineAt(e.pos[0]), yamlMessage(e.code, e.message)),
  );
  visit(doc, {
    Alias(_, node) {
      issues.push(fileIssue(file, lineAt(node.range?.[0] ?? 0), 'aliases (*name) are not allowed in manifests'));
    },
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const at = isMap(pair.key) || isSeq(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
        issues.push(fileIssue(file, lineAt(at), 'map keys must be plain strings'));
      }
    },
    Map(_, map, ancestors) {
      // `1:` and `"1":` are different YAML keys but the same JavaScript property: both are duplicates.
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const field = fieldPath([...pathOf(ancestors, map), key]);
          issues.push({ file, line: lineAt(pair.key.range?.[0] ?? 0), field, message: `duplicate key "${key}": a key may appear only once` });
        }
        seen.add(key);
      }
    },
  });
  if (issues.length > 0) return { ok: false, issues: capIssues(file, dedupe(issues), (i) => i) };
  if (doc.contents === null) return { ok: false, issues: [fileIssue(file, 1, 'file is empty')] };
  const value: unknown = doc.toJS({ maxAliasCount: 0 });
  return { ok: true, parsed: { value, lineOf: lazyLineOf(text) } };
}

function yamlMessage(code: string, message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'MULTIPLE_DOCS') return 'a manifest holds exactly one YAML document';
  if (code === 'TAG_RESOLVE_FAILED') return `custom YAML tags are not allowed (${first})`;
  if (code === 'RESOURCE_EXHAUSTION') return 'nested too deeply to be a manifest';
  return first;
}

/** The field path of a node from its ancestors, as `visit` passes them. */
function pathOf(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const chain = [...ancestors, node];
  const path: PropertyKey[] = [];
  chain.forEach((n, i) => {
    if (isPair(n) && isScalar(n.key)) path.push(String(n.key.value));
    else if (isSeq(n)) {
      const index = n.items.indexOf(chain[i + 1]);
      if (index >= 0) path.push(index);
    }
  });
  return path;
}

function dedupe(issues: FleetIssue[]): FleetIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.line}\0${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
