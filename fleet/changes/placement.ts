import type { Fleet } from '../model.js';
import type { HostManifest } from '../schema/index.js';

export type HostChoice = { readonly host: string; readonly added: HostManifest | null };

/**
 * Where a new shared tenant goes: the open host with the most free room (ties by name), or, when
 * every host is full or cordoned, a new host named `shared-<n>` that the same change adds. Decided
 * when the change is built, so the repo always says where each tenant runs.
 */
export function chooseSharedHost(fleet: Fleet): HostChoice {
  const placed = new Map<string, number>();
  for (const { tenant } of fleet.tenants.values()) {
    if (tenant.placement.type === 'shared') placed.set(tenant.placement.host, (placed.get(tenant.placement.host) ?? 0) + 1);
  }
  let best: { name: string; room: number } | null = null;
  for (const [name, host] of fleet.hosts) {
    const room = host.capacity - (placed.get(name) ?? 0);
    if (host.cordoned || room <= 0) continue;
    if (best === null || room > best.room) best = { name, room };
  }
  if (best) return { host: best.name, added: null };
  let n = 1;
  while (fleet.hosts.has(`shared-${n}`)) n += 1;
  const { region, hostSize, hostCapacity } = fleet.config.defaults;
  const added: HostManifest = { name: `shared-${n}`, region, size: hostSize, capacity: hostCapacity, cordoned: false };
  return { host: added.name, added };
}
