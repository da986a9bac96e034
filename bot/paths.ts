import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bot/locales of this package, whether running from sources (bot/) or compiled (dist/bot/):
 * the .ftl files are data and are not copied into dist.
 */
export function localesDir(): string {
  const above = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const root = basename(above) === 'dist' ? dirname(above) : above;
  return join(root, 'bot', 'locales');
}
