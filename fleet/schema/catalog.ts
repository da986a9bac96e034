import { z } from 'zod';
import { Instant, ModuleName, SemVer, SemVerRange } from './common.js';

export const ImageRef = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
    error: 'must be a container image reference such as ghcr.io/acme/core:1.2.0',
  });

export const ModuleRelease = z.strictObject({
  image: ImageRef,
  requires: z.record(ModuleName, SemVerRange).default({}),
  releasedAt: Instant,
  notes: z.string().max(10_000).optional(),
});
export type ModuleRelease = z.infer<typeof ModuleRelease>;

/**
 * `catalog/<module>.yaml`: the released versions of one module, written by `buckfleet release`.
 * Like a Helm repository index, it lets the fleet repo be validated on its own: every version a
 * tenant pins must be listed here.
 */
export const CatalogEntry = z.strictObject({
  name: ModuleName,
  title: z.strictObject({ en: z.string().min(1).max(64), ru: z.string().min(1).max(64).optional() }),
  description: z.strictObject({ en: z.string().max(500), ru: z.string().max(500).optional() }).optional(),
  versions: z.record(SemVer, ModuleRelease),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;
