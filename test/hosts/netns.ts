import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { execaSync } from 'execa';
import { tool } from './capabilities.js';
import { isAlive } from './processes.js';

/**
 * A test host's network: namespace `bft-<pid>-<n>` joined to the root namespace by a veth pair on
 * 10.231.<n>.0/30 (.1 here, .2 in the namespace). <n> is claimed machine-wide through a lock file,
 * so test files running in parallel (other processes, or workers sharing a pid) never share an
 * address, a namespace or an interface name. Only these addresses are ever used.
 */
export interface HostNetwork {
  readonly slot: number;
  readonly netns: string;
  readonly rootLink: string;
  /** The veth end inside the namespace: `cutOff` takes it down. */
  readonly nsLink: string;
  readonly rootAddress: string;
  readonly address: string;
}

const LOCK_DIR = '/run/buckfleet-test-hosts';
const lockFile = (slot: number) => `${LOCK_DIR}/slot-${slot}`;

export function networkFor(slot: number): HostNetwork {
  return {
    slot,
    netns: `bft-${process.pid}-${slot}`,
    rootLink: `bftv${slot}r`,
    nsLink: `bftv${slot}n`,
    rootAddress: `10.231.${slot}.1`,
    address: `10.231.${slot}.2`,
  };
}

const ip = (args: readonly string[]) => execaSync(tool('ip'), args, { reject: false, env: { LC_ALL: 'C' } });

/** Is anything on this machine already using slot `n` (an address in 10.231.n.0/24 or our link name)? */
function slotInUse(slot: number): boolean {
  const addresses = String(ip(['-o', '-4', 'addr', 'show']).stdout);
  if (addresses.includes(` 10.231.${slot}.`)) return true;
  return ip(['link', 'show', `bftv${slot}r`]).exitCode === 0;
}

/** Creates the lock file only if absent (O_EXCL): of two claimants, exactly one wins. */
function tryLockPath(path: string): boolean {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

const tryLock = (slot: number) => tryLockPath(lockFile(slot));

/**
 * A lock whose process is gone, and whose slot nothing uses, is taken over. The takeover itself is
 * guarded by its own lock file, so two processes cannot both remove the stale lock and then each
 * believe they hold the slot. A slot with leftovers is skipped and left alone: not ours to touch.
 */
function tryTakeOver(slot: number): boolean {
  const guard = `${lockFile(slot)}.takeover`;
  if (!tryLockPath(guard)) return false;
  try {
    const holder = Number(readFileSync(lockFile(slot), 'utf8').trim());
    if (!Number.isInteger(holder) || isAlive(holder) || slotInUse(slot)) return false;
    unlinkSync(lockFile(slot));
    return tryLock(slot);
  } catch {
    return false;
  } finally {
    unlinkSync(guard);
  }
}

/** Slots locked but found in use by something else; released with the rest. */
const heldUnused: number[] = [];

export function claimSlot(): number {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o700 });
  for (let slot = 1; slot <= 254; slot++) {
    if (existsSync(lockFile(slot)) ? tryTakeOver(slot) : tryLock(slot)) {
      if (!slotInUse(slot)) return slot;
      // Something else (not ours) sits on this range: keep the lock so nobody uses it, move on.
      // Released when this process stops its hosts; stale afterwards, and skipped while in use.
      heldUnused.push(slot);
    }
  }
  throw new Error('no free test host slot in 10.231.1-254.0/30: are old test hosts still running? (`ip netns list`, /run/buckfleet-test-hosts)');
}

export function releaseSlot(slot: number): void {
  try {
    if (readFileSync(lockFile(slot), 'utf8').trim() === String(process.pid)) unlinkSync(lockFile(slot));
  } catch {
    // Already released.
  }
}

export function releaseUnusedSlots(): void {
  for (const slot of heldUnused.splice(0)) releaseSlot(slot);
}

/** Runs `ip`, throwing with its stderr on failure. */
function ipOrThrow(args: readonly string[]): void {
  const r = ip(args);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed: ${String(r.stderr).trim()}`);
}

export function createNetwork(net: HostNetwork): void {
  const { nsLink } = net;
  ipOrThrow(['netns', 'add', net.netns]);
  ipOrThrow(['link', 'add', net.rootLink, 'type', 'veth', 'peer', 'name', nsLink]);
  ipOrThrow(['link', 'set', nsLink, 'netns', net.netns]);
  ipOrThrow(['addr', 'add', `${net.rootAddress}/30`, 'dev', net.rootLink]);
  ipOrThrow(['link', 'set', net.rootLink, 'up']);
  ipOrThrow(['-n', net.netns, 'addr', 'add', `${net.address}/30`, 'dev', nsLink]);
  ipOrThrow(['-n', net.netns, 'link', 'set', nsLink, 'up']);
  ipOrThrow(['-n', net.netns, 'link', 'set', 'lo', 'up']);
}

/**
 * Cuts the host off by taking down the namespace's end of the veth. Not the root end: that would
 * remove the connected route, and the kernel would send the host's packets out of the default
 * route instead, off this machine (where a sandbox's egress proxy may even accept the TCP
 * connection). With the far end down the route stays on our veth, which has no carrier, and
 * packets die there: to ssh the host has gone silent, as a droplet cut off from the network.
 */
export function setReachable(net: HostNetwork, reachable: boolean): void {
  ipOrThrow(['-n', net.netns, 'link', 'set', net.nsLink, reachable ? 'up' : 'down']);
  if (reachable) {
    // Packets sent while cut off left a failed ARP entry, which holds new connections back for
    // about a second: forget it (on our own link only), so the host answers at once.
    ipOrThrow(['neigh', 'flush', 'dev', net.rootLink]);
    return;
  }
  // A machine with net.ipv4.conf.*.ignore_routes_with_linkdown=1 would route around the dead
  // link, out of this machine: refuse rather than send test traffic elsewhere.
  const route = String(ip(['route', 'get', net.address]).stdout);
  if (!route.includes(`dev ${net.rootLink} `)) {
    ipOrThrow(['-n', net.netns, 'link', 'set', net.nsLink, 'up']);
    throw new Error(`cutting off ${net.address} would route it elsewhere (${route.trim()}): is ignore_routes_with_linkdown set?`);
  }
}

/** Deletes what `createNetwork` made, whatever part of it exists. Returns problems, not throws. */
export function deleteNetwork(net: HostNetwork): string[] {
  const problems: string[] = [];
  // Deleting one end of a veth pair deletes both.
  if (ip(['link', 'show', net.rootLink]).exitCode === 0) {
    const r = ip(['link', 'del', net.rootLink]);
    if (r.exitCode !== 0) problems.push(`ip link del ${net.rootLink}: ${String(r.stderr).trim()}`);
  }
  if (existsSync(`/var/run/netns/${net.netns}`)) {
    const r = ip(['netns', 'del', net.netns]);
    if (r.exitCode !== 0) problems.push(`ip netns del ${net.netns}: ${String(r.stderr).trim()}`);
  }
  return problems;
}
