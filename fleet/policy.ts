import type { ChangeKind, FleetConfig, MergeMode } from './schema/index.js';

/** Whether a change merges itself or waits for an admin. Deletion always waits. */
export function mergeModeOf(config: FleetConfig, kind: ChangeKind): MergeMode {
  if (kind === 'tenant.delete') return 'review';
  return config.mergePolicy.kinds[kind] ?? config.mergePolicy.default;
}
