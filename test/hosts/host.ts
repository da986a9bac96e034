import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { hostTestsAvailable, tool } from './capabilities.js';
import { type HostDocker, removeAllContainers, startDockerd, waitForDocker } from './dockerd.js';
import { type HostNetwork, claimSlot, createNetwork, deleteNetwork, networkFor, releaseSlot, releaseUnusedSlots, setReachable } from './netns.js';
import { processesWith, stopProcess } from './processes.js';
import { registerCleanup } from './registry.js';
import { type HostSshd, startSshd, waitForSshd } from './sshd.js';

/**
 * A test host: what a droplet is to buckfleet — an address with a pinned host key, sshd and
 * dockerd behind it — made of a network namespace, a real sshd and a real dockerd.
 */
export interface TestHost {
  /** The network namespace, `bft-<pid>-<n>`. */
  readonly name: string;
  readonly address: string;
  readonly port: 22;
  /** `ssh-ed25519 AAAA...`: pin this in the HostTarget. */
  readonly hostPublicKey: string;
  /** `unix://<dir>/docker.sock`: what SSH sessions on this host get as DOCKER_HOST. */
  readonly dockerHost: string;
  /** Pass to the HostRuntime: the login lands in this machine's filesystem, so each host needs its own. */
  readonly stacksDir: string;
  readonly backupsDir: string;
  /** Sockets, logs (dockerd.log, sshd.log), config and docker's data. */
  readonly dir: string;
  readonly startupMs: number;
  /** Takes the host's link down: it stops answering (connections time out), as a droplet cut off. */
  cutOff(): Promise<void>;
  restore(): Promise<void>;
  /** Idempotent; also done by `stopAllTestHosts` and at process exit. */
  stop(): Promise<void>;
}

export interface TestHostOptions {
  /** Private host key file: installed as sshd's only HostKey, as cloud-init would. */
  readonly hostKeyFile: string;
  /** authorized_keys content (public key lines) for root. */
  readonly authorizedKeys: string;
  /** sshd's MaxSessions (sessions on one connection); sshd's default, 10, when absent. */
  readonly maxSessions?: number;
}

interface Parts {
  dockerd?: HostDocker;
  sshd?: HostSshd;
}

export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const availability = hostTestsAvailable();
  if (!availability.ok) throw new Error(availability.reason);
  const began = Date.now();
  const net = networkFor(claimSlot());
  // Short: the docker socket path must fit a unix socket address (108 bytes).
  const dir = mkdtempSync(join(tmpdir(), `bft-${net.slot}-`));
  const parts: Parts = {};
  // Registered before anything exists, so a start that fails half-way is still taken down.
  const stopOnce = registerCleanup(() => teardown(net, dir, parts));
  try {
    createNetwork(net);
    const nsenter = tool('nsenter');
    parts.dockerd = startDockerd(nsenter, net.netns, dir);
    parts.sshd = await startSshd(nsenter, net.netns, { ...options, dir, address: net.address, dockerHost: parts.dockerd.dockerHost });
    await Promise.all([waitForDocker(parts.dockerd), waitForSshd(parts.sshd, net.address)]);
  } catch (error) {
    const problems = stopOnce();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`test host ${net.netns} did not start: ${reason}${problems.length ? `\ncleanup: ${problems.join('; ')}` : ''}`, { cause: error });
  }
  const { dockerd, sshd } = parts;
  return {
    name: net.netns,
    address: net.address,
    port: 22,
    hostPublicKey: sshd.hostPublicKey,
    dockerHost: dockerd.dockerHost,
    stacksDir: join(dir, 'stacks'),
    backupsDir: join(dir, 'backups'),
    dir,
    startupMs: Date.now() - began,
    cutOff: () => Promise.resolve(setReachable(net, false)),
    restore: () => Promise.resolve(setReachable(net, true)),
    stop: () => {
      const problems = stopOnce();
      return problems.length === 0 ? Promise.resolve() : Promise.reject(new Error(`test host ${net.netns}: ${problems.join('; ')}`));
    },
  };
}

/**
 * Takes down what `startTestHost` made, whatever part of it exists, and only that: processes by
 * the pids we started (and those carrying this host's directory in their arguments: our dockerd's
 * containerd and shims), our veth and namespace, our directory, our slot lock.
 * Returns what it could not undo; keeps going past each failure.
 */
function teardown(net: HostNetwork, dir: string, parts: Parts): string[] {
  const marker = `${dir}/`;
  const problems: string[] = [];
  const note = (problem: string | null) => problem && problems.push(problem);
  if (parts.dockerd && !parts.dockerd.daemon.exited()) problems.push(...removeAllContainers(parts.dockerd));
  if (parts.dockerd) note(stopProcess(parts.dockerd.daemon.pid, marker, 20_000));
  if (parts.sshd) note(stopProcess(parts.sshd.daemon.pid, marker, 5_000));
  for (const pid of processesWith(marker)) note(stopProcess(pid, marker, 2_000));
  problems.push(...deleteNetwork(net));
  problems.push(...unmountUnder(dir));
  try {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    problems.push(`rm -rf ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  releaseSlot(net.slot);
  releaseUnusedSlots();
  return problems;
}

/** dockerd leaves mounts under its roots (e.g. exec-root/netns/default) even after a clean stop. */
function unmountUnder(dir: string): string[] {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    // Deepest first: a parent cannot be unmounted while a child is mounted on it.
    .sort((a, b) => b.length - a.length);
  const problems: string[] = [];
  for (const point of mountPoints) {
    const r = execaSync(tool('umount'), ['-l', point], { reject: false });
    if (r.exitCode !== 0) problems.push(`umount ${point}: ${String(r.stderr).trim()}`);
  }
  return problems;
}
