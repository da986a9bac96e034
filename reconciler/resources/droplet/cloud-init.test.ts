import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StalledError } from '../../errors.js';
import { type CloudInitInput, cloudInit, parseCloudInit } from './cloud-init.js';

// Shapes only: these are not real keys (a real pair comes from host-key.test.ts).
const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\nAAAAC3NzaC1lZDI1NTE5AAAAIB==\n-----END OPENSSH PRIVATE KEY-----\n';
const HOST_PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostHostHostHostHostHostHostHostHostHost buckfleet';
const FLEET_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetFleetFleetFleetFleetFleetFleetFleet reconciler@buckfleet';

const input: CloudInitInput = { authorizedKey: FLEET_KEY, hostKey: { privateKey: PRIVATE, publicKey: HOST_PUBLIC }, composePackage: 'docker-compose' };

describe('cloudInit', () => {
  it('is a #cloud-config that installs docker and compose, lets root in with the fleet key only, and pins the host key', () => {
    const text = cloudInit(input);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(parse(text)).toEqual({
      package_update: true,
      packages: ['docker.io', 'docker-compose'],
      disable_root: false,
      ssh_pwauth: false,
      ssh_authorized_keys: [FLEET_KEY],
      ssh_deletekeys: true,
      ssh_keys: { ed25519_private: PRIVATE, ed25519_public: HOST_PUBLIC },
      runcmd: [['install', '-d', '-m', '0700', '/var/lib/buckfleet', '/var/lib/buckfleet/stacks', '/var/lib/buckfleet/backups']],
    });
  });

  const variants: [string, Partial<CloudInitInput>, (cfg: Record<string, unknown>) => unknown, unknown][] = [
    ['the compose v2 plugin', { composePackage: 'docker-compose-v2' }, (c) => c.packages, ['docker.io', 'docker-compose-v2']],
    ['a private key without its final newline gets one', { hostKey: { privateKey: PRIVATE.trimEnd(), publicKey: HOST_PUBLIC } }, (c) => (c.ssh_keys as Record<string, string>).ed25519_private, PRIVATE],
    ['surrounding whitespace of public keys is dropped', { authorizedKey: `  ${FLEET_KEY}\n` }, (c) => c.ssh_authorized_keys, [FLEET_KEY]],
    ['an RSA fleet key is fine', { authorizedKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== me' }, (c) => c.ssh_authorized_keys, ['ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== me']],
  ];
  it.each(variants)('%s', (_name, change, pick, expected) => {
    expect(pick(parse(cloudInit({ ...input, ...change })) as Record<string, unknown>)).toEqual(expected);
  });

  const refused: [string, Partial<CloudInitInput>, string][] = [
    ['a fleet key of two lines (a second key smuggled in)', { authorizedKey: `${FLEET_KEY}\n${HOST_PUBLIC}` }, 'BadFleetKey'],
    ['a fleet "key" that is a private key', { authorizedKey: PRIVATE }, 'BadFleetKey'],
    ['an RSA host key (sshd is given ed25519 only)', { hostKey: { privateKey: PRIVATE, publicKey: 'ssh-rsa AAAAB3Nza me' } }, 'BadHostKey'],
    ['a PEM that is not an OpenSSH private key', { hostKey: { privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n', publicKey: HOST_PUBLIC } }, 'BadHostKey'],
  ];
  it.each(refused)('refuses %s, as Stalled, quoting no private key', (_name, change, reason) => {
    let caught: unknown;
    try {
      cloudInit({ ...input, ...change });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StalledError);
    expect((caught as StalledError).reason).toBe(reason);
    expect((caught as Error).message).not.toContain('PRIVATE KEY-----\n');
    expect((caught as Error).message).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmU');
  });

  it('keeps YAML-special characters in a key comment as data', () => {
    const odd = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 a: b # c "d" \'e\' {f} [g] &h *i !j |k >l %m @n `o';
    expect(parseCloudInit(cloudInit({ ...input, authorizedKey: odd })).authorizedKeys).toEqual([odd]);
  });
});

describe('parseCloudInit', () => {
  it('returns exactly the keys cloudInit put in', () => {
    expect(parseCloudInit(cloudInit(input))).toEqual({ authorizedKeys: [FLEET_KEY], hostPrivateKey: PRIVATE, hostPublicKey: HOST_PUBLIC });
  });

  const refused: [string, string, RegExp][] = [
    ['a shell script', '#!/bin/sh\necho hi\n', /#cloud-config/],
    ['a cloud-config without keys', '#cloud-config\npackages: [docker.io]\n', /ssh_authorized_keys, ssh_keys/],
    ['a cloud-config without the host key', `#cloud-config\nssh_authorized_keys: ['${FLEET_KEY}']\n`, /ssh_keys/],
    ['an empty authorized key list', `#cloud-config\nssh_authorized_keys: []\nssh_keys: {ed25519_private: a, ed25519_public: b}\n`, /ssh_authorized_keys/],
  ];
  it.each(refused)('refuses %s', (_name, text, message) => {
    expect(() => parseCloudInit(text)).toThrow(message);
  });
});
