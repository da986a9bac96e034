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
 */

export const NOT_SIMPLE: unique symbol = Symbol('not simple YAML');
export type FastResult = Record<string, unknown> | typeof NOT_SIMPLE;

/** Past this, `yaml` decides (it refuses stacks that would overflow); manifests nest 5 deep. */
const MAX_DEPTH = 64;
/** `yaml` refuses implicit keys over 1024 characters; far below that, leave it to `yaml`. */
const MAX_KEY = 256;

/** A line that is a map entry: a plain key, ":", then a space or the end of the line. */
const ENTRY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: |$)/;
/** Characters a plain scalar may not start with (YAML's indicators), and quotes handled apart. */
const INDICATOR_START = /^[[\]{}#&*!|>'"%@`,]/;
/** `-`, `?` and `:` start a plain scalar only when a non-space follows. */
const LONE_INDICATOR = /^[-?:](?: |$)/;

class NotSimple extends Error {}
const notSimple = (): never => {
  throw new NotSimple();
};

interface Line {
  indent: number;
  /** The line after its indentation. */
  text: string;
}

/** Core-schema resolution of a plain scalar, as `yaml` 2 does it (tests in this order). */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Only text starting with a digit, sign, dot, ~, n/N, t/T, f/F can be anything but a string.
  const digitish = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
  if (!digitish && !/^[~nNtTfF]/.test(s)) return s;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (!digitish) return s;
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

/** The value of a manifest in the simple subset, or {@link NOT_SIMPLE}. */
export function parseSimpleYaml(text: string): FastResult {
  // Tabs, CR, a BOM and Unicode line or space characters are legal in places, but the rules for
  // them are subtle (and JavaScript's trim() knows more spaces than YAML): `yaml` decides.
  if (/[\t\r\uFEFF\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/.test(text)) return NOT_SIMPLE;
  try {
    return new Reader(text).document();
  } catch (e) {
    if (e instanceof NotSimple) return NOT_SIMPLE;
    throw e;
  }
}

class Reader {
  private readonly raw: string[];
  private readonly lines: (Line | null)[];
  private pos = 0;
  private depth = 0;

  constructor(text: string) {
    this.raw = text.split('\n');
    // null: a blank or comment-only line, which means nothing outside a block scalar.
    this.lines = this.raw.map((line) => {
      const indent = leadingSpaces(line);
      const rest = line.slice(indent);
      return rest === '' || rest[0] === '#' ? null : { indent, text: rest };
    });
  }

  document(): Record<string, unknown> {
    const first = this.peek();
    // An empty file, or one that does not start as a top-level map: `yaml` says what it is.
    if (first === null || first.indent !== 0 || !ENTRY.test(first.text)) notSimple();
    const value = this.map(0);
    if (this.peek() !== null) notSimple();
    return value;
  }

  /** The next meaningful line, skipping blank and comment lines. */
  private peek(): Line | null {
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos];
      if (line) return line;
      this.pos++;
    }
    return null;
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_DEPTH) notSimple();
    const value = read();
    this.depth--;
    return value;
  }

  private map(indent: number): Record<string, unknown> {
    return this.nested(() => {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (let line = this.peek(); line !== null && line.indent >= indent; line = this.peek()) {
        if (line.indent > indent) notSimple();
        const m = ENTRY.exec(line.text);
        if (!m) notSimple();
        const key = (m as RegExpExecArray)[1] as string;
        // A duplicate is refused by the validating parse, with its line; __proto__ is not a plain property.
        if (key.length > MAX_KEY || typeof resolvePlain(key) !== 'string' || seen.has(key) || key === '__proto__') notSimple();
        seen.add(key);
        this.pos++;
        out[key] = this.value(trimSpaces(line.text.slice(key.length + 1)), indent, true);
      }
      return out;
    });
  }

  /** `atKeyColumn`: the sequence sits at its key's indentation, and the map's next key ends it. */
  private seq(indent: number, atKeyColumn = false): unknown[] {
    return this.nested(() => {
      const out: unknown[] = [];
      for (let line = this.peek(); line !== null && line.indent >= indent; line = this.peek()) {
        if (atKeyColumn && line.indent === indent && !isItem(line.text)) break;
        if (line.indent > indent || !isItem(line.text)) notSimple();
        const rest = trimSpaces(line.text.slice(1));
        if (rest !== '' && (ENTRY.test(rest) || isItem(rest))) {
          // `- key: value` / `- - x`: the rest of the line is a node at its own column.
          const column = indent + (line.text.length - rest.length);
          this.lines[this.pos] = { indent: column, text: rest };
          out.push(ENTRY.test(rest) ? this.map(column) : this.seq(column));
        } else {
          this.pos++;
          out.push(this.value(rest, indent + 1, false));
        }
      }
      return out;
    });
  }

  /** The value after `key:` or `-` on a line at `indent` (the line already consumed). */
  private value(rest: string, indent: number, inMap: boolean): unknown {
    if (rest === '') {
      const next = this.peek();
      if (next !== null && next.indent > indent) return this.block(next);
      // A sequence may sit at its key's own indentation.
      if (inMap && next !== null && next.indent === indent && isItem(next.text)) return this.seq(indent, true);
      return null;
    }
    return this.scalar(rest, indent);
  }

  private block(next: Line): unknown {
    if (isItem(next.text)) return this.seq(next.indent);
    if (ENTRY.test(next.text)) return this.map(next.indent);
    return notSimple();
  }

  private scalar(rest: string, indent: number): unknown {
    const text = trimSpaces(rest);
    const first = text[0];
    if (first === '"') return doubleQuoted(text);
    if (first === "'") return singleQuoted(text);
    if (text === '|' || text === '|-') return this.literal(indent, text === '|-');
    if (text === '{}') return {};
    if (text === '[]') return [];
    if (INDICATOR_START.test(text) || LONE_INDICATOR.test(text)) notSimple();
    // A comment, or a key in a value's place: `yaml` decides what it is.
    if (text.includes(' #') || text.includes(': ') || text.endsWith(':')) notSimple();
    return resolvePlain(text);
  }

  /** A `|` or `|-` block scalar whose lines follow the one at `indent`. */
  private literal(indent: number, strip: boolean): string {
    const start = this.pos;
    let end = start;
    let column = -1;
    for (; end < this.raw.length; end++) {
      const raw = this.raw[end] as string;
      const spaces = leadingSpaces(raw);
      if (spaces === raw.length) continue; // blank: belongs to the scalar if more text follows
      if (column < 0) column = spaces;
      if (spaces < column) break;
    }
    if (column <= indent) notSimple();
    // Trailing blank lines are chomped whatever their spaces; leading or inner ones keep what is past the column.
    let last = end;
    while (last > start && isBlank(this.raw[last - 1] as string)) last--;
    // Text ending without a line break: clipping keeps none, which is `yaml`'s to say.
    if (last === this.raw.length) notSimple();
    const body: string[] = [];
    for (let i = start; i < last; i++) {
      const raw = this.raw[i] as string;
      if (isBlank(raw) && raw.length > column) notSimple();
      body.push(raw.length <= column ? '' : raw.slice(column));
    }
    this.pos = end;
    const text = body.join('\n');
    return strip ? text : `${text}\n`;
  }
}

const leadingSpaces = (line: string): number => {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
};
const isBlank = (line: string): boolean => leadingSpaces(line) === line.length;
/** Only spaces: YAML separates with spaces (tabs are already out), never with other Unicode spaces. */
const trimSpaces = (text: string): string => text.slice(leadingSpaces(text)).replace(/ +$/, '');

const isItem = (text: string): boolean => text[0] === '-' && (text.length === 1 || text[1] === ' ');

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

