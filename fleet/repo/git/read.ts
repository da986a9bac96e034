import { isAscii } from 'node:buffer';
import type { TreeBlob, TreeListing } from '../../load/cache.js';
import { MAX_MANIFEST_BYTES } from '../../load/yaml.js';
import type { FleetSnapshot } from '../../model.js';
import { GitError } from '../errors.js';
import type { GitRunner } from './runner.js';
import { FULL_SHA } from './write.js';

/** Files past this size are refused unread; manifests are far smaller. */
const MAX_READ_BYTES = MAX_MANIFEST_BYTES;

/**
 * Reads every file of a commit's tree in two git calls: `ls-tree` for names and sizes,
 * `cat-file --batch` for the contents. Symlinks, submodules and oversized files are refused
 * with a reason rather than read.
 */
export async function readTree(git: GitRunner, commit: string): Promise<FleetSnapshot> {
  const { blobs, refused } = await listTree(git, commit);
  const contents = await readBlobs(git, blobs.map((b) => b.sha));
  const files = new Map<string, string>();
  for (const b of blobs) files.set(b.path, contents.get(b.sha) ?? '');
  return { files, refused };
}

/**
 * A commit's tree without its contents (one `ls-tree`): the blobs worth reading, by path and sha,
 * and the paths refused unread with the reason.
 */
export async function listTree(git: GitRunner, commit: string): Promise<TreeListing> {
  // `-l`, not `--format`: git 2.39 C-quotes `%(path)` even with -z, and a quoted path under
  // tenants/ would not start with tenants/ (ignored, not refused).
  const listing = await git.run(['ls-tree', '-r', '-z', '-l', '--full-tree', commit], { largeOutput: true });
  const refused = new Map<string, string>();
  const blobs: TreeBlob[] = [];
  // Read from the bytes: a 10k fleet lists 30k entries, and each as a string split in five was
  // six strings and an array of garbage. Only the path and the object name become strings.
  for (let at = 0; at < listing.length; ) {
    let end = listing.indexOf(0, at);
    if (end < 0) end = listing.length;
    // `<mode> <type> <name> <size, padded>\t<path>`: only the path may hold spaces or tabs.
    const tab = listing.indexOf(TAB, at);
    const typeAt = listing.indexOf(SPACE, at) + 1;
    const nameAt = typeAt > 0 ? listing.indexOf(SPACE, typeAt) + 1 : 0;
    const nameEnd = nameAt > 0 ? listing.indexOf(SPACE, nameAt) : -1;
    if (tab < 0 || tab > end || nameEnd < 0 || nameEnd > tab) {
      throw new GitError(`git ls-tree returned "${listing.toString('utf8', at, Math.min(end, at + 120))}"`, { op: 'ls-tree' });
    }
    const path = listing.toString('utf8', tab + 1, end);
    const size = sizeOf(listing, nameEnd, tab);
    if (bytesAre(listing, at, typeAt - 1, SYMLINK_MODE)) refused.set(path, 'symbolic links are not allowed in a fleet repo');
    // ` blob `, with the spaces around the type.
    else if (!bytesAre(listing, typeAt - 1, nameAt, BLOB)) refused.set(path, `a ${listing.toString('latin1', typeAt, nameAt - 1)} is not allowed in a fleet repo`);
    else if (size > MAX_READ_BYTES) refused.set(path, `file is ${size} bytes; a manifest may be at most ${MAX_READ_BYTES}`);
    else blobs.push({ path, sha: listing.toString('latin1', nameAt, nameEnd) });
    at = end + 1;
  }
  return { blobs, refused };
}

/** The contents of blobs by sha, in one `cat-file --batch`; each distinct blob is read once. */
export async function readBlobs(git: GitRunner, shas: readonly string[]): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for await (const got of streamBlobs(git, shas)) for (const [sha, text] of got) contents.set(sha, text);
  return contents;
}

/**
 * The contents of blobs by sha, each distinct blob once, from one `cat-file --batch` whose
 * output is cut into records as it arrives: each yield holds the blobs whose records are complete
 * so far, in the order asked. Every blob asked for comes, or it throws naming the first one that
 * did not.
 */
export async function* streamBlobs(git: GitRunner, shas: readonly string[]): AsyncGenerator<Map<string, string>> {
  const wanted = [...new Set(shas)];
  // Each goes on its own stdin line: anything but a full object name could ask for something else.
  const bad = wanted.find((sha) => !FULL_SHA.test(sha));
  if (bad !== undefined) throw new GitError(`"${bad.slice(0, 80)}" is not a full blob id`, { op: 'cat-file' });
  if (wanted.length === 0) return;
  const records = new RecordCutter(wanted);
  for await (const chunk of git.stream(['cat-file', '--batch', '--buffer'], { input: `${wanted.join('\n')}\n` })) {
    const got = records.take(chunk);
    if (got.size > 0) yield got;
  }
  records.end();
}

/** `<sha> blob ` and up to 15 digits and a line break: no header git writes is longer. */
const MAX_HEADER = 64 + 6 + 15 + 1;

/**
 * Cuts `<sha> blob <size>\n<bytes>\n` records, one per blob asked for in that order, out of
 * `cat-file --batch` output that comes in chunks. A record the end of a chunk cuts is completed
 * from the head of the next one, joining only the bytes it lacks: joining whole chunks would
 * copy a cold load's 20 MB once more.
 */
class RecordCutter {
  private next = 0;
  /** The start of a record that the last chunk cut off, copied out of it. */
  private carry: Buffer | null = null;
  private readonly header = { end: 0, size: 0 };

  constructor(private readonly wanted: readonly string[]) {}

  /** The blobs whose records `chunk` completes. */
  take(chunk: Buffer): Map<string, string> {
    const got = new Map<string, string>();
    const offset = this.carry === null ? 0 : this.completeCarry(chunk, got);
    if (this.carry !== null) return got;
    const rest = this.cut(chunk, offset, got);
    // A copy: a view would keep the whole chunk alive for the few bytes of one record.
    this.carry = rest < chunk.length ? Buffer.from(chunk.subarray(rest)) : null;
    return got;
  }

  /** Throws unless every blob asked for came. */
  end(): void {
    if (this.next >= this.wanted.length) return;
    const expected = this.wanted[this.next] ?? '';
    if (this.carry !== null) throw wrongAnswer(this.carry, 0, expected);
    throw new GitError(`git cat-file ended after ${this.next} of ${this.wanted.length} blobs, before blob ${expected}`, { op: 'cat-file' });
  }

  /** The whole records of `out` from `offset` on, into `got`; where the first cut one starts. */
  private cut(out: Buffer, offset: number, got: Map<string, string>): number {
    const header = this.header;
    for (; this.next < this.wanted.length; this.next++) {
      const expected = this.wanted[this.next] ?? '';
      if (!readBlobHeader(out, offset, expected, header)) {
        // Not a blob header: either it is not all here yet, or it is an answer that is no blob.
        if (out.indexOf(NEWLINE, offset) < 0 && out.length - offset < MAX_HEADER) break;
        throw wrongAnswer(out, offset, expected);
      }
      const end = header.end + 1 + header.size;
      if (end + 1 > out.length) break;
      got.set(expected, textOf(out, header.end + 1, end));
      offset = end + 1;
    }
    return offset;
  }

  /**
   * Completes the carried record from the head of `chunk` (its header first, when that was cut
   * too), into `got`; where the rest of `chunk` starts. The carry stays when `chunk` ends first.
   */
  private completeCarry(chunk: Buffer, got: Map<string, string>): number {
    const header = this.header;
    const expected = this.wanted[this.next] ?? '';
    let offset = 0;
    for (let carry = this.carry; carry !== null; carry = this.carry) {
      const whole = readBlobHeader(carry, 0, expected, header);
      if (!whole && (carry.indexOf(NEWLINE) >= 0 || carry.length >= MAX_HEADER)) throw wrongAnswer(carry, 0, expected);
      const need = whole ? header.end + 1 + header.size + 1 : MAX_HEADER;
      if (whole && carry.length >= need) {
        got.set(expected, textOf(carry, header.end + 1, header.end + 1 + header.size));
        this.next++;
        this.carry = null;
        // Bytes joined past the record's end (taken while its header was still cut) are the next records'.
        return offset - (carry.length - need);
      }
      if (offset === chunk.length) break;
      const take = Math.min(chunk.length - offset, need - carry.length);
      this.carry = Buffer.concat([carry, chunk.subarray(offset, offset + take)]);
      offset += take;
    }
    return offset;
  }
}

function wrongAnswer(out: Buffer, offset: number, expected: string): GitError {
  const end = out.indexOf(NEWLINE, offset);
  const text = out.toString('latin1', offset, end < 0 ? out.length : end);
  return new GitError(`git cat-file returned "${text.slice(0, 120)}" for blob ${expected}`, { op: 'cat-file' });
}

/**
 * UTF-8 bytes as text. Nearly every manifest is ASCII, which is the same bytes in latin1, and
 * V8 copies latin1 into a string without decoding: 30k blobs in ~6 ms instead of ~40.
 */
function textOf(out: Buffer, start: number, end: number): string {
  return isAscii(out.subarray(start, end)) ? out.toString('latin1', start, end) : out.toString('utf8', start, end);
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const SYMLINK_MODE = Buffer.from('120000', 'latin1');

/** Whether `bytes[from, to)` are `expected`. */
function bytesAre(bytes: Buffer, from: number, to: number, expected: Buffer): boolean {
  return to - from === expected.length && bytes.compare(expected, 0, expected.length, from, to) === 0;
}

/** ls-tree's size column: spaces, then digits, or `-` for what has no size (a submodule's commit), read as 0. */
function sizeOf(bytes: Buffer, from: number, to: number): number {
  let size = 0;
  for (let i = from; i < to; i++) {
    const c = bytes[i] ?? 0;
    if (c === SPACE) continue;
    if (c < 0x30 || c > 0x39) return 0;
    size = size * 10 + (c - 0x30);
  }
  return size;
}
const BLOB = Buffer.from(' blob ', 'latin1');

/**
 * Reads the `<sha> blob <size>\n` header at `at` into `header` (the offset of its line break and
 * the size); false unless it names `sha` and a blob. Read from the bytes: a cold load cuts 30k
 * headers, and each as a string, split in three, was four strings of garbage.
 */
export function readBlobHeader(out: Buffer, at: number, sha: string, header: { end: number; size: number }): boolean {
  for (let i = 0; i < sha.length; i++) if (out[at + i] !== sha.charCodeAt(i)) return false;
  let i = at + sha.length;
  if (i + BLOB.length > out.length || out.compare(BLOB, 0, BLOB.length, i, i + BLOB.length) !== 0) return false;
  i += BLOB.length;
  const digits = i;
  let size = 0;
  for (let c = out[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = out[++i]) size = size * 10 + (c - 0x30);
  // A size has 1 to 15 digits (far past any blob git hands over) and ends the line.
  if (i === digits || i - digits > 15 || out[i] !== NEWLINE) return false;
  header.end = i;
  header.size = size;
  return true;
}
