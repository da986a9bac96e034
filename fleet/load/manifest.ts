import type { z } from 'zod';
import { classifyPath, type ManifestPath } from '../paths.js';
import { BillingManifest, CatalogEntry, FleetConfig, HostManifest, SealedSecrets, TenantManifest } from '../schema/index.js';
import { parseManifestYaml } from './yaml.js';

/** The schema of each kind of manifest file. */
export const MANIFEST_SCHEMAS: { readonly [K in ManifestPath['kind']]: z.ZodType } = {
  fleet: FleetConfig,
  tenant: TenantManifest,
  billing: BillingManifest,
  secrets: SealedSecrets,
  host: HostManifest,
  catalog: CatalogEntry,
};

/**
 * What a manifest file means, defaults filled in; null when the path is no manifest or the text
 * does not validate. Two texts mean the same thing when these values are deeply equal.
 */
export function manifestValue(path: string, text: string): unknown {
  const where = classifyPath(path);
  if (where.kind === 'ignored' || where.kind === 'unexpected') return null;
  const parsed = parseManifestYaml(path, text);
  if (!parsed.ok) return null;
  const checked = MANIFEST_SCHEMAS[where.kind].safeParse(parsed.parsed.value);
  return checked.success ? checked.data : null;
}
