import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/fleet-generator.js';
import { validFleetFiles } from '../../test/fleet-fixtures.js';
import { seeded } from '../../test/seeded.js';
import { NOT_SIMPLE, parseSimpleYaml } from './fast-yaml.js';
import { parseManifestYamlFully } from './yaml.js';

/**
 * The fast reader may decline anything, but whatever it answers must be exactly what `yaml`
 * (through the full validating parse) answers, and `yaml` must have had nothing to say about it.
 */
function expectAgrees(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === NOT_SIMPLE) return false;
  const full = parseManifestYamlFully('x.yaml', text);
  if (!full.ok) throw new Error(`fast reader took a text yaml refuses (${full.issues.map((i) => i.message).join('; ')}):\n${text}`);
  expect(fast, text).toEqual(full.parsed.value);
  return true;
}

describe('parseSimpleYaml', () => {
  it('reads every file of a generated fleet and of the fixtures, as yaml does', () => {
    const texts = [...generateFleet({ tenants: 120, seed: 7 }).files.values(), ...validFleetFiles().values()];
    const declined = texts.filter((t) => !expectAgrees(t));
    // Declining is safe but slow: the common manifests must stay on the fast path.
    expect(declined).toEqual([]);
  });

  it.each([
    ['core scalars', 'a: ~\nb: null\nc: True\nd: FALSE\ne: 0o17\nf: -12\ng: 0x1F\nh: .inf\ni: -.Inf\nj: .nan\nk: 1e3\nl: -1.5\nm: 1.\nn: .5\no: +7\np: 1.0.0\nq: yes\nr: 2026-03-15\n'],
    ['texts with punctuation', 'a: https://t.me/+abc\nb: Hello, world!\nc: a[1]{2}\nd: x:y\ne: -foo\nf: "quoted: # yes"\ng: \'it\'\'s\'\nh: ""\ni: a#b\nj: Альфа 🛒\n'],
    ['nesting, sequences at the key column, empty flows', 'a:\n  b:\n    - x: 1\n      y: []\n    - - 1\n      - 2\n    -\n      z: 3\nc:\n- 1\n- two\nd: {}\ne: []\nf:\n'],
    ['literal blocks', 'a: |\n  one\n\n  # not a comment\n    indented\n\n\nb: |-\n  two\n  lines\nc:\n  - |\n    item\n'],
    ['comments and blank lines', '# head\na: 1\n\n  # indented comment\nb:\n  # between\n  c: 2\n'],
    ['trailing spaces after an item\'s first key', 'a:\n  -   k: v  \n      l: w\n  - - x   \n    - y\n'],
  ])('answers as yaml does on %s', (_, text) => {
    expect(expectAgrees(text)).toBe(true);
  });

  it.each([
    ['an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a key that is a number', '1: a\n'],
    ['a tab', 'a:\n\t1\n'],
    ['CRLF', 'a: 1\r\n'],
    ['a BOM', '\uFEFFa: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a flow map', 'a: {b: 1}\n'],
    ['an escape', 'a: "x\\n"\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a top-level sequence', '- 1\n'],
    ['an empty file', ''],
    ['a literal block without a final line break', 'a: |\n  x'],
    ['__proto__', '__proto__: 1\n'],
    ['deep nesting', `a: ${'- '.repeat(200)}1\n`],
    ['a non-breaking space', 'a: 1\u00A0\n'],
    // yaml keeps those spaces ("one\n \n"), even where chomping drops empty lines.
    ['a line of spaces past a literal block\'s column, after its text', 'a: |\n  one\n   \nb: 1\n'],
    ['a line of spaces past a literal block\'s column, before its text', 'a: |\n   \n  one\n'],
  ])('declines %s', (_, text) => {
    expect(parseSimpleYaml(text)).toBe(NOT_SIMPLE);
  });

  it('never answers differently from yaml on thousands of mutated manifests', () => {
    const random = seeded(42);
    // Besides the generated files, texts with what they lack: literal blocks, items that are maps or sequences.
    const blocks = ['a: |\n  one\n\n  two\n   three\nb: |-\n  x\n\n\nc:\n  - |\n    item\n  -   k: v  \n      l: w\n', 'a:\n- b: 1\n  c:\n  - d\n- - e\n  - f\n'];
    const bases = [...generateFleet({ tenants: 10, seed: 3 }).files.values(), ...blocks];
    const pieces = [' ', '  ', '\n', '-', '- ', ':', ': ', '#', ' #', '|', '|-', '"', "'", '[', ']', '{', '}', '&a', '*a', '!', '~', '0', '1.5', 'true', '\n  ', '\n- ', 'x', '?', ',', '%', '---\n', '   \n', '\n\n', '|\n', 'Null', '0x1F', '.inf', "'b''c'", '- k: v'];
    let answered = 0;
    for (let n = 0; n < 6000; n++) {
      let text = bases[Math.floor(random() * bases.length)] ?? '';
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const cut = random() < 0.3 ? Math.floor(random() * 4) : 0;
        text = text.slice(0, at) + (pieces[Math.floor(random() * pieces.length)] ?? '') + text.slice(at + cut);
      }
      if (expectAgrees(text)) answered++;
    }
    // The check means something only if many mutants stayed on the fast path.
    expect(answered).toBeGreaterThan(1000);
  });
});
