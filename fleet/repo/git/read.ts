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
  const listing = await git.run(['ls-tree', '-r', '-z', '--full-tree', '--format=%(objectmode) %(objecttype) %(objectname) %(objectsize) %(path)', commit], {
    largeOutput: true,
  });
  const refused = new Map<string, string>();
  const blobs: TreeBlob[] = [];
  for (const line of listing.toString('utf8').split('\0')) {
    if (line === '') continue;
    const [mode = '', type = '', sha = '', sizeText = ''] = line.split(' ', 4);
    const path = line.slice(mode.length + type.length + sha.length + sizeText.length + 4);
    const size = sizeText === '-' ? 0 : Number(sizeText);
    if (mode === '120000') refused.set(path, 'symbolic links are not allowed in a fleet repo');
    else if (type !== 'blob') refused.set(path, `a ${type} is not allowed in a fleet repo`);
    else if (size > MAX_READ_BYTES) refused.set(path, `file is ${size} bytes; a manifest may be at most ${MAX_READ_BYTES}`);
    else blobs.push({ path, sha });
  }
  return { blobs, refused };
}

/**
 * The contents of blobs by sha, in one `cat-file --batch`; each distinct blob is read once. The
 * batch output is one buffer of `<sha> <type> <size>\n<bytes>\n` records, cut by offset.
 */
export async function readBlobs(git: GitRunner, shas: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(shas)];
  // Each goes on its own stdin line: anything but a full object name could ask for something else.
  const bad = wanted.find((sha) => !FULL_SHA.test(sha));
  if (bad !== undefined) throw new GitError(`"${bad.slice(0, 80)}" is not a full blob id`, { op: 'cat-file' });
  const contents = new Map<string, string>();
  if (wanted.length === 0) return contents;
  const out = await git.run(['cat-file', '--batch', '--buffer'], { input: `${wanted.join('\n')}\n`, largeOutput: true });
  const header = { end: 0, size: 0 };
  let offset = 0;
  for (const expected of wanted) {
    if (!readBlobHeader(out, offset, expected, header) || header.end + 1 + header.size > out.length) {
      const end = out.indexOf(0x0a, offset);
      const text = out.toString('latin1', offset, end < 0 ? out.length : end);
      throw new GitError(`git cat-file returned "${text.slice(0, 120)}" for blob ${expected}`, { op: 'cat-file' });
    }
    contents.set(expected, out.toString('utf8', header.end + 1, header.end + 1 + header.size));
    offset = header.end + 1 + header.size + 1;
  }
  return contents;
}

const NEWLINE = 0x0a;
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
