import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { access, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTarget } from '../../ports.js';

/**
 * Where a host's shared SSH connection lives: its control socket and the known_hosts file its
 * connection was verified with, which must outlive any one command (ssh checks the host key
 * again when the connection re-keys).
 */
export interface SharedConnection {
  readonly controlPath: string;
  readonly knownHostsFile: string;
  readonly persistSeconds: number;
}

let folder: string | null = null;

/**
 * The folder of control sockets: one per user, as tmux and ssh-agent keep theirs, so the CLI
 * and the control plane share a host's connection. Only this user may enter it: whoever can
 * reach a socket can run commands on the host over it. A folder someone else made, or left open,
 * is refused rather than used.
 */
function controlFolder(): string {
  if (folder === null) folder = privateFolder(join(tmpdir(), `buckfleet-ssh-${process.getuid?.() ?? 'user'}`));
  return folder;
}

/** Makes `dir` (0700) or checks the one there is this user's and closed to others. */
export function privateFolder(dir: string): string {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a folder of this user that no one else can enter (mode 0700), for the SSH control sockets; remove it and retry`);
  }
  return dir;
}

/**
 * One connection per (user, address, port, pinned host key, private key): a host re-pinned to a
 * new key, or a different key of ours, never rides a connection verified with the old one. The
 * name is a digest, short enough for a Unix socket path.
 */
export async function connectionFiles(target: HostTarget, privateKeyFile: string, knownHosts: string, persistSeconds: number): Promise<SharedConnection> {
  const id = createHash('sha256').update(JSON.stringify([target.user, target.address, target.port, knownHosts, privateKeyFile])).digest('hex').slice(0, 24);
  const dir = controlFolder();
  const knownHostsFile = join(dir, `${id}.known_hosts`);
  // Renamed into place: a command starting meanwhile never reads a half-written file. Two first
  // commands at once both write it, with the same content.
  if (!(await exists(knownHostsFile))) {
    const temp = `${knownHostsFile}.${randomBytes(6).toString('hex')}`;
    await writeFile(temp, knownHosts, { mode: 0o600 });
    await rename(temp, knownHostsFile);
  }
  return { controlPath: join(dir, id), knownHostsFile, persistSeconds };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return false;
    throw error;
  }
}
