import { z } from 'zod';
import { BillingManifest } from './billing.js';
import { CatalogEntry } from './catalog.js';
import { FleetConfig } from './fleet.js';
import { HostManifest } from './host.js';
import { SealedSecrets } from './secrets.js';
import { TenantManifest } from './tenant.js';

/**
 * JSON Schemas of the fleet manifests, for editors (autocomplete and squiggles while writing
 * YAML) and for anyone validating without Node. They are generated from the zod schemas, the
 * single source of the types, so they cannot drift from what `buckfleet validate` enforces.
 *
 * A JSON Schema says less than zod: refinements (semver validity, paidThrough matching the
 * periods, cross-file rules such as "the plan exists") are not expressible in it and are left
 * out, so a file an editor accepts can still fail `buckfleet validate`. The reverse does not
 * happen.
 */
interface ManifestSchema {
  /** File name of the schema, e.g. `fleet.schema.json`. */
  readonly file: string;
  readonly title: string;
  readonly description: string;
  /** Globs, relative to the fleet repo root, of the files the schema describes. */
  readonly appliesTo: readonly string[];
  readonly schema: z.ZodType;
}

const MANIFESTS: readonly ManifestSchema[] = [
  {
    file: 'fleet.schema.json',
    title: 'buckfleet fleet.yaml',
    description: 'Fleet-wide settings: defaults, plans and prices, billing rules, merge policy.',
    appliesTo: ['fleet.yaml'],
    schema: FleetConfig,
  },
  {
    file: 'tenant.schema.json',
    title: 'buckfleet tenants/<slug>/tenant.yaml',
    description: 'One tenant: owner, plan, placement, modules with pinned versions, chats.',
    appliesTo: ['tenants/*/tenant.yaml'],
    schema: TenantManifest,
  },
  {
    file: 'billing.schema.json',
    title: 'buckfleet tenants/<slug>/billing.yaml',
    description: "One tenant's billing state: status, paid-through, Stripe ids, paid periods.",
    appliesTo: ['tenants/*/billing.yaml'],
    schema: BillingManifest,
  },
  {
    file: 'secrets.schema.json',
    title: 'buckfleet tenants/<slug>/secrets.age',
    description: "One tenant's secrets, each value age-encrypted to the reconciler's recipient.",
    appliesTo: ['tenants/*/secrets.age'],
    schema: SealedSecrets,
  },
  {
    file: 'host.schema.json',
    title: 'buckfleet hosts/<name>.yaml',
    description: 'A shared host onto which several tenants are packed.',
    appliesTo: ['hosts/*.yaml'],
    schema: HostManifest,
  },
  {
    file: 'catalog.schema.json',
    title: 'buckfleet catalog/<module>.yaml',
    description: 'The released versions of one module.',
    appliesTo: ['catalog/*.yaml'],
    schema: CatalogEntry,
  },
];

/** Schema file name → the globs of the manifests it describes (for editor settings). */
export const SCHEMA_TARGETS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  MANIFESTS.map((m) => [m.file, m.appliesTo]),
);

/**
 * Schema file name → JSON Schema (draft 2020-12). `io: 'input'` describes what a person writes,
 * so fields with a default are optional, as they are in the YAML.
 *
 * `$id` is the bare file name: a relative `$id` resolves against where the file is read from,
 * and the schemas travel with each fleet repo (`schema/`) rather than living at one URL.
 */
export function fleetJsonSchemas(): Record<string, object> {
  return Object.fromEntries(
    MANIFESTS.map((m) => {
      const { $schema, ...rest } = z.toJSONSchema(m.schema, { io: 'input' });
      return [m.file, { $schema, $id: m.file, title: m.title, description: m.description, ...rest }];
    }),
  );
}
