import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execa } from 'execa';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Secret } from '../fleet/secret.js';
import type { KeyFile } from './config.js';
import { pathExists } from './fs.js';

/** A key file is missing, unreadable or malformed; says which and what to do. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}


/**
 * The reconciler's SSH key: the configured file, or one generated in BUCKFLEET_HOME on first use
 * (ssh-keygen, ed25519, mode 0600). Returns the private key's path and the public key line.
 */
export async function ensureSshKey(file: KeyFile, cwd: string): Promise<{ privateKeyFile: string; publicKey: string }> {
  const path = resolve(cwd, file.path);
  if (!(await pathExists(path))) {
    if (file.origin === 'configured') throw new KeyFileError(`SSH_PRIVATE_KEY_FILE: ${path} does not exist`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'buckfleet', '-f', path], { stdin: 'ignore' });
  }
  const pub = `${path}.pub`;
  if (!(await pathExists(pub))) {
    const { stdout } = await execa('ssh-keygen', ['-y', '-f', path], { stdin: 'ignore' });
    await writeFile(pub, `${stdout.trim()}\n`);
  }
  return { privateKeyFile: path, publicKey: (await readFile(pub, 'utf8')).trim() };
}

/**
 * The reconciler's age identity (decrypts secrets.age), and the recipient writers encrypt to:
 * the configured file, or one generated in BUCKFLEET_HOME on first use (mode 0600).
 */
export async function ensureAgeIdentity(file: KeyFile, cwd: string): Promise<{ identity: Secret; recipient: string }> {
  const path = resolve(cwd, file.path);
  if (!(await pathExists(path))) {
    if (file.origin === 'configured') throw new KeyFileError(`AGE_IDENTITY_FILE: ${path} does not exist`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${await generateX25519Identity()}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
  }
  const identity = (await readFile(path, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (identity === undefined) throw new KeyFileError(`AGE_IDENTITY_FILE: ${path} holds no AGE-SECRET-KEY- line`);
  return { identity: new Secret(identity), recipient: await identityToRecipient(identity) };
}
