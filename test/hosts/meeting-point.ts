import { execaSync } from 'execa';
import { tool } from './capabilities.js';
import { claimSlot, createNetwork, deleteNetwork, networkFor, releaseSlot } from './netns.js';
import type { TestHost } from './host.js';
import { type Relay, startRelay } from './relay.js';

/**
 * An address of this machine that every test host can reach, known before any host boots: the
 * root side of a claimed /30 with no daemons behind it. A host only knows its own /30, so
 * `routeFrom` adds a /32 route to the meeting point through the host's own veth; this machine
 * answers for its local address whichever link a packet came in on, and replies go back over
 * the host's link. The reconciler's config (TENANT_DATABASE_STACK_HOST) and a relay to the
 * Telegram emulator can then name this one address for stacks on hosts that do not exist yet.
 * Nothing is routed beyond this machine.
 */
export interface MeetingPoint {
  /** `10.231.<n>.1`: listen here (the test PostgreSQL already listens everywhere). */
  readonly address: string;
  /** Makes the meeting point reachable from a test host's namespace. */
  routeFrom(host: Pick<TestHost, 'name' | 'address'>): void;
  /** Relays the meeting point's `port` (a new one) to a loopback-only service of this machine. */
  relay(targetPort: number): Promise<Relay>;
  close(): void;
}

const ip = (args: readonly string[]) => execaSync(tool('ip'), args, { reject: false, env: { LC_ALL: 'C' } });

export function startMeetingPoint(): MeetingPoint {
  const net = networkFor(claimSlot());
  try {
    createNetwork(net);
  } catch (error) {
    deleteNetwork(net);
    releaseSlot(net.slot);
    throw error;
  }
  return {
    address: net.rootAddress,
    routeFrom(host) {
      const via = host.address.replace(/\.2$/, '.1');
      if (via === host.address) throw new Error(`test host address ${host.address} is not the .2 of a /30`);
      const r = ip(['-n', host.name, 'route', 'replace', `${net.rootAddress}/32`, 'via', via]);
      if (r.exitCode !== 0) throw new Error(`route to the meeting point from ${host.name}: ${String(r.stderr).trim()}`);
    },
    relay: (targetPort) => startRelay(net.rootAddress, targetPort),
    close() {
      const problems = deleteNetwork(net);
      releaseSlot(net.slot);
      if (problems.length > 0) throw new Error(`meeting point ${net.rootAddress}: ${problems.join('; ')}`);
    },
  };
}
