import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { StalledError } from '../../errors.js';

export interface HostKey {
  /** OpenSSH private key (PEM text, unencrypted). A secret: it goes into user data and nowhere else. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… buckfleet`: what gets pinned for the host. */
  readonly publicKey: string;
}

/**
 * A fresh ed25519 host key for a droplet, made by `ssh-keygen` (the OpenSSH format cloud-init and
 * sshd expect, with no hand-written encoder). It is written into a private temporary directory
 * (mkdtemp makes it 0700) that is removed afterwards, whatever happens.
 */
export async function generateHostKey(): Promise<HostKey> {
  const dir = await mkdtemp(join(tmpdir(), 'buckfleet-hostkey-'));
  try {
    const file = join(dir, 'host_ed25519');
    try {
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'buckfleet', '-f', file], { stdin: 'ignore' });
    } catch (err) {
      // execa's message carries the argv and stderr: neither holds the key.
      const detail = err instanceof Error ? err.message : String(err);
      throw new StalledError('HostKeyGeneration', `could not generate a host key with ssh-keygen (install openssh-client): ${detail}`, {}, { cause: err });
    }
    const [privateKey, publicKey] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.pub`, 'utf8')]);
    return { privateKey, publicKey: publicKey.trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
