import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { tool } from './capabilities.js';
import { docker } from './dockerd.js';
import { registerCleanup } from './registry.js';

/**
 * Test hosts have no registry to pull from, and each has its own data root: images are imported
 * into each host from a tar built once per process from this machine's static busybox.
 */
export const TEST_IMAGE = 'buckfleet-test/busybox:1';

/** Applets the tests use; those this busybox lacks (Debian's has no `printenv`) are left out. */
const APPLETS = ['sh', 'httpd', 'wget', 'sleep', 'cat', 'echo', 'nc', 'env', 'printenv', 'printf', 'ls', 'mkdir', 'rm', 'wc', 'sha256sum'];

let rootfsTar: Promise<string> | null = null;

async function buildRootfsTar(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bft-image-'));
  registerCleanup(() => {
    rootfsTar = null;
    rmSync(dir, { recursive: true, force: true });
    return [];
  });
  const busybox = tool('busybox');
  const file = (await execa('file', ['-b', busybox], { reject: false })).stdout;
  if (file && !/statically linked|static-pie/.test(file)) throw new Error(`${busybox} is not statically linked (${file}): install busybox-static`);
  const available = new Set((await execa(busybox, ['--list'])).stdout.split('\n'));
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  for (const applet of APPLETS.filter((a) => available.has(a))) symlinkSync('busybox', join(root, 'bin', applet));
  const tar = join(dir, 'rootfs.tar');
  await execa(tool('tar'), ['-C', root, '--numeric-owner', '-cf', tar, '.']);
  return tar;
}

/** Imports the busybox rootfs into `host`'s dockerd as `tag`. */
export async function importImage(host: { readonly dockerHost: string }, tag = TEST_IMAGE): Promise<void> {
  rootfsTar ??= buildRootfsTar().catch((error: unknown) => {
    rootfsTar = null; // the next call tries again
    throw error;
  });
  const tar = await rootfsTar;
  const r = await docker(host, ['import', '--change', 'ENV PATH=/bin', tar, tag]);
  if (r.exitCode !== 0) throw new Error(`docker import ${tag} failed: ${r.stderr}`);
}
