import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * buckfleet's own version, from its package.json. Looked up by walking up from this file, since
 * it runs both as `cli/version.ts` (tests, tsx) and as `dist/cli/version.js` (the bin).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const found = readPackage(join(dir, 'package.json'));
    if (found !== null) return found;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find buckfleet\'s package.json to read its version');
    dir = parent;
  }
}

function readPackage(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    throw error;
  }
  const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
  return pkg.name === 'buckfleet' && typeof pkg.version === 'string' ? pkg.version : null;
}
