import { chmod, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostTarget } from '../../ports.js';
import { connectionFiles, privateFolder } from './ssh-mux.js';
import { knownHostsLine } from './ssh.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFCOcqbBDVvNS1RRLGLUXnSdQNPCbApt+DUmT5Eiq0Dz';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHpDxQ1n1Yl9ZqIf0D3pX2xw6fK4L3tqS0b6d7gq1bqT';
const target: HostTarget = { address: '10.231.7.2', port: 22, user: 'root', hostKey: KEY };
const files = (t: HostTarget, key = '/keys/fleet') => connectionFiles(t, key, knownHostsLine(t), 60);

describe('connectionFiles', () => {
  it('gives a host one connection, kept in a folder only this user can enter, with the pinned key beside it', async () => {
    const a = await files(target);
    expect(await files(target)).toEqual(a);
    expect(a.persistSeconds).toBe(60);
    expect(await readFile(a.knownHostsFile, 'utf8')).toBe(knownHostsLine(target));
    expect((await stat(dirname(a.controlPath))).mode & 0o777).toBe(0o700);
    expect((await stat(a.knownHostsFile)).mode & 0o777).toBe(0o600);
    // Unix socket paths are limited to about 100 bytes; ssh adds a suffix while it binds.
    expect(a.controlPath.length).toBeLessThan(80);
  });

  it('never shares a connection across host keys, keys of ours, users, addresses or ports', async () => {
    const base = (await files(target)).controlPath;
    const others = await Promise.all([
      files({ ...target, hostKey: OTHER }),
      files(target, '/keys/other'),
      files({ ...target, user: 'deploy' }),
      files({ ...target, address: '10.231.7.6' }),
      files({ ...target, port: 2222 }),
    ]);
    const paths = others.map((o) => o.controlPath);
    expect(new Set([base, ...paths]).size).toBe(6);
    expect(await readFile(others[0].knownHostsFile, 'utf8')).toContain(OTHER.split(' ')[1]);
  });
});

describe('privateFolder', () => {
  it('makes the folder 0700, and refuses one others can enter or a symlink in its place', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'bf-mux-test-'));
    try {
      const dir = join(parent, 'sockets');
      expect(privateFolder(dir)).toBe(dir);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect(privateFolder(dir)).toBe(dir);
      await chmod(dir, 0o755);
      expect(() => privateFolder(dir)).toThrow(/no one else can enter/);
      await symlink(parent, join(parent, 'link'));
      expect(() => privateFolder(join(parent, 'link'))).toThrow(/sockets.*remove it/);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
