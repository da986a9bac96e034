import { describe, expect, it } from 'vitest';
import { StalledError } from '../../errors.js';
import type { HostTarget } from '../../ports.js';
import { HostAuthError, HostKeyMismatchError, HostUnreachableError, RemoteCommandError } from './errors.js';
import { classifySshFailure, knownHostsLine, sshArgv, stderrTail } from './ssh.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFCOcqbBDVvNS1RRLGLUXnSdQNPCbApt+DUmT5Eiq0Dz';
const target: HostTarget = { address: '10.231.7.2', port: 22, user: 'root', hostKey: KEY };

describe('sshArgv', () => {
  it('pins the host key, uses only the fleet key, never prompts, and quotes the command once', () => {
    expect(sshArgv(target, { privateKeyFile: '/keys/fleet', knownHostsFile: '/tmp/kh/known_hosts' }, { argv: ['echo', "it's"] })).toEqual([
      '-F', '/dev/null', '-T',
      '-i', '/keys/fleet',
      '-p', '22',
      '-o', 'BatchMode=yes',
      '-o', 'UserKnownHostsFile=/tmp/kh/known_hosts',
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UpdateHostKeys=no',
      '-o', 'CheckHostIP=no',
      '-o', 'ConnectTimeout=5',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=2',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityAgent=none',
      '-o', 'LogLevel=ERROR',
      '-o', 'ControlMaster=no',
      '-o', 'ControlPath=none',
      'root@10.231.7.2',
      '--',
      `echo 'it'\\''s'`,
    ]);
  });

  it('opens or reuses the host\'s shared connection when given one, kept for its idle seconds', () => {
    const shared = { controlPath: '/tmp/buckfleet-ssh-mux-x/abc', knownHostsFile: '/tmp/buckfleet-ssh-mux-x/abc.known_hosts', persistSeconds: 60 };
    const argv = sshArgv(target, { privateKeyFile: '/keys/fleet', knownHostsFile: shared.knownHostsFile, shared }, { argv: ['true'] });
    expect(argv.join(' ')).toContain('-o ControlMaster=auto -o ControlPath=/tmp/buckfleet-ssh-mux-x/abc -o ControlPersist=60 root@10.231.7.2 -- true');
    expect(() => sshArgv(target, { privateKeyFile: '/k', knownHostsFile: '/kh', shared: { ...shared, controlPath: '/tmp/%h' } }, { argv: ['true'] })).toThrow(/control socket/);
  });

  it('refuses targets ssh would read as options, and paths ssh would split or expand', () => {
    const files = { privateKeyFile: '/k', knownHostsFile: '/kh' };
    const cmd = { argv: ['true'] };
    expect(() => sshArgv({ ...target, address: '-oProxyCommand=x' }, files, cmd)).toThrow(/address/);
    expect(() => sshArgv({ ...target, user: '-l' }, files, cmd)).toThrow(/user/);
    expect(() => sshArgv({ ...target, port: 0 }, files, cmd)).toThrow(/port/);
    expect(() => sshArgv(target, { ...files, knownHostsFile: '/a b' }, cmd)).toThrow(/whitespace/);
    expect(() => sshArgv(target, { ...files, privateKeyFile: '/k%h' }, cmd)).toThrow(/%/);
  });
});

describe('knownHostsLine', () => {
  it('has exactly the pinned key, by port', () => {
    expect(knownHostsLine(target)).toBe(`10.231.7.2 ${KEY}\n`);
    expect(knownHostsLine({ ...target, port: 2222, hostKey: `${KEY} root@droplet` })).toBe(`[10.231.7.2]:2222 ${KEY}\n`);
  });

  it('refuses a key that is not one OpenSSH public key line (no second entry smuggled in)', () => {
    for (const hostKey of ['', 'AAAA', 'ssh-ed25519', `${KEY}\n* ssh-ed25519 AAAAother`, 'ssh-dss AAAA', `ssh-ed25519 AAAA$(x)`]) {
      expect(() => knownHostsLine({ ...target, hostKey }), hostKey).toThrow(StalledError);
    }
  });
});

describe('classifySshFailure', () => {
  const at = { host: '10.231.7.2:22', op: 'compose up', project: 'bf-acme' };
  // stderr as OpenSSH 9.2 writes it with LogLevel=ERROR (captured from real runs).
  const MISMATCH = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:DztX/HuDXM7/q2XuQCutoA7CKGd8CwQaG/OC09FEIq0.
Please contact your system administrator.
Add correct host key in /tmp/kh to get rid of this message.
Offending ED25519 key in /tmp/kh:1
Host key for 10.231.7.2 has changed and you have requested strict checking.
Host key verification failed.`;
  const cases: [string, number | null, string, new (...args: never[]) => Error][] = [
    ['pinned key differs', 255, MISMATCH, HostKeyMismatchError],
    ['no key of that type known', 255, 'No ED25519 host key is known for 10.231.7.2 and you have requested strict checking.\nHost key verification failed.', HostKeyMismatchError],
    ['key refused', 255, 'root@10.231.7.2: Permission denied (publickey).', HostAuthError],
    ['refused', 255, 'ssh: connect to host 10.231.7.2 port 22: Connection refused', HostUnreachableError],
    ['no route', 255, 'ssh: connect to host 10.231.7.2 port 22: No route to host', HostUnreachableError],
    ['connect timeout', 255, 'ssh: connect to host 10.231.7.2 port 22: Connection timed out', HostUnreachableError],
    ['banner timeout', 255, 'Connection timed out during banner exchange', HostUnreachableError],
    ['sshd starting', 255, 'kex_exchange_identification: read: Connection reset by peer', HostUnreachableError],
    ['went silent mid-command', 255, 'Timeout, server 10.231.7.2 not responding.', HostUnreachableError],
    ['dropped', 255, 'client_loop: send disconnect: Broken pipe', HostUnreachableError],
    ['shared connection died mid-command', 255, 'mux_client_read_packet: read header failed: Broken pipe', HostUnreachableError],
    ['remote command exits 255 itself', 255, 'some tool: fatal', RemoteCommandError],
    ['remote command fails', 1, 'ERROR: pull access denied for ghcr.io/acme/core', RemoteCommandError],
    ['timed out', null, '', RemoteCommandError],
    // The remote command's own output may mention host keys: only ssh's exit code 255 counts.
    ['remote git talks about host keys', 128, 'Host key verification failed.\nfatal: Could not read from remote repository.', RemoteCommandError],
  ];

  it.each(cases)('%s', (_name, exitCode, stderr, kind) => {
    const error = classifySshFailure(at, 'root', { exitCode, stderr });
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toContain('10.231.7.2:22');
    expect(error.message).toContain('compose up of bf-acme');
  });

  it('says what to do and which key the host sent; a mismatch is never retried', () => {
    const error = classifySshFailure(at, 'root', { exitCode: 255, stderr: MISMATCH });
    expect(error).toBeInstanceOf(StalledError);
    expect(error).toMatchObject({ reason: 'host-key-mismatch', presentedFingerprint: 'SHA256:DztX/HuDXM7/q2XuQCutoA7CKGd8CwQaG/OC09FEIq0' });
    expect(error.message).toMatch(/check the droplet .* correct the pinned key/);
  });

  it('keeps the exit code and the end of stderr, without URL credentials', () => {
    const stderr = `${'progress\n'.repeat(50)}error: https://u:hunter2@registry.example/v2/: unauthorized`;
    const error = classifySshFailure(at, 'root', { exitCode: 1, stderr });
    expect(error).toMatchObject({ exitCode: 1, reason: 'remote-command-failed' });
    expect((error as RemoteCommandError).stderrTail.split('\n')).toHaveLength(20);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toMatch(/failed with exit code 1: error: https:\/\/\[REDACTED\]@registry/);
    expect(stderrTail('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
