import { stringify } from 'yaml';

/**
 * Manifest text as buckfleet writes it: key order as the schema declares it, no line folding,
 * so the same manifest is always the same bytes and diffs show only what changed.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
