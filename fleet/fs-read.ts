import { constants, type Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MANIFEST_BYTES } from './load/yaml.js';
import type { FleetSnapshot } from './model.js';
import { FLEET_FILE } from './paths.js';

/**
 * The only parts of a checkout the loader looks at. Nothing else is walked, so `.git`,
 * `node_modules`, `schema/` and the like are never listed, let alone read.
 */
const MANIFEST_DIRS = new Set(['tenants', 'hosts', 'catalog']);

/** Same wording as `readTree`. */
const SYMLINK = 'symbolic links are not allowed in a fleet repo';

/** The directory itself cannot be read as a fleet checkout. */
export class FleetDirError extends Error {
  override readonly name = 'FleetDirError';
  constructor(
    message: string,
    readonly dir: string,
  ) {
    super(message);
  }
}

/**
 * Reads a fleet checkout on disk into the same snapshot `readTree` makes from git, so
 * `buckfleet validate` on a working tree sees what a commit of it would hold.
 *
 * A manifest path is trusted only as far as it stays inside the checkout: symbolic links (which
 * could point anywhere, `../../etc/passwd` included) and non-regular files are refused with a
 * reason, as are files over `MAX_MANIFEST_BYTES`, which are never read. A refused directory is
 * listed by its path (a top-level one with a trailing `/`) so the loader reports it instead of
 * silently missing its files.
 */
export async function readFleetDir(dir: string): Promise<FleetSnapshot> {
  // The root may be reached through a link (the caller chose it); only what is inside is checked.
  const root = await statOrNull(dir);
  if (root === null) throw new FleetDirError(`no such directory: ${dir}`, dir);
  if (!root.isDirectory()) throw new FleetDirError(`not a directory: ${dir}`, dir);

  const files = new Map<string, string>();
  const refused = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === FLEET_FILE) {
      await readEntry(dir, entry.name, entry, files, refused);
    } else if (MANIFEST_DIRS.has(entry.name)) {
      // The loader ignores a bare `tenants` path; `tenants/` is one it reports.
      if (entry.isSymbolicLink()) refused.set(`${entry.name}/`, SYMLINK);
      else await walk(dir, entry.name, entry, files, refused);
    }
  }
  return { files: sortedByPath(files), refused: sortedByPath(refused) };
}

async function walk(dir: string, rel: string, entry: Dirent, files: Map<string, string>, refused: Map<string, string>): Promise<void> {
  if (!entry.isDirectory()) {
    await readEntry(dir, rel, entry, files, refused);
    return;
  }
  for (const child of await readdir(join(dir, rel), { withFileTypes: true })) {
    // Paths are POSIX whatever the OS: they are the keys of the repo tree.
    await walk(dir, `${rel}/${child.name}`, child, files, refused);
  }
}

async function readEntry(dir: string, rel: string, entry: Dirent, files: Map<string, string>, refused: Map<string, string>): Promise<void> {
  if (entry.isSymbolicLink()) {
    refused.set(rel, SYMLINK);
    return;
  }
  if (!entry.isFile()) {
    refused.set(rel, 'only regular files are allowed in a fleet repo');
    return;
  }
  const result = await readBounded(join(dir, rel));
  if (result.ok) files.set(rel, result.text);
  else refused.set(rel, result.reason);
}

type BoundedRead = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Opens without following a symlink and checks the open file, not the path, so a file swapped
 * for a link or grown after the directory listing is still caught; reads at most the limit.
 */
async function readBounded(path: string): Promise<BoundedRead> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ELOOP') return { ok: false, reason: SYMLINK };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'cannot be read: permission denied' };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'only regular files are allowed in a fleet repo' };
    if (info.size > MAX_MANIFEST_BYTES) return tooBig(`is ${info.size} bytes`);
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_MANIFEST_BYTES) return tooBig('grew past the limit while being read');
    }
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Same wording as `readTree` and `parseManifestYaml`, so git and disk report alike. */
const tooBig = (what: string): BoundedRead => ({
  ok: false,
  reason: `file ${what}; a manifest may be at most ${MAX_MANIFEST_BYTES}`,
});

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function sortedByPath<T>(map: Map<string, T>): Map<string, T> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
