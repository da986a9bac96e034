import type { Log } from '../fleet/log.js';
import type { Fleet } from '../fleet/model.js';
import type { DesiredState } from './desired.js';
import type { CloudProvider, HostRuntime, HostTarget, Migration, TenantDatabase } from './ports.js';
import type { ModuleRuntimes } from '../fleet/schema/module-runtime.js';
import type { HostKeyStore, Notifier } from './store.js';

/** Module runtimes and the SQL of their migrations (issue "modules" reads them from modules/). */
export interface ModuleSource {
  /** Runtimes of every module version the fleet's catalog lists. */
  runtimes(fleet: Fleet): Promise<ModuleRuntimes>;
  migration(id: string): Promise<Migration>;
}

/** Opens sealed (age) secret values: only the reconciler holds the identity. */
export interface SecretOpener {
  open(sealed: string): Promise<string>;
}

export interface ApplySettings {
  readonly sshUser: string;
  readonly sshPort: number;
  readonly networkMode: 'host' | 'bridge';
  /** How long one pass waits for a new droplet to answer over SSH before it requeues. */
  readonly hostWaitMs: number;
  /** How long a deployed stack has to become healthy. */
  readonly healthTimeoutMs: number;
}

/** Where each host is, as far as this pass knows: seeded from observation, updated by create/wait. */
export type HostAddresses = Map<string, { readonly dropletId: number; readonly ipv4: string | null }>;

/** Everything the steps of a pass use. Built once per pass by `reconcile.ts`. */
export interface StepContext {
  readonly cloud: CloudProvider;
  readonly runtime: HostRuntime;
  readonly tenantDb: TenantDatabase;
  readonly hostKeys: HostKeyStore;
  readonly notifier: Notifier;
  readonly modules: ModuleSource;
  readonly secrets: SecretOpener;
  readonly dbPassword: (slug: string) => string;
  readonly newHostKey: () => Promise<{ privateKey: string; publicKey: string }>;
  readonly userData: (hostKey: { privateKey: string; publicKey: string }) => string;
  readonly writeLocalBackup: (name: string, data: AsyncIterable<Uint8Array>) => Promise<string>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly log: Log;
  readonly settings: ApplySettings;
  readonly desired: DesiredState;
  readonly addresses: HostAddresses;
}

/** SSH target of a host, or null while its address or pinned key is unknown. */
export async function targetOf(ctx: StepContext, hostKey: string): Promise<HostTarget | null> {
  const address = ctx.addresses.get(hostKey)?.ipv4 ?? null;
  const pinned = await ctx.hostKeys.get(hostKey);
  if (address === null || pinned === null) return null;
  return { address, port: ctx.settings.sshPort, user: ctx.settings.sshUser, hostKey: pinned };
}
