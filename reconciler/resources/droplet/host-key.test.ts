import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudInit, parseCloudInit } from './cloud-init.js';
import { generateHostKey } from './host-key.js';

// generateHostKey works under os.tmpdir(), which follows TMPDIR: point it at a directory of our
// own to see that nothing is left behind (vitest runs each test file in its own process).
let scratch: string;
let savedTmpdir: string | undefined;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'hostkey-test-'));
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
});
afterEach(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await rm(scratch, { recursive: true, force: true });
});

describe('generateHostKey', () => {
  it('makes an OpenSSH ed25519 pair whose halves match, and leaves no file behind', async () => {
    const key = await generateHostKey();
    expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+ buckfleet$/);
    expect(await readdir(scratch)).toEqual([]);

    // ssh-keygen derives the public half from the private one: the two belong together.
    const check = await mkdtemp(join(scratch, 'check-'));
    const file = join(check, 'key');
    await writeFile(file, key.privateKey, { mode: 0o600 });
    const derived = await execa('ssh-keygen', ['-y', '-f', file]);
    expect(derived.stdout.split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
  });

  it('makes a new key each time', async () => {
    const [a, b] = await Promise.all([generateHostKey(), generateHostKey()]);
    expect(a.publicKey).not.toBe(b.publicKey);
  });

  it('goes through cloud-init unchanged, so the droplet presents exactly the pinned key', async () => {
    const key = await generateHostKey();
    const fleet = await generateHostKey(); // any ed25519 public key will do as the fleet's
    const parsed = parseCloudInit(cloudInit({ authorizedKey: fleet.publicKey, hostKey: key, composePackage: 'docker-compose' }));
    expect(parsed).toEqual({ authorizedKeys: [fleet.publicKey], hostPrivateKey: key.privateKey, hostPublicKey: key.publicKey });
  });
});
