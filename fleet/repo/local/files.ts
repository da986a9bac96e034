import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { GitError, TransientGitError } from '../errors.js';
import { type RetryPolicy, withRetry } from '../git/retry.js';

/**
 * Metadata files of the local fleet repo (PRs, commit statuses) under `<gitdir>/buckfleet/`.
 * Several processes share them, so every write is atomic: readers see the old file or the new
 * one, never half of one.
 */

/** Lock files guard read-modify-write of one file for milliseconds; wait up to about 5 s in all. */
export const METADATA_LOCK_RETRY: RetryPolicy = { attempts: 40, baseMs: 5, maxMs: 200 };

const errnoCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** A temp file beside `path`: same directory, so `rename`/`link` stay on one file system. */
const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Reads and validates a JSON file; null when it does not exist. A corrupt file is an error for a person. */
export async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GitError(`${path} is not valid JSON; restore or remove it`, { op: 'read-metadata' }, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new GitError(`${path} does not hold what buckfleet wrote: ${parsed.error.message}`, { op: 'read-metadata' });
  }
  return parsed.data;
}

/** Replaces a file atomically: write a temp file beside it, then rename over it. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = tempBeside(path);
  await writeFile(temp, JSON.stringify(value, null, 2) + '\n', { encoding: 'utf8', flag: 'wx' });
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp);
    throw error;
  }
}

/**
 * Creates `path` holding `value` only if it does not exist yet; false if it does. `link()` of a
 * complete temp file is the exclusive create here rather than `open(path, 'wx')` + write: with
 * `wx`, a reader can open the file between its creation and the write and see it empty.
 */
export async function createJsonExclusive(path: string, value: unknown): Promise<boolean> {
  const temp = tempBeside(path);
  await writeFile(temp, JSON.stringify(value, null, 2) + '\n', { encoding: 'utf8', flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

/** Removes a file; false when it was already gone. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Runs `fn` holding `<path>.lock`, created with `open(…, 'wx')`, waiting with backoff while
 * another writer holds it. Like git, a lock left by a crashed process is never broken
 * automatically — stealing a lock that is merely slow would let two writers in — so the final
 * error says which file to remove.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, retry: RetryPolicy = METADATA_LOCK_RETRY): Promise<T> {
  const lock = `${path}.lock`;
  const handle = await withRetry(async () => {
    try {
      return await open(lock, 'wx');
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      throw new TransientGitError(
        `${lock} is held by another buckfleet writer; if no buckfleet process is running, a crashed one left it: remove the file`,
        { op: 'lock' },
        { cause: error },
      );
    }
  }, retry);
  try {
    // The holder's pid, for the person who finds a stale lock.
    await handle.writeFile(`${process.pid}\n`, 'utf8');
  } catch (error) {
    await handle.close();
    await unlink(lock);
    throw error;
  }
  await handle.close();
  try {
    return await fn();
  } finally {
    await unlink(lock);
  }
}
