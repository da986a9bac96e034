import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { type FleetIssue, WHOLE_FILE } from './errors.js';

/** Manifests are small; anything larger is a mistake or an attack. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

export interface ParsedYaml {
  readonly value: unknown;
  /** Line (1-based) of the node at a field path, or of its deepest existing ancestor. */
  readonly lineOf: (path: readonly PropertyKey[]) => number;
}

export type ParseResult = { ok: true; parsed: ParsedYaml } | { ok: false; issues: FleetIssue[] };

const fileIssue = (file: string, line: number, message: string): FleetIssue => ({ file, line, field: WHOLE_FILE, message });

/**
 * Parses one manifest, refusing what YAML allows but a manifest never needs: several documents,
 * aliases (the alias-bomb vector), custom tags, non-scalar keys, duplicate keys, oversized input.
 * Warnings are errors: a manifest either means exactly one thing or is refused.
 */
export function parseManifestYaml(file: string, text: string): ParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    return { ok: false, issues: [fileIssue(file, 1, `file is ${bytes} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`)] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    strict: true,
    schema: 'core',
    merge: false,
  });
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
  });
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
  if (doc.contents === null) return { ok: false, issues: [fileIssue(file, 1, 'file is empty')] };
  const value: unknown = doc.toJS({ maxAliasCount: 0 });
  return { ok: true, parsed: { value, lineOf: (path) => lineOfPath(doc, lineCounter, path) } };
}

function yamlMessage(code: string, message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`;
  if (code === 'MULTIPLE_DOCS') return 'a manifest holds exactly one YAML document';
  if (code === 'TAG_RESOLVE_FAILED') return `custom YAML tags are not allowed (${first})`;
  return first;
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

function lineOfPath(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      offset = (item as { range?: [number] }).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lc.linePos(offset).line;
}
