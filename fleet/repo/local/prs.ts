import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GitError, PrNotFoundError } from '../errors.js';
import { createJsonExclusive, readJson, removeFile, withFileLock, writeJsonAtomic } from './files.js';

/** What `<gitdir>/buckfleet/prs/<number>.json` holds. */
export const PrRecord = z.object({
  number: z.number().int().positive(),
  branch: z.string(),
  title: z.string(),
  body: z.string(),
  labels: z.array(z.string()),
  state: z.enum(['open', 'merged', 'closed']),
  /** Last head seen by a write; the live branch wins while the PR is open. */
  head: z.string(),
  mergeCommit: z.string().nullable(),
  /** A fast-forward makes no merge commit, so the merge message is kept here. */
  mergeMessage: z.string().nullable(),
  /** In creation order; one per marker. */
  comments: z.array(z.object({ marker: z.string(), body: z.string() })),
});
export type PrRecord = z.infer<typeof PrRecord>;

const Claim = z.object({ branch: z.string(), number: z.number().int().positive() });

export { PrNotFoundError } from '../errors.js';

/**
 * The PR files of a local fleet repo. Numbers are allocated by exclusive create of
 * `prs/<n>.json`. "The one open PR of a branch" is enforced by a claim file
 * `prs/open/<sha256 of branch>.json`, also created exclusively: of two writers opening a PR for
 * the same branch at once, one claim wins and the loser deletes its record. A PR counts as open
 * only while it holds its branch's claim, so a record left by a crash between the two creates
 * never shows up as a second open PR.
 */
export class PrStore {
  private readonly prsDir: string;
  private readonly claimsDir: string;

  constructor(
    metadataDir: string,
    /** For error messages. */
    private readonly where: string,
  ) {
    this.prsDir = join(metadataDir, 'prs');
    this.claimsDir = join(this.prsDir, 'open');
  }

  async prepare(): Promise<void> {
    await mkdir(this.claimsDir, { recursive: true });
  }

  private path(n: number): string {
    return join(this.prsDir, `${n}.json`);
  }

  private claimPath(branch: string): string {
    return join(this.claimsDir, `${createHash('sha256').update(branch).digest('hex')}.json`);
  }

  async get(n: number): Promise<PrRecord | null> {
    if (!Number.isSafeInteger(n) || n < 1) return null;
    return readJson(this.path(n), PrRecord);
  }

  async mustGet(n: number): Promise<PrRecord> {
    const record = await this.get(n);
    if (record === null) throw new PrNotFoundError(n, this.where);
    return record;
  }

  /** Every record, by number. */
  async all(): Promise<PrRecord[]> {
    const names = await readdir(this.prsDir);
    const numbers = names.flatMap((name) => (/^[1-9]\d*\.json$/.test(name) ? [Number(name.slice(0, -5))] : []));
    const records = await Promise.all(numbers.sort((a, b) => a - b).map((n) => this.get(n)));
    // A loser of a claim race deletes its record between readdir and read.
    return records.filter((r): r is PrRecord => r !== null);
  }

  /** The number of the open PR of a branch, if one holds the claim. */
  async claimOf(branch: string): Promise<number | null> {
    const claim = await readJson(this.claimPath(branch), Claim);
    return claim !== null && claim.branch === branch ? claim.number : null;
  }

  /** The state to show: "open" only for the record that holds its branch's claim. */
  async effectiveState(record: PrRecord): Promise<PrRecord['state']> {
    if (record.state !== 'open') return record.state;
    return (await this.claimOf(record.branch)) === record.number ? 'open' : 'closed';
  }

  /** Writes a new record under the next free number. */
  async create(fields: Omit<PrRecord, 'number'>): Promise<PrRecord> {
    let next = (await this.all()).reduce((max, r) => Math.max(max, r.number), 0) + 1;
    for (let tries = 0; tries < 1000; tries++, next++) {
      const record = { ...fields, number: next };
      if (await createJsonExclusive(this.path(next), record)) return record;
    }
    throw new GitError(`could not allocate a pull request number in ${this.where} after 1000 tries`, { op: 'create-pr', ref: fields.branch });
  }

  /** Makes `n` the open PR of its branch; false when another PR holds the claim. */
  async claim(branch: string, n: number): Promise<boolean> {
    return createJsonExclusive(this.claimPath(branch), { branch, number: n });
  }

  /** Drops the branch's claim if `n` holds it. Call with `n`'s lock held, after its state left "open". */
  async unclaim(branch: string, n: number): Promise<void> {
    if ((await this.claimOf(branch)) === n) await removeFile(this.claimPath(branch));
  }

  /** Deletes a record that never became visible as open (it lost the claim race). */
  async discard(n: number): Promise<void> {
    await removeFile(this.path(n));
  }

  async write(record: PrRecord): Promise<void> {
    await writeJsonAtomic(this.path(record.number), record);
  }

  /** Read-modify-write of one PR is serialized by `prs/<n>.json.lock`. */
  locked<T>(n: number, fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.path(n), fn);
  }
}
