import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Background daemons in a network namespace, and stopping them again by pid. `nsenter --net`
 * (not `ip netns exec`, which also remounts /sys and hides the cgroup mounts dockerd needs) execs
 * the daemon in place, so the pid spawn returns is the daemon's own.
 */
export interface Daemon {
  readonly pid: number;
  /** How it ended, once it has: a daemon that dies during startup fails the wait at once. */
  exited(): string | null;
}

export function spawnInNetns(nsenter: string, netns: string, argv: readonly string[], logFile: string): Daemon {
  const log = openSync(logFile, 'a');
  try {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error('spawnInNetns: empty argv');
    const child = spawn(nsenter, [`--net=/var/run/netns/${netns}`, command, ...args], { stdio: ['ignore', log, log] });
    let ended: string | null = null;
    child.on('exit', (code, signal) => (ended = signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (error) => (ended = `failed to start: ${error.message}`));
    // The test process may end without waiting for its daemons: stopAllTestHosts and the exit
    // hook stop them by pid.
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command} in ${netns}`);
    return { pid: child.pid, exited: () => ended };
  } finally {
    closeSync(log);
  }
}

/** Running, as opposed to gone or a zombie nobody has reaped yet (which a blocked event loop cannot). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Blocks: the exit hook cannot await, and this also runs there. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * SIGTERM, then SIGKILL after `graceMs`, for a pid we started — and only while its command line
 * still contains `marker` (the host's own directory), so a recycled pid is never signalled.
 * Returns a problem description, or null when the process is gone.
 */
export function stopProcess(pid: number, marker: string, graceMs: number): string | null {
  if (!isAlive(pid)) return null;
  if (!cmdline(pid).includes(marker)) return null;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // Gone between the check and the signal.
    }
  };
  signal('SIGTERM');
  for (let waited = 0; isAlive(pid) && waited < graceMs; waited += 50) sleepSync(50);
  if (!isAlive(pid)) return null;
  signal('SIGKILL');
  for (let waited = 0; isAlive(pid) && waited < 5_000; waited += 50) sleepSync(50);
  return isAlive(pid) ? `pid ${pid} survived SIGKILL` : null;
}

/**
 * Processes whose command line contains `marker`: the containerd and shims our dockerd started
 * (they carry the host's directory in their arguments) when dockerd itself could not stop them.
 */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && isAlive(pid) && cmdline(pid).includes(marker)) pids.push(pid);
  }
  return pids;
}
