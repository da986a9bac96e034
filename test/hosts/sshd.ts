import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { tool } from './capabilities.js';
import { type Daemon, spawnInNetns } from './processes.js';
import { tail, waitUntil } from './wait.js';

/**
 * A real sshd for one test host, listening on the host's address only. The caller's host key is
 * installed the way cloud-init installs a droplet's pinned key, and the caller's public keys are
 * the only ones authorized. Logins land in this machine's root filesystem (the namespace is
 * network-only), so `SetEnv DOCKER_HOST` points every session at this host's own dockerd: the
 * runtime's commands stay exactly what they are in production.
 */
export interface HostSshd {
  readonly daemon: Daemon;
  readonly log: string;
  /** `ssh-ed25519 AAAA...`, as a manifest pins it. */
  readonly hostPublicKey: string;
}

export interface SshdSetup {
  readonly dir: string;
  readonly address: string;
  readonly hostKeyFile: string;
  /** authorized_keys content: one OpenSSH public key per line. */
  readonly authorizedKeys: string;
  readonly dockerHost: string;
  readonly maxSessions?: number;
}

export function sshdConfig(s: { dir: string; address: string; hostKey: string; authorizedKeys: string; dockerHost: string; maxSessions?: number }): string {
  return [
    'Port 22',
    `ListenAddress ${s.address}`,
    `HostKey ${s.hostKey}`,
    `AuthorizedKeysFile ${s.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The host directory lives under /tmp, which StrictModes would reject as group/world writable.
    'StrictModes no',
    `PidFile ${join(s.dir, 'sshd.pid')}`,
    // SHLVL=1: bash then skips ~/.bashrc for commands over SSH, as a droplet's stock one returns
    // at once for them; this machine's root .bashrc runs `pyenv init`, 0.4 s per command.
    `SetEnv DOCKER_HOST=${s.dockerHost} SHLVL=1`,
    // Clients keep connections open for reuse (ssh.ts); when a test host is torn down under one,
    // its session process ends within seconds instead of waiting on a peer that is gone.
    'ClientAliveInterval 2',
    'ClientAliveCountMax 3',
    ...(s.maxSessions !== undefined ? [`MaxSessions ${s.maxSessions}`] : []),
    '',
  ].join('\n');
}

export async function startSshd(nsenter: string, netns: string, s: SshdSetup): Promise<HostSshd> {
  // sshd keeps its privilege-separation chroot here; Debian creates it only when the service runs.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  // Copies with 0600: sshd ignores private keys others can read.
  const hostKey = join(s.dir, 'ssh_host_key');
  copyFileSync(s.hostKeyFile, hostKey);
  chmodSync(hostKey, 0o600);
  const authorizedKeys = join(s.dir, 'authorized_keys');
  writeFileSync(authorizedKeys, s.authorizedKeys.endsWith('\n') ? s.authorizedKeys : `${s.authorizedKeys}\n`, { mode: 0o600 });
  const config = join(s.dir, 'sshd_config');
  writeFileSync(config, sshdConfig({ dir: s.dir, address: s.address, hostKey, authorizedKeys, dockerHost: s.dockerHost, ...(s.maxSessions !== undefined ? { maxSessions: s.maxSessions } : {}) }));

  const check = await execa(tool('sshd'), ['-t', '-f', config], { reject: false });
  if (check.exitCode !== 0) throw new Error(`sshd rejects its config ${config}: ${check.stderr}`);
  const publicKey = await execa(tool('ssh-keygen'), ['-y', '-f', hostKey]);
  const [type, key] = publicKey.stdout.trim().split(/\s+/);
  if (!type || !key) throw new Error(`ssh-keygen -y printed no public key for ${hostKey}`);

  const log = join(s.dir, 'sshd.log');
  // -D: stay in the foreground, so the pid is sshd's; -e: log to stderr (the log file).
  const daemon = spawnInNetns(nsenter, netns, [tool('sshd'), '-D', '-e', '-f', config], log);
  return { daemon, log, hostPublicKey: `${type} ${key}` };
}

/** Until the port accepts a TCP connection (from the root namespace, over the veth). */
export async function waitForSshd(d: HostSshd, address: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(`sshd on ${address}:22 (log ${d.log})`, timeoutMs, async () => {
    const ended = d.daemon.exited();
    if (ended) throw new Error(`sshd ${ended}:\n${tail(d.log)}`);
    return canConnect(address, 22);
  });
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
