import type {
  BillingManifest,
  CatalogEntry,
  FleetConfig,
  HostManifest,
  SealedSecrets,
  Slug,
  TenantManifest,
} from './schema/index.js';

/** Everything about one tenant that the fleet repo holds. */
export interface TenantRecord {
  readonly slug: Slug;
  readonly tenant: TenantManifest;
  readonly billing: BillingManifest;
  readonly secrets: SealedSecrets | null;
}

/** A whole fleet repo, loaded and validated. Maps iterate in name order. */
export interface Fleet {
  readonly config: FleetConfig;
  readonly tenants: ReadonlyMap<Slug, TenantRecord>;
  readonly hosts: ReadonlyMap<string, HostManifest>;
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
}

/** A fleet tree as text: path (POSIX, relative to the repo root) → UTF-8 content. */
export type FleetFiles = ReadonlyMap<string, string>;

/**
 * A fleet tree as read from git or disk. Files the reader would not read (symlinks, oversized
 * files, submodules) are listed with the reason instead, so the loader can report them.
 */
export interface FleetSnapshot {
  readonly files: FleetFiles;
  readonly refused: ReadonlyMap<string, string>;
}
