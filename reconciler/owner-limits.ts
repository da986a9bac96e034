import pLimit, { type LimitFunction } from 'p-limit';

/** Runs an owner's turn within the pass's limits: `global` turns at once, `perHost` on any one host. */
export type OwnerLimiter = <T>(host: string, turn: () => Promise<T>) => Promise<T>;

/**
 * The host's slot is taken first, then a global one: an owner waiting for its busy host must
 * not sit on a global slot, or a pass whose first owners share a host would run only `perHost`
 * of them while owners on idle hosts wait. Every owner takes the two in the same order, so no
 * two can hold what the other waits for.
 */
export function ownerLimiter(global: number, perHost: number): OwnerLimiter {
  const all = pLimit(global);
  const hosts = new Map<string, LimitFunction>();
  return (host, turn) => {
    let mine = hosts.get(host);
    if (mine === undefined) {
      mine = pLimit(perHost);
      hosts.set(host, mine);
    }
    return mine(() => all(turn));
  };
}
