import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { tool } from './capabilities.js';
import { registerCleanup } from './registry.js';

export interface KeyPair {
  /** The private key file (0600), for sshd's HostKey or ssh's -i. */
  readonly privateKeyFile: string;
  /** `ssh-ed25519 AAAA...` without a comment. */
  readonly publicKey: string;
}

async function generate(kind: 'host' | 'client'): Promise<KeyPair> {
  const dir = mkdtempSync(join(tmpdir(), `bft-key-${kind}-`));
  registerCleanup(() => {
    rmSync(dir, { recursive: true, force: true });
    return [];
  });
  const privateKeyFile = join(dir, 'id_ed25519');
  await execa(tool('ssh-keygen'), ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', privateKeyFile]);
  const [type, key] = readFileSync(`${privateKeyFile}.pub`, 'utf8').trim().split(/\s+/);
  if (!type || !key) throw new Error(`ssh-keygen wrote no public key to ${privateKeyFile}.pub`);
  return { privateKeyFile, publicKey: `${type} ${key}` };
}

/** A host key, to install in a test host and pin in its target (as cloud-init does for a droplet). */
export const generateHostKey = () => generate('host');

/** A client key: its public half goes into a test host's authorized_keys. */
export const generateClientKey = () => generate('client');
