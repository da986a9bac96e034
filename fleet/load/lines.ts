import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { MANIFEST_YAML_OPTIONS } from './yaml-options.js';

/** Line (1-based) of the node at a field path, or of its deepest existing ancestor. */
export type LineOf = (path: readonly PropertyKey[]) => number;

/**
 * Line numbers for a text that already parsed, computed only when a problem needs one. Keeping a
 * `yaml` Document (with its LineCounter) for every valid file cost most of a 10k-tenant load's
 * memory; nearly every file has no problem, so the text is re-parsed on the first call instead,
 * and that Document kept for the calls after it.
 */
export function lazyLineOf(text: string): LineOf {
  let located: { doc: Document; lines: LineCounter } | null = null;
  return (path) => {
    if (located === null) {
      const lines = new LineCounter();
      const doc = parseDocument(text, { ...MANIFEST_YAML_OPTIONS, lineCounter: lines });
      located = { doc, lines };
    }
    return lineOfPath(located.doc, located.lines, path);
  };
}

export function lineOfPath(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number {
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
