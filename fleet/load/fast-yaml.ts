/**
 * A fast reader for the plain block YAML that nearly every manifest is (what `yaml`'s stringify and
 * people write): block maps of plain keys, block sequences, plain / quoted / `|` scalars, comment
 * and blank lines. `yaml` itself costs ~0.2–0.4 ms a file (its lexer alone ~0.1 ms), which is
 * seconds at 30k files; this reads the same files in a few µs.
 *
 * It only ever answers for texts it is sure `yaml` (core schema, strict) reads without an error or
 * warning and to the same value; for anything else — tabs, CR, a BOM, anchors, aliases, tags,
 * flow collections, escapes, multi-line plain scalars, duplicate or non-string keys, several
 * documents, deep nesting, any line it does not recognise — it returns {@link NOT_SIMPLE}, and the
 * caller parses the text with `yaml`, which then reports whatever is wrong. So every refusal of
 * hostile input stays `yaml`'s and the validating visitor's; fast-yaml.test.ts checks the values
 * against `yaml` on generated fleets and on mutated texts.
 *
 * It walks the text by offsets and allocates only the keys, values and containers it returns: a
 * cold load reads 30k manifests, and every line split off or object made per line was garbage
 * the collector then spent more time on than the reading itself.
 */

export const NOT_SIMPLE: unique symbol = Symbol('not simple YAML');
export type FastResult = Record<string, unknown> | typeof NOT_SIMPLE;

/** Past this, `yaml` decides (it refuses stacks that would overflow); manifests nest 5 deep. */
const MAX_DEPTH = 64;
/** `yaml` refuses implicit keys over 1024 characters; far below that, leave it to `yaml`. */
const MAX_KEY = 256;

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;

class NotSimple extends Error {}
const notSimple = (): never => {
  throw new NotSimple();
};

/** Core-schema resolution of a plain scalar, as `yaml` 2 does it (tests in this order). */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Only text starting with a digit, sign, dot, ~, n/N, t/T, f/F can be anything but a string.
  const digitish = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
  if (!digitish) {
    switch (c) {
      case 126: // ~
        return s === '~' ? null : s;
      case 110: // n
      case 78: // N
        return s === 'null' || s === 'Null' || s === 'NULL' ? null : s;
      case 116: // t
      case 84: // T
        return s === 'true' || s === 'True' || s === 'TRUE' ? true : s;
      case 102: // f
      case 70: // F
        return s === 'false' || s === 'False' || s === 'FALSE' ? false : s;
      default:
        return s;
    }
  }
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) {
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

/**
 * Tabs, CR, a BOM and Unicode line or space characters are legal in places, but the rules for
 * them are subtle (and JavaScript's trim() knows more spaces than YAML): `yaml` decides.
 */
export const NOT_SIMPLE_CHARS = /[\t\r\uFEFF\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

/** The value of a manifest in the simple subset, or {@link NOT_SIMPLE}. */
export function parseSimpleYaml(text: string): FastResult {
  return NOT_SIMPLE_CHARS.test(text) ? NOT_SIMPLE : readSimpleYaml(text);
}

/** {@link parseSimpleYaml} of a text known to hold none of {@link NOT_SIMPLE_CHARS}. */
export function readSimpleYaml(text: string): FastResult {
  try {
    return new Reader(text).document();
  } catch (e) {
    if (e instanceof NotSimple) return NOT_SIMPLE;
    throw e;
  }
}

/** `[A-Za-z0-9_]`: what a plain key starts with. */
const isKeyStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
/** `[A-Za-z0-9_./-]`: what the rest of a plain key is made of. */
const isKeyChar = (c: number): boolean => isKeyStart(c) || c === 46 || c === 47 || c === DASH;

/**
 * The reader sits on one meaningful line at a time (blank and comment-only lines skipped): its
 * content runs from `start` to `end` (the line break, or the end of the text), at column `indent`.
 * `- key: value` makes the rest of the line a line of its own at the column where `key` begins.
 */
class Reader {
  private readonly text: string;
  /** Offset of the next line not yet looked at. */
  private next = 0;
  private has = false;
  private start = 0;
  private end = 0;
  private indent = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  document(): Record<string, unknown> {
    // An empty file, or one that does not start as a top-level map: `yaml` says what it is.
    if (!this.peek() || this.indent !== 0 || this.colonOfEntry() < 0) notSimple();
    const value = this.map(0);
    if (this.peek()) notSimple();
    return value;
  }

  /** Moves to the next meaningful line unless already on one; false at the end of the text. */
  private peek(): boolean {
    if (this.has) return true;
    const text = this.text;
    while (this.next < text.length) {
      const lineStart = this.next;
      let end = text.indexOf('\n', lineStart);
      if (end < 0) end = text.length;
      this.next = end + 1;
      let start = lineStart;
      while (start < end && text.charCodeAt(start) === SPACE) start++;
      if (start === end || text.charCodeAt(start) === HASH) continue;
      this.start = start;
      this.end = end;
      this.indent = start - lineStart;
      this.has = true;
      return true;
    }
    return false;
  }

  /** Past the current line. */
  private consume(): void {
    this.has = false;
  }

  /** The offset of the `:` ending the current line's plain key, or -1 if it is no map entry. */
  private colonOfEntry(from = this.start): number {
    const text = this.text;
    const end = this.end;
    if (from >= end || !isKeyStart(text.charCodeAt(from))) return -1;
    let i = from + 1;
    while (i < end && isKeyChar(text.charCodeAt(i))) i++;
    if (i >= end || text.charCodeAt(i) !== COLON) return -1;
    return i + 1 === end || text.charCodeAt(i + 1) === SPACE ? i : -1;
  }

  /** `- ` or a lone `-` at `at`. */
  private isItem(at = this.start): boolean {
    return this.text.charCodeAt(at) === DASH && (at + 1 === this.end || this.text.charCodeAt(at + 1) === SPACE);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) notSimple();
  }

  private map(indent: number): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = {};
    while (this.peek() && this.indent >= indent) {
      if (this.indent > indent) notSimple();
      const colon = this.colonOfEntry();
      if (colon < 0) notSimple();
      const key = this.text.slice(this.start, colon);
      // A duplicate is refused by the validating parse, with its line; __proto__ is not a plain property.
      if (key.length > MAX_KEY || typeof resolvePlain(key) !== 'string' || key === '__proto__' || Object.hasOwn(out, key)) notSimple();
      const end = this.end;
      this.consume();
      out[key] = this.value(colon + 1, end, indent, true);
    }
    this.depth--;
    return out;
  }

  /** `atKeyColumn`: the sequence sits at its key's indentation, and the map's next key ends it. */
  private seq(indent: number, atKeyColumn = false): unknown[] {
    this.enter();
    const out: unknown[] = [];
    while (this.peek() && this.indent >= indent) {
      if (atKeyColumn && this.indent === indent && !this.isItem()) break;
      if (this.indent > indent || !this.isItem()) notSimple();
      const lineStart = this.start - this.indent;
      const rest = skipSpaces(this.text, this.start + 1, this.end);
      if (rest < this.end && (this.colonOfEntry(rest) >= 0 || this.isItem(rest))) {
        // `- key: value` / `- - x`: the rest of the line is a node at its own column.
        const nested = this.colonOfEntry(rest) >= 0;
        this.indent = rest - lineStart;
        this.start = rest;
        out.push(nested ? this.map(this.indent) : this.seq(this.indent));
      } else {
        const end = this.end;
        this.consume();
        out.push(this.value(this.start + 1, end, indent + 1, false));
      }
    }
    this.depth--;
    return out;
  }

  /** The value from `from` to `to` after `key:` or `-` on a line at `indent` (the line already consumed). */
  private value(from: number, to: number, indent: number, inMap: boolean): unknown {
    const text = this.text;
    const start = skipSpaces(text, from, to);
    let end = to;
    while (end > start && text.charCodeAt(end - 1) === SPACE) end--;
    if (start === end) {
      if (!this.peek()) return null;
      if (this.indent > indent) {
        if (this.isItem()) return this.seq(this.indent);
        if (this.colonOfEntry() >= 0) return this.map(this.indent);
        return notSimple();
      }
      // A sequence may sit at its key's own indentation.
      if (inMap && this.indent === indent && this.isItem()) return this.seq(indent, true);
      return null;
    }
    return this.scalar(text.slice(start, end), indent);
  }

  private scalar(text: string, indent: number): unknown {
    const first = text.charCodeAt(0);
    if (first === 34) return doubleQuoted(text);
    if (first === 39) return singleQuoted(text);
    if (text === '|' || text === '|-') return this.literal(indent, text === '|-');
    if (text === '{}') return {};
    if (text === '[]') return [];
    if (INDICATOR_START.test(text) || LONE_INDICATOR.test(text)) notSimple();
    // A comment, or a key in a value's place: `yaml` decides what it is.
    if (text.includes(' #') || text.includes(': ') || text.charCodeAt(text.length - 1) === COLON) notSimple();
    return resolvePlain(text);
  }

  /** A `|` or `|-` block scalar whose lines follow the one at `indent`. */
  private literal(indent: number, strip: boolean): string {
    const text = this.text;
    const first = this.next;
    // The scalar's lines: up to the first line with text left of its column (blank lines belong
    // to it if more text follows).
    let column = -1;
    let at = first;
    /** Start of the line after its last line with text. */
    let last = first;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const spaces = skipSpaces(text, at, end) - at;
      if (at + spaces < end) {
        if (column < 0) column = spaces;
        if (spaces < column) break;
        // Text ending without a line break: clipping keeps none, which is `yaml`'s to say.
        if (end === text.length) notSimple();
        last = end + 1;
      }
      at = end + 1;
    }
    if (column <= indent) notSimple();
    const stop = at > text.length ? text.length : at;
    // A line of spaces beyond the column is content, even among the trailing lines that chomping
    // drops (`yaml` keeps its spaces): whatever its place, leave it to `yaml`.
    let body = '';
    for (let line = first; line < stop; ) {
      let end = text.indexOf('\n', line);
      if (end < 0) end = text.length;
      if (end - line > column && skipSpaces(text, line, end) === end) notSimple();
      if (line < last) {
        if (end - line > column) body += text.slice(line + column, end);
        if (end + 1 < last || !strip) body += '\n';
      }
      line = end + 1;
    }
    this.next = stop;
    // The lines past the scalar are read again from where it ended.
    this.has = false;
    return body;
  }
}

/** Characters a plain scalar may not start with (YAML's indicators), and quotes handled apart. */
const INDICATOR_START = /^[[\]{}#&*!|>'"%@`,]/;
/** `-`, `?` and `:` start a plain scalar only when a non-space follows. */
const LONE_INDICATOR = /^[-?:](?: |$)/;

/** Only spaces: YAML separates with spaces (tabs are already out), never with other Unicode spaces. */
function skipSpaces(text: string, from: number, to: number): number {
  while (from < to && text.charCodeAt(from) === SPACE) from++;
  return from;
}

function doubleQuoted(text: string): string {
  const inner = text.slice(1, -1);
  if (text.length < 2 || !text.endsWith('"') || inner.includes('"') || inner.includes('\\')) notSimple();
  return inner;
}

function singleQuoted(text: string): string {
  const inner = text.slice(1, -1);
  if (text.length < 2 || !text.endsWith("'") || inner.replaceAll("''", '').includes("'")) notSimple();
  return inner.replaceAll("''", "'");
}
