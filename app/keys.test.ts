import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAgeIdentity, ensureSshKey, KeyFileError } from './keys.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-keys-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('key files', () => {
  it('generates an SSH key once and reuses it', async () => {
    const first = await ensureSshKey({ path: 'keys/ssh', origin: 'generated' }, dir);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ buckfleet$/);
    expect((await stat(first.privateKeyFile)).mode & 0o077).toBe(0);
    expect(await ensureSshKey({ path: 'keys/ssh', origin: 'generated' }, dir)).toEqual(first);
  });

  it('generates an age identity once, derives its recipient, never prints it', async () => {
    const a = await ensureAgeIdentity({ path: 'keys/age.txt', origin: 'generated' }, dir);
    expect(a.recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(String(a.identity)).toBe('[REDACTED]');
    const again = await ensureAgeIdentity({ path: 'keys/age.txt', origin: 'generated' }, dir);
    expect(again.recipient).toBe(a.recipient);
    expect((await readFile(join(dir, 'keys/age.txt'), 'utf8')).startsWith('AGE-SECRET-KEY-')).toBe(true);
  });

  it('refuses a configured file that is missing or holds no identity', async () => {
    await expect(ensureSshKey({ path: 'nope', origin: 'configured' }, dir)).rejects.toThrow(KeyFileError);
    await writeFile(join(dir, 'bad.txt'), 'not a key\n');
    await expect(ensureAgeIdentity({ path: 'bad.txt', origin: 'configured' }, dir)).rejects.toThrow(`AGE_IDENTITY_FILE: ${join(dir, 'bad.txt')} holds no AGE-SECRET-KEY- line`);
  });
});
