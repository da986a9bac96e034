import { MAX_MANIFEST_BYTES } from '../../load/yaml.js';
import type { FleetSnapshot } from '../../model.js';
import type { GitRunner } from './runner.js';

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly size: number;
  readonly path: string;
}

/** Files past this size are refused unread; manifests are far smaller. */
const MAX_READ_BYTES = MAX_MANIFEST_BYTES;

/**
 * Reads every file of a commit's tree in two git calls: `ls-tree` for names and sizes,
 * `cat-file --batch` for the contents. Symlinks, submodules and oversized files are refused
 * with a reason rather than read.
 */
export async function readTree(git: GitRunner, commit: string): Promise<FleetSnapshot> {
  const listing = await git.run(['ls-tree', '-r', '-z', '--full-tree', '--format=%(objectmode) %(objecttype) %(objectname) %(objectsize) %(path)', commit]);
  const entries = parseLsTree(listing.toString('utf8'));
  const refused = new Map<string, string>();
  const wanted: TreeEntry[] = [];
  for (const e of entries) {
    if (e.mode === '120000') refused.set(e.path, 'symbolic links are not allowed in a fleet repo');
    else if (e.type !== 'blob') refused.set(e.path, `a ${e.type} is not allowed in a fleet repo`);
    else if (e.size > MAX_READ_BYTES) refused.set(e.path, `file is ${e.size} bytes; a manifest may be at most ${MAX_READ_BYTES}`);
    else wanted.push(e);
  }
  const files = new Map<string, string>();
  if (wanted.length === 0) return { files, refused };
  const out = await git.run(['cat-file', '--batch'], { input: wanted.map((e) => e.sha).join('\n') + '\n' });
  let offset = 0;
  for (const e of wanted) {
    const headerEnd = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, headerEnd).toString('utf8');
    const [sha, , sizeText] = header.split(' ');
    const size = Number(sizeText);
    if (sha !== e.sha || !Number.isFinite(size)) throw new Error(`git cat-file returned "${header}" for ${e.path}`);
    files.set(e.path, out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    offset = headerEnd + 1 + size + 1;
  }
  return { files, refused };
}

function parseLsTree(text: string): TreeEntry[] {
  return text
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const [mode = '', type = '', sha = '', size = ''] = line.split(' ', 4);
      const path = line.slice(mode.length + type.length + sha.length + size.length + 4);
      return { mode, type, sha, size: size === '-' ? 0 : Number(size), path };
    });
}
