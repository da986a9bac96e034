import { access } from 'node:fs/promises';

/**
 * Whether a path exists. Missing (ENOENT) or under a file (ENOTDIR) is false; anything else — a
 * permission problem — is an error worth seeing, not a silent "no".
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return false;
    throw error;
  }
}
