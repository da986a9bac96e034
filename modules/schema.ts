import { z } from 'zod';
import { EnvKey, ModuleName, SemVerRange } from '../fleet/schema/index.js';
import { Command, EnvSource, Healthcheck } from '../fleet/schema/module-runtime.js';

/**
 * `modules/<name>/module.yaml`: what a module is and how it runs. The same shape for every
 * module, `core` (the multi-bot itself) included; versions come from git tags `<name>@<semver>`.
 */
export const ModuleManifest = z.strictObject({
  name: ModuleName,
  title: z.strictObject({ en: z.string().min(1).max(64), ru: z.string().min(1).max(64) }),
  description: z.strictObject({ en: z.string().max(500), ru: z.string().max(500) }),
  /** Image reference with `{version}` where the version goes, e.g. `ghcr.io/acme/core:{version}`. */
  image: z.string().regex(/^[a-z0-9][a-z0-9./:_-]*\{version\}[a-z0-9._-]*$/, { error: 'must contain {version}, e.g. ghcr.io/acme/core:{version}' }),
  command: Command.optional(),
  env: z.record(EnvKey, EnvSource).default({}),
  /** What the customer may set, per key: shown in the bot, validated before a config change. */
  config: z
    .record(EnvKey, z.strictObject({ type: z.enum(['string', 'number', 'boolean']), description: z.string().max(200), required: z.boolean().default(false) }))
    .default({}),
  requires: z.record(ModuleName, SemVerRange).default({}),
  healthcheck: Healthcheck.optional(),
});
export type ModuleManifest = z.infer<typeof ModuleManifest>;
