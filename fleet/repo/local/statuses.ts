import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CommitStatus } from '../types.js';
import { readJson, withFileLock, writeJsonAtomic } from './files.js';

const Status = z.object({
  context: z.string(),
  state: z.enum(['pending', 'success', 'failure', 'error']),
  description: z.string(),
  targetUrl: z.string().optional(),
});
const StatusFile = z.object({ statuses: z.array(Status) });

/**
 * Commit statuses of a local fleet repo, one file per commit (`statuses/<sha>.json`), one entry
 * per context: a new status for a context replaces the old one, as GitHub's combined status shows it.
 * Callers pass a full commit id, already checked: it becomes a file name.
 */
export class StatusStore {
  private readonly dir: string;

  constructor(metadataDir: string) {
    this.dir = join(metadataDir, 'statuses');
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async set(commit: string, status: CommitStatus): Promise<void> {
    const path = join(this.dir, `${commit}.json`);
    await withFileLock(path, async () => {
      const current = (await readJson(path, StatusFile))?.statuses ?? [];
      const entry: CommitStatus = { ...status };
      const statuses = current.some((s) => s.context === status.context)
        ? current.map((s) => (s.context === status.context ? entry : s))
        : [...current, entry];
      await writeJsonAtomic(path, { statuses });
    });
  }

  /** The latest status of each context, by context name. */
  async get(commit: string): Promise<CommitStatus[]> {
    const file = await readJson(join(this.dir, `${commit}.json`), StatusFile);
    return [...(file?.statuses ?? [])].sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
  }
}
