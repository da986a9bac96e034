import semver from 'semver';
import { z } from 'zod';

/**
 * Shared field types of the fleet manifests. Every name that ends up in a path, a database
 * identifier, a compose project or a shell argument is constrained here, once, so that nothing
 * downstream has to quote or escape it.
 */

const SLUG_RE = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** A tenant or host name: a DNS label, because database, role and compose names derive from it. */
export const Slug = z
  .string()
  .regex(SLUG_RE, {
    error: 'must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"',
  })
  .meta({ description: 'DNS-label safe name: ^[a-z][a-z0-9-]{1,30}[a-z0-9]$' });
export type Slug = z.infer<typeof Slug>;

/** What {@link Slug} accepts, as a test without a parse: a 10k fleet's paths name 10k slugs three times each. */
export const isSlug = (name: string): boolean => SLUG_RE.test(name);

export const HostName = Slug;

/** Module names are shorter than slugs: they become env prefixes and image names. */
export const ModuleName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, {
    error: 'must be 2-32 characters of a-z, 0-9 and "-", starting with a letter',
  })
  .meta({ description: 'Module name, e.g. core, welcome, scheduled-posts' });
export type ModuleName = z.infer<typeof ModuleName>;

export const PlanName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: 'must be lowercase letters, digits and "-", starting with a letter' });

/** A strict semantic version, no leading "v", no build metadata games. */
export const SemVer = z
  .string()
  .refine((v) => semver.valid(v) === v, { error: 'must be a semantic version such as 1.2.0' })
  .meta({ description: 'Semantic version, e.g. 1.2.0' });
export type SemVer = z.infer<typeof SemVer>;

export const SemVerRange = z
  .string()
  // semver reads "" as "*": an empty range would silently accept every version.
  .min(1, { error: 'must be a semver range such as ">=1.2 <2"' })
  .max(100)
  .refine((r) => semver.validRange(r) !== null, { error: 'must be a semver range such as ">=1.2 <2"', abort: true })
  // ">=2 <1" parses, but no version satisfies it: a module that requires it could never be installed.
  .refine((r) => semver.minVersion(r) !== null, { error: 'no version satisfies this range' });

/**
 * UTC instants are ISO 8601 strings: YAML 1.2 keeps them as strings. Compare them as times
 * (`Date.parse`), not as text: `2026-01-01T00:00:00Z` and `...00:00.500Z` do not sort by characters.
 */
export const Instant = z.iso.datetime({ error: 'must be an ISO 8601 UTC time such as 2026-11-24T05:00:00Z' });

/** Telegram user ids are positive and fit in 52 bits. */
export const TelegramUserId = z
  .number({ error: 'must be a Telegram user id (a positive integer)' })
  .int({ error: 'must be a Telegram user id (a positive integer)' })
  .positive({ error: 'must be a Telegram user id (a positive integer)' })
  .max(2 ** 52);

/** Chat ids: negative for groups and channels. */
export const TelegramChatId = z.number().int().min(-(2 ** 52)).max(2 ** 52);

export const TelegramUsername = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, { error: 'must be a Telegram username without "@"' });

/** Money in minor units (cents), so no float ever touches a price. */
export const Money = z.strictObject({
  amount: z.number().int().nonnegative().max(100_000_000),
  currency: z.string().regex(/^[a-z]{3}$/, { error: 'must be a lowercase ISO 4217 code such as usd' }),
});
export type Money = z.infer<typeof Money>;

/** DigitalOcean region slug, e.g. fra1, nyc3. */
export const Region = z.string().regex(/^[a-z]{3}\d$/, { error: 'must be a DigitalOcean region such as fra1' });

/** DigitalOcean size slug, e.g. s-1vcpu-1gb. */
export const Size = z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, { error: 'must be a DigitalOcean size slug such as s-1vcpu-1gb' });

/** Env-style keys for secrets and module config. */
export const EnvKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: 'must be UPPER_SNAKE_CASE, at most 64 characters' });

export const Locale = z.enum(['en', 'ru']);

/** Every kind of change to the fleet; also the keys of the merge policy. */
export const CHANGE_KINDS = [
  'tenant.create',
  'tenant.import',
  'tenant.update',
  'tenant.suspend',
  'tenant.resume',
  'tenant.delete',
  'module.install',
  'module.remove',
  'module.update',
  'module.release',
  'billing.record',
] as const;
export const ChangeKind = z.enum(CHANGE_KINDS);
export type ChangeKind = z.infer<typeof ChangeKind>;
