import type { DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';

/**
 * How every manifest is parsed, both to validate it and, later, to locate a problem in it: the
 * same options put the nodes at the same offsets.
 */
export const MANIFEST_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  // yaml's own duplicate check compares every key with every earlier one (seconds on a 256 KiB
  // file); the validating visitor does it with a Set, and by JavaScript property name.
  uniqueKeys: false,
  strict: true,
  schema: 'core',
  // Without this, !!binary, !!set, !!omap, !!pairs and !!timestamp resolve even in the core schema.
  resolveKnownTags: false,
  merge: false,
};
