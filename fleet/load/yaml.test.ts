import { describe, expect, it } from 'vitest';
import { NOT_SIMPLE_CHARS } from './fast-yaml.js';
import { NOT_TEXT, parseManifestYaml, type ParsedYaml, UNUSUAL_CHARS } from './yaml.js';

function parsed(text: string): ParsedYaml {
  const r = parseManifestYaml('x.yaml', text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return r.parsed;
}
const refusal = (text: string) => {
  const r = parseManifestYaml('x.yaml', text);
  return r.ok ? [] : r.issues.map((i) => `${i.line}: ${i.field}: ${i.message}`);
};

describe('parseManifestYaml', () => {
  it('reads YAML 1.2 core: yes/no/on/off and dates stay text, versions stay text', () => {
    expect(parsed('a: yes\nb: off\nc: 2026-03-15\nd: 1.0.0\ne: 0x1F\nf: true\n').value).toEqual({
      a: 'yes',
      b: 'off',
      c: '2026-03-15',
      d: '1.0.0',
      e: 31,
      f: true,
    });
  });

  it('locates a field path, or its deepest existing ancestor', () => {
    const p = parsed('a:\n  b:\n    - x: 1\n    - x: 2\n      y: 3\nc: 4\n');
    expect(p.lineOf([])).toBe(1);
    expect(p.lineOf(['a'])).toBe(1);
    expect(p.lineOf(['a', 'b', 1])).toBe(4);
    expect(p.lineOf(['a', 'b', 1, 'y'])).toBe(5);
    expect(p.lineOf(['c'])).toBe(6);
    expect(p.lineOf(['a', 'b', 7, 'x'])).toBe(2);
    expect(p.lineOf(['a', 'missing'])).toBe(1);
  });

  it('locates numeric keys by their text', () => {
    expect(parsed('versions:\n  1.0.0: a\n  2: b\n').lineOf(['versions', '2'])).toBe(3);
  });

  it('refuses keys that differ in YAML but collide in JavaScript', () => {
    expect(refusal('a:\n  1: one\n  "1": uno\n')).toEqual(['3: a.1: duplicate key "1": a key may appear only once']);
    expect(refusal('- x: 1\n  y: 2\n- x: 1\n  true: 2\n  "true": 3\n')).toEqual(['5: [1].true: duplicate key "true": a key may appear only once']);
  });

  it('refuses aliases even when they are only anchors away from a bomb', () => {
    expect(refusal('a: &x [1, 2]\nb: *x\nc: *x\n')).toEqual([
      '2: (file): aliases (*name) are not allowed in manifests',
      '3: (file): aliases (*name) are not allowed in manifests',
    ]);
  });

  it('keeps explicit core tags, which mean what they say', () => {
    expect(parsed('a: !!str 1\nb: !!int "2"\n').value).toEqual({ a: '1', b: 2 });
  });
});

describe('UNUSUAL_CHARS', () => {
  it('is exactly what either screen looks for, over every UTF-16 code unit', () => {
    const differ: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      if (UNUSUAL_CHARS.test(ch) !== (NOT_TEXT.test(ch) || NOT_SIMPLE_CHARS.test(ch))) differ.push(c.toString(16));
    }
    expect(differ).toEqual([]);
  });

  it('sends a text with one of them the long way, to the same answer', () => {
    expect(parsed('a: 1\nb: "x\ty"\n').value).toEqual({ a: 1, b: 'x\ty' });
    expect(refusal('a: 1\u0001\n')).toEqual(['1: (file): not UTF-8 text: invalid UTF-8 or a control character (a binary file?)']);
    expect(parsed('a: "x\u00A0y"\n').value).toEqual({ a: 'x\u00A0y' });
  });
});
