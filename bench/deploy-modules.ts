import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULES_DIR } from '../modules/build.js';

/**
 * A modules folder (BUCKFLEET_MODULES_DIR) with the reference `core` as it ships, except that
 * its TELEGRAM_API_ROOT defaults to the emulator's relay instead of api.telegram.org. A tenant
 * bought through Stripe has no module config (the order carries none), so the default is the
 * one place the deployed bot can be pointed at the emulator without touching the purchase.
 */
export async function referenceModulesDir(telegramApiRoot: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-bench-modules-'));
  await cp(join(MODULES_DIR, 'core'), join(dir, 'core'), { recursive: true, filter: (src) => !src.includes(`${join('core', 'src')}`) });
  const file = join(dir, 'core', 'module.yaml');
  const original = await readFile(file, 'utf8');
  const patched = original.replace("default: 'https://api.telegram.org'", `default: '${telegramApiRoot}'`);
  if (patched === original) throw new Error(`${file}: TELEGRAM_API_ROOT's default is not where the benchmark expects it`);
  await writeFile(file, patched);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
