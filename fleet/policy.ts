import type { ChangeKind, FleetConfig, MergeMode } from './schema/index.js';

/**
 * Kinds whose default differs from `mergePolicy.default`. Recording a release in the catalog
 * changes no tenant (the update PRs do, and they follow the policy), and the release workflow
 * already validated the tag, so waiting for an admin would only hold the update PRs back.
 */
const KIND_DEFAULTS: Partial<Record<ChangeKind, MergeMode>> = { 'module.release': 'auto' };

/**
 * Whether a change merges itself or waits for an admin. Deletion always waits, and so does an
 * import: hundreds of customers arriving from another system are checked by a person first.
 */
export function mergeModeOf(config: FleetConfig, kind: ChangeKind): MergeMode {
  if (kind === 'tenant.delete' || kind === 'tenant.import') return 'review';
  return config.mergePolicy.kinds[kind] ?? KIND_DEFAULTS[kind] ?? config.mergePolicy.default;
}
