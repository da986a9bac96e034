import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { tool } from './capabilities.js';
import { type Daemon, spawnInNetns } from './processes.js';
import { tail, waitUntil } from './wait.js';

/**
 * A private dockerd for one test host: its own data root, exec root (and so its own containerd),
 * pid file, socket and an empty config file (a machine's /etc/docker/daemon.json must not leak in),
 * all under the host's directory. No bridge and no iptables: containers use the host network
 * (`network_mode: host`), which is the namespace, and the machine's firewall is never touched.
 */
export interface HostDocker {
  readonly daemon: Daemon;
  readonly socket: string;
  readonly dockerHost: string;
  readonly log: string;
}

export function startDockerd(nsenter: string, netns: string, dir: string): HostDocker {
  const socket = join(dir, 'docker.sock');
  const config = join(dir, 'daemon.json');
  writeFileSync(config, '{}\n');
  const log = join(dir, 'dockerd.log');
  const daemon = spawnInNetns(
    nsenter,
    netns,
    [
      tool('dockerd'),
      '--config-file', config,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--data-root', join(dir, 'docker'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '--host', `unix://${socket}`,
    ],
    log,
  );
  return { daemon, socket, dockerHost: `unix://${socket}`, log };
}

/** `docker` against this host's daemon. */
export function docker(host: { readonly dockerHost: string }, args: readonly string[], input?: string) {
  return execa(tool('docker'), args, { env: { DOCKER_HOST: host.dockerHost }, reject: false, ...(input !== undefined ? { input } : {}) });
}

export async function waitForDocker(d: HostDocker, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`dockerd (log ${d.log})`, timeoutMs, async () => {
    const ended = d.daemon.exited();
    if (ended) throw new Error(`dockerd ${ended}:\n${tail(d.log)}`);
    return (await docker(d, ['version', '--format', '{{.Server.Version}}'])).exitCode === 0;
  });
}

/** Removes every container of this daemon (compose projects included). Returns problems. */
export function removeAllContainers(d: { readonly dockerHost: string }): string[] {
  const env = { DOCKER_HOST: d.dockerHost };
  const ids = execaSync(tool('docker'), ['ps', '-aq'], { env, reject: false, timeout: 30_000 });
  if (ids.exitCode !== 0) return [`docker ps: ${String(ids.stderr).trim()}`];
  const list = String(ids.stdout).split('\n').filter((l) => l.trim() !== '');
  if (list.length === 0) return [];
  const rm = execaSync(tool('docker'), ['rm', '-f', ...list], { env, reject: false, timeout: 60_000 });
  return rm.exitCode === 0 ? [] : [`docker rm -f: ${String(rm.stderr).trim()}`];
}
