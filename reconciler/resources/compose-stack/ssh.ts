import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { redactUrls } from '../../../fleet/repo/git/runner.js';
import { StalledError } from '../../errors.js';
import type { HostTarget } from '../../ports.js';
import { type RemoteCommand, shellQuote } from './commands.js';
import { connectionFiles, type SharedConnection } from './ssh-mux.js';
import { HostAuthError, HostKeyMismatchError, type HostOp, HostUnreachableError, RemoteCommandError } from './errors.js';

/**
 * The one place buckfleet runs `ssh` (and so the one user of execa for hosts). Commands arrive as
 * argv and leave as one `shellQuote`d string; data (file contents, dumps) goes on stdin, never in
 * argv, so no secret is ever in a process list or an error. Every failure is classified here.
 */
export interface SshOptions {
  /** The fleet's private key (SSH_PRIVATE_KEY_FILE). */
  readonly privateKeyFile: string;
  /** Seconds for TCP connect plus SSH banner exchange. */
  readonly connectTimeoutSeconds?: number;
  /** Whole-command limit, for commands that give none: `up` may pull images for minutes. */
  readonly timeoutMs?: number;
  /**
   * Seconds a host's connection stays open after its last command for the next one to reuse
   * (OpenSSH ControlMaster/ControlPersist, as Kamal keeps its connections): a command then costs
   * a session on it, not a TCP and SSH handshake and sshd's login. 0: a connection per command.
   * Default 60.
   */
  readonly reuseSeconds?: number;
}

export interface RunOptions {
  /** What this is, for errors: `compose up`, `list stacks`. */
  readonly op: string;
  readonly project?: string;
  readonly stdin?: string | AsyncIterable<Uint8Array>;
  readonly timeoutMs?: number;
}

export interface SshRunner {
  /** Runs `command` on the host; exit 0 → its output, anything else → a classified error. */
  run(target: HostTarget, command: RemoteCommand, options: RunOptions): Promise<{ stdout: string; stderr: string }>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** OpenSSH host key types a pinned key may have. */
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) ([A-Za-z0-9+/]+={0,2})(?: [^\n]*)?$/;

/**
 * The known_hosts file for one connection: exactly the pinned key, nothing learned, nothing
 * inherited. The key is re-assembled from its checked parts, so a newline in a manifest cannot
 * smuggle in a second entry.
 */
export function knownHostsLine(target: HostTarget): string {
  const m = HOST_KEY.exec(target.hostKey.trim());
  if (!m) throw new StalledError('invalid-host-key', `the pinned host key of ${target.address} is not an OpenSSH public key line ("ssh-ed25519 AAAA...")`);
  const host = target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
  return `${host} ${m[1]} ${m[2]}\n`;
}

/** ssh reads `-o` values as config lines (spaces split, `%` expands): paths must be plain. */
const plainPath = (path: string, what: string) => {
  if (!/^[^\s%"'\\]+$/.test(path)) throw new Error(`${what} path ${JSON.stringify(path)} must not contain whitespace, quotes or %`);
  return path;
};

/**
 * ssh's argv. A user or address starting with `-` would be read as an option, hence the checks.
 * `-F /dev/null`: no ~/.ssh/config may add a ProxyCommand or another known_hosts.
 */
export function sshArgv(
  target: HostTarget,
  files: { readonly privateKeyFile: string; readonly knownHostsFile: string; readonly shared?: SharedConnection },
  command: RemoteCommand,
  connectTimeoutSeconds = 5,
): string[] {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/i.test(target.user)) throw new Error(`ssh user ${JSON.stringify(target.user)} is not a user name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(target.address)) throw new Error(`host address ${JSON.stringify(target.address)} is not an address`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new Error(`ssh port ${target.port} is not a port`);
  const o = (option: string) => ['-o', option];
  return [
    '-F', '/dev/null', '-T',
    '-i', plainPath(files.privateKeyFile, 'private key'),
    '-p', String(target.port),
    ...o('BatchMode=yes'),
    ...o(`UserKnownHostsFile=${plainPath(files.knownHostsFile, 'known_hosts')}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    ...o('StrictHostKeyChecking=yes'),
    ...o('UpdateHostKeys=no'),
    ...o('CheckHostIP=no'),
    ...o(`ConnectTimeout=${connectTimeoutSeconds}`),
    // A connection that goes silent mid-command fails after ~10 s instead of hanging.
    ...o('ServerAliveInterval=5'),
    ...o('ServerAliveCountMax=2'),
    ...o('IdentitiesOnly=yes'),
    ...o('IdentityAgent=none'),
    // Drops banners and warnings; errors (the lines classified below) still print.
    ...o('LogLevel=ERROR'),
    // The first command to a host opens the connection and keeps it; the others run over it. Two
    // at once both connect, and one of them keeps its connection.
    ...(files.shared
      ? [...o('ControlMaster=auto'), ...o(`ControlPath=${plainPath(files.shared.controlPath, 'control socket')}`), ...o(`ControlPersist=${files.shared.persistSeconds}`)]
      : [...o('ControlMaster=no'), ...o('ControlPath=none')]),
    `${target.user}@${target.address}`,
    '--',
    shellQuote(command.argv),
  ];
}

/** Exit 255 with these words: ssh itself could not get through. */
const UNREACHABLE = [
  /ssh: connect to host \S+ port \d+: .+/,
  /Connection timed out during banner exchange/,
  /kex_exchange_identification: .+/,
  /Connection (?:closed|reset) by \S+.*/,
  /Connection to \S+ closed by remote host/,
  /Timeout, server \S+ not responding/,
  /client_loop: send disconnect: .+/,
  // Over a shared connection that died mid-command (the host went silent, the keep-alives gave up).
  /mux_client_read_packet: .+/,
  /mux_client_request_\w+: read from master failed: .+/,
  /ssh: Could not resolve hostname .+/,
  /banner exchange: .+/,
];
const KEY_MISMATCH = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for/;
const FINGERPRINT = /key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/=]+)/;
const AUTH_REJECTED = /Permission denied \(/;

/** The last lines of stderr, with URL credentials redacted: enough to act on, bounded in size. */
export function stderrTail(stderr: string, lines = 20): string {
  return redactUrls(stderr).trimEnd().split('\n').slice(-lines).join('\n').slice(-4000);
}

/**
 * ssh says what went wrong only as exit 255 plus text, and the remote command's own exit code
 * passes through otherwise; this is the single function that tells them apart. A remote command
 * that itself exits 255 without ssh's words is still a RemoteCommandError.
 */
export function classifySshFailure(at: HostOp, user: string, r: { exitCode: number | null; stderr: string }): Error {
  if (r.exitCode === 255) {
    if (KEY_MISMATCH.test(r.stderr)) return new HostKeyMismatchError(at, FINGERPRINT.exec(r.stderr)?.[1] ?? null);
    if (AUTH_REJECTED.test(r.stderr)) return new HostAuthError(at, user);
    for (const pattern of UNREACHABLE) {
      const m = pattern.exec(r.stderr);
      if (m) return new HostUnreachableError(at, m[0].trim());
    }
  }
  return new RemoteCommandError(at, r.exitCode, stderrTail(r.stderr));
}

/** Pipes `data` into ssh's stdin (or a local child's); resolves to the error instead of throwing, so the command's own failure wins. */
export async function feed(data: AsyncIterable<Uint8Array>, stdin: Writable | null): Promise<unknown> {
  if (stdin === null) return new Error('ssh was started without a stdin pipe');
  try {
    await pipeline(Readable.from(data), stdin);
    return null;
  } catch (error) {
    return error;
  }
}

export function sshRunner(options: SshOptions): SshRunner {
  const reuseSeconds = options.reuseSeconds ?? 60;
  return {
    async run(target, command, run) {
      const at: HostOp = { host: `${target.address}:${target.port}`, op: run.op, ...(run.project ? { project: run.project } : {}) };
      // A session sshd refuses on the kept connection (its MaxSessions, 10 by default) is not an
      // error: ssh then opens a connection of its own for the command (runtime.test.ts shows it).
      if (reuseSeconds > 0) {
        const shared = await connectionFiles(target, options.privateKeyFile, knownHostsLine(target), reuseSeconds);
        return runSsh(target, command, run, at, options, { privateKeyFile: options.privateKeyFile, knownHostsFile: shared.knownHostsFile, shared });
      }
      const dir = await mkdtemp(join(tmpdir(), 'buckfleet-ssh-'));
      try {
        const knownHostsFile = join(dir, 'known_hosts');
        await writeFile(knownHostsFile, knownHostsLine(target), { mode: 0o600 });
        return await runSsh(target, command, run, at, options, { privateKeyFile: options.privateKeyFile, knownHostsFile });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function runSsh(
  target: HostTarget,
  command: RemoteCommand,
  run: RunOptions,
  at: HostOp,
  options: SshOptions,
  files: { readonly privateKeyFile: string; readonly knownHostsFile: string; readonly shared?: SharedConnection },
): Promise<{ stdout: string; stderr: string }> {
  const args = sshArgv(target, files, command, options.connectTimeoutSeconds);
  const stream = typeof run.stdin === 'object';
  const subprocess = execa('ssh', args, {
    ...(typeof run.stdin === 'string' ? { input: run.stdin } : { stdin: stream ? 'pipe' : 'ignore' }),
    reject: false,
    timeout: run.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    forceKillAfterDelay: 5_000,
    // ssh's messages in English: classifySshFailure reads them.
    env: { LC_ALL: 'C' },
    stripFinalNewline: false,
  });
  const feeding = typeof run.stdin === 'object' ? feed(run.stdin, subprocess.stdin) : Promise.resolve(null);
  const [result, feedError] = await Promise.all([subprocess, feeding]);
  if (result.exitCode !== 0 || result.timedOut) {
    throw classifySshFailure(at, target.user, { exitCode: result.timedOut ? null : (result.exitCode ?? null), stderr: result.stderr });
  }
  // The command succeeded on what it got, but the data source failed: not everything was sent.
  if (feedError !== null) throw feedError instanceof Error ? feedError : new Error(`${run.op}: the data source failed`, { cause: feedError });
  return { stdout: result.stdout, stderr: result.stderr };
}
