import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FluentResource } from '@fluent/bundle';
import { describe, expect, it } from 'vitest';
import { createI18n, LOCALES } from './i18n.js';
import { localesDir } from './paths.js';

/** Every .ftl file of a locale, parsed: message ids per file, and anything Fluent could not parse. */
async function readLocale(locale: string): Promise<{ ids: Map<string, string>; junk: string[] }> {
  const dir = join(localesDir(), locale);
  const ids = new Map<string, string>();
  const junk: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ftl')).sort()) {
    const text = await readFile(join(dir, file), 'utf8');
    const resource = new FluentResource(text);
    for (const message of resource.body) {
      if (ids.has(message.id)) junk.push(`${locale}/${file}: ${message.id} is also in ${ids.get(message.id)}`);
      ids.set(message.id, file);
    }
    // FluentResource skips what it cannot parse: count the entries a line-based scan sees.
    const declared = text.split('\n').filter((l) => /^-?[A-Za-z][\w-]*\s*=/.test(l)).length;
    if (declared !== resource.body.length) junk.push(`${locale}/${file}: ${declared - resource.body.length} entries do not parse`);
  }
  return { ids, junk };
}

/** Keys the bot's code asks for with a literal: `t('key'` and `ctx.t("key"`. */
async function keysUsedInCode(): Promise<Map<string, string>> {
  const root = join(localesDir(), '..');
  const used = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const match of (await readFile(path, 'utf8')).matchAll(/\bt\(\s*['"]([a-z][a-z0-9-]*)['"]/g)) used.set(match[1]!, relative(root, path));
      }
    }
  };
  await walk(root);
  return used;
}

describe('locales', () => {
  it('parse cleanly, and English and Russian have exactly the same keys', async () => {
    const [en, ru] = await Promise.all(LOCALES.map(readLocale));
    expect([...en!.junk, ...ru!.junk]).toEqual([]);
    const missingInRu = [...en!.ids.keys()].filter((k) => !ru!.ids.has(k));
    const missingInEn = [...ru!.ids.keys()].filter((k) => !en!.ids.has(k));
    expect({ missingInRu, missingInEn }).toEqual({ missingInRu: [], missingInEn: [] });
    expect(en!.ids.size).toBeGreaterThan(10);
  });

  it('have every key the code asks for by name', async () => {
    const { ids } = await readLocale('en');
    const used = await keysUsedInCode();
    const missing = [...used].filter(([key]) => !ids.has(key)).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(10);
  });

  it('renders in each language, with variables and without isolation marks', () => {
    const i18n = createI18n();
    expect(i18n.t('en', 'start-welcome', { name: 'Ann' })).toMatch(/^Hello, Ann!/);
    expect(i18n.t('ru', 'start-welcome', { name: 'Аня' })).toMatch(/^Здравствуйте, Аня!/);
    expect(i18n.t('ru', 'text-too-long', { max: 1000 })).not.toMatch(/[\u2068\u2069]/);
  });
});
