import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
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
/** `prs/branches/<sha256 of branch>.json`: every PR number a branch has had, ascending. */
const BranchIndex = z.object({ branch: z.string(), numbers: z.array(z.number().int().positive()) });
/** `prs/last-number.json`: the highest number created so far, a hint (exclusive create still decides). */
const LastNumber = z.object({ last: z.number().int().nonnegative() });
/** Present once every record written before the branch index existed has been indexed. */
const INDEX_MARKER = 'branches-indexed';

export { PrNotFoundError } from '../errors.js';

/**
 * The PR files of a local fleet repo. Numbers are allocated by exclusive create of
 * `prs/<n>.json`. "The one open PR of a branch" is enforced by a claim file
 * `prs/open/<sha256 of branch>.json`, also created exclusively: of two writers opening a PR for
 * the same branch at once, one claim wins and the loser deletes its record. A PR counts as open
 * only while it holds its branch's claim, so a record left by a crash between the two creates
 * never shows up as a second open PR.
 *
 * Every renewal and purchase is a PR, so records pile up (10k tenants: 120k a year). Nothing on
 * a change's path reads them all: a branch's PRs are found through `prs/branches/`, the next
 * number starts from `prs/last-number.json`, and the open PRs are the claims.
 */
export class PrStore {
  private readonly prsDir: string;
  private readonly claimsDir: string;
  private readonly branchesDir: string;

  constructor(
    metadataDir: string,
    /** For error messages. */
    private readonly where: string,
  ) {
    this.prsDir = join(metadataDir, 'prs');
    this.claimsDir = join(this.prsDir, 'open');
    this.branchesDir = join(this.prsDir, 'branches');
  }

  /** Makes the folders and, once per repo, indexes the records written before the branch index existed. */
  async prepare(): Promise<void> {
    await mkdir(this.claimsDir, { recursive: true });
    await mkdir(this.branchesDir, { recursive: true });
    const marker = join(this.prsDir, INDEX_MARKER);
    if (await readJson(marker, z.object({ at: z.string() }))) return;
    // Idempotent (a union under each index's lock), so a crash or a second process doing the
    // same at once only repeats work.
    const records = await this.all();
    for (const r of records) await this.index(r.branch, r.number);
    await this.noteLast(records.reduce((max, r) => Math.max(max, r.number), 0));
    await writeJsonAtomic(marker, { at: new Date().toISOString() });
  }

  private path(n: number): string {
    return join(this.prsDir, `${n}.json`);
  }

  private claimPath(branch: string): string {
    return join(this.claimsDir, `${branchKey(branch)}.json`);
  }

  private indexPath(branch: string): string {
    return join(this.branchesDir, `${branchKey(branch)}.json`);
  }

  /** Adds `n` to the numbers of `branch`. */
  private async index(branch: string, n: number): Promise<void> {
    const path = this.indexPath(branch);
    await withFileLock(path, async () => {
      const index = await readJson(path, BranchIndex);
      const numbers = index?.branch === branch ? index.numbers : [];
      if (numbers.includes(n)) return;
      await writeJsonAtomic(path, { branch, numbers: [...numbers, n].sort((a, b) => a - b) });
    });
  }

  /** The newest record of a branch, in any state; null when it never had one. */
  async newestOf(branch: string): Promise<PrRecord | null> {
    const index = await readJson(this.indexPath(branch), BranchIndex);
    if (index === null || index.branch !== branch) return null;
    // A number whose record is gone lost a claim race (`discard`).
    for (const n of [...index.numbers].reverse()) {
      const record = await this.get(n);
      if (record !== null && record.branch === branch) return record;
    }
    return null;
  }

  /** The records holding their branch's claim: the open PRs, by number. */
  async claimed(): Promise<PrRecord[]> {
    const names = (await readdir(this.claimsDir)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
    const claims = await readAll(names, (name) => readJson(join(this.claimsDir, name), Claim));
    const numbers = claims.flatMap((c) => (c === null ? [] : [c.number])).sort((a, b) => a - b);
    const records = await readAll(numbers, (n) => this.get(n));
    return records.filter((r): r is PrRecord => r !== null);
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
    const numbers = recordNumbers(await readdir(this.prsDir));
    const records = await readAll(numbers.sort((a, b) => a - b), (n) => this.get(n));
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

  /** Writes a new record under the next free number and indexes it under its branch. */
  async create(fields: Omit<PrRecord, 'number'>): Promise<PrRecord> {
    let next = (await this.lastNumber()) + 1;
    for (let tries = 0; tries < 1000; tries++, next++) {
      const record = { ...fields, number: next };
      if (await createJsonExclusive(this.path(next), record)) {
        await this.noteLast(next);
        await this.index(fields.branch, next);
        return record;
      }
    }
    throw new GitError(`could not allocate a pull request number in ${this.where} after 1000 tries`, { op: 'create-pr', ref: fields.branch });
  }

  /** Where numbering goes on: the hint, else the highest record file name (one directory read, no record read). */
  private async lastNumber(): Promise<number> {
    const hint = await readJson(join(this.prsDir, 'last-number.json'), LastNumber);
    if (hint !== null) return hint.last;
    return recordNumbers(await readdir(this.prsDir)).reduce((max, n) => Math.max(max, n), 0);
  }

  /** Writers racing may leave the hint a little low; the exclusive create steps over the numbers taken. */
  private async noteLast(n: number): Promise<void> {
    await writeJsonAtomic(join(this.prsDir, 'last-number.json'), { last: n });
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

const branchKey = (branch: string) => createHash('sha256').update(branch).digest('hex');

/** Files read at once by {@link readAll}: all 20k records of a busy repo at once ran out of file descriptors (EMFILE). */
const READERS = 64;

/** `read` of every item, a few at a time, results in the items' order. */
async function readAll<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const limit = pLimit(READERS);
  return Promise.all(items.map((item) => limit(() => read(item))));
}

/** The PR numbers among a records folder's file names (`<n>.json`; the hint and the indexes are not records). */
function recordNumbers(names: readonly string[]): number[] {
  return names.flatMap((name) => (/^[1-9]\d*\.json$/.test(name) ? [Number(name.slice(0, -5))] : []));
}
