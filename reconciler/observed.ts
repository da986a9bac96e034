import type { Droplet, ObservedDatabase, ObservedStack } from './ports.js';
import { FLEET_TAG, hostTag, tenantTag } from './ports.js';

/** A host the observer could look at: its droplet, and what runs on it when SSH answered. */
export interface ObservedHost {
  readonly key: string;
  readonly droplet: Droplet;
  /** False when SSH did not answer (a new droplet still booting, or a host cut off). */
  readonly reachable: boolean;
  /** Compose projects by name; empty when unreachable. */
  readonly stacks: ReadonlyMap<string, ObservedStack>;
}

/** What the world looks like, as plain data: the observer's only output, the planner's input. */
export interface Observed {
  /** Droplets by host key (`tenant:<slug>` / `host:<name>`); more than one is a problem to report. */
  readonly droplets: ReadonlyMap<string, readonly Droplet[]>;
  readonly hosts: ReadonlyMap<string, ObservedHost>;
  /** Tenant databases by slug. */
  readonly databases: ReadonlyMap<string, ObservedDatabase>;
}

/** The host key a droplet's tags give it, or null for a droplet that is not buckfleet's. */
export function hostKeyOf(droplet: Droplet): string | null {
  if (!droplet.tags.includes(FLEET_TAG)) return null;
  for (const tag of droplet.tags) {
    const tenant = /^buckfleet-tenant-(.+)$/.exec(tag)?.[1];
    if (tenant) return `tenant:${tenant}`;
    const host = /^buckfleet-host-(.+)$/.exec(tag)?.[1];
    if (host) return `host:${host}`;
  }
  return null;
}

/** Groups droplets by host key, dropping ones without a buckfleet key. */
export function dropletsByHost(droplets: readonly Droplet[]): Map<string, Droplet[]> {
  const out = new Map<string, Droplet[]>();
  for (const d of droplets) {
    const key = hostKeyOf(d);
    if (key === null || d.status === 'archive') continue;
    out.set(key, [...(out.get(key) ?? []), d]);
  }
  return out;
}

/** The droplet tag of a host key: the inverse of `hostKeyOf`. */
export function tagOfHostKey(key: string): string {
  return key.startsWith('tenant:') ? tenantTag(key.slice('tenant:'.length)) : hostTag(key.slice('host:'.length));
}
