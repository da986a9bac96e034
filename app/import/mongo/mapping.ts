import { parse } from 'yaml';
import { z } from 'zod';
import { PlanName } from '../../../fleet/schema/index.js';

/**
 * Where the old bot manager keeps each fact, as a YAML file: another schema of the old
 * MongoDB bot needs a new mapping file, not new code. Pure: no I/O.
 *
 * A field is a dotted path into a document (`owner.id`); Extended JSON wrappers (`$oid`,
 * `$numberLong`, `$date`, ...) are already unwrapped when paths are followed.
 */

/** `a`, `owner.id`, `_id`: names of letters, digits, `_` and `-`, joined by dots. */
const FieldPath = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$/, { error: 'must be a dotted field path such as owner.id' });
/** A file of the dump: a plain name, never a path out of the dump folder. */
const DumpFile = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, { error: 'must be a file name inside the dump folder' });
const Currency = z.string().regex(/^[a-z]{3}$/, { error: 'must be a lowercase ISO 4217 code such as usd' });

export const MongoMapping = z.strictObject({
  users: z.strictObject({
    file: DumpFile,
    /** The Telegram user id. */
    id: FieldPath,
    username: FieldPath.optional(),
    firstName: FieldPath.optional(),
    language: FieldPath.optional(),
    /** When the user first used the old bot: telegram_users.first_seen_at of a new row. */
    createdAt: FieldPath.optional(),
  }),
  bots: z.strictObject({
    file: DumpFile,
    /** The bot document's own id, which subscriptions and payments point at. */
    id: FieldPath,
    /** The owner's Telegram user id (must be a user of the users file). */
    owner: FieldPath,
    token: FieldPath,
    /** The bot's @username: the tenant's slug is made from it. */
    name: FieldPath,
    /** A name people see (the tenant's displayName). */
    title: FieldPath.optional(),
    plan: FieldPath.optional(),
    createdAt: FieldPath.optional(),
  }),
  subscriptions: z.strictObject({
    file: DumpFile,
    bot: FieldPath,
    /** Paid until: the tenant's paid-through. */
    expiry: FieldPath,
    /** Start of the paid period that ends at `expiry`; `periodDays` before it when absent. */
    start: FieldPath.optional(),
    plan: FieldPath.optional(),
    amount: FieldPath.optional(),
    currency: FieldPath.optional(),
  }),
  payments: z.strictObject({
    file: DumpFile,
    id: FieldPath,
    bot: FieldPath,
    amount: FieldPath,
    currency: FieldPath.optional(),
    /** When it was paid: the start of the period it paid for. */
    date: FieldPath,
    status: FieldPath.optional(),
    /** Length of the period paid for, in days; `periodDays` when absent. */
    days: FieldPath.optional(),
  }),
  /** Old plan name → a plan of fleet.yaml. A plan not listed makes the bot a skipped record. */
  plans: z.record(z.string().min(1), PlanName),
  /** The plan of a bot whose documents name none. */
  defaultPlan: PlanName.optional(),
  /** Payment status → `paid` (a paid period) or `ignore` (accounted, not a period). Unlisted: skipped. */
  paymentStatus: z.record(z.string().min(1), z.enum(['paid', 'ignore'])).default({}),
  amounts: z
    .strictObject({
      /** `major`: 9.5 means 9.50 (converted to 950 minor units); `minor`: 950 already. */
      unit: z.enum(['major', 'minor']).default('major'),
      /** The currency of amounts whose documents name none. */
      currency: Currency.default('usd'),
    })
    .default({ unit: 'major', currency: 'usd' }),
  periodDays: z.number().int().min(1).max(3660).default(30),
});
export type MongoMapping = z.infer<typeof MongoMapping>;

/** The mapping file does not parse or does not fit the schema; names the file and the field. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly file: string,
    readonly problems: readonly { readonly field: string; readonly message: string }[],
  ) {
    super(`${file}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** Parses and validates a mapping's YAML text. */
export function parseMapping(text: string, file: string): MongoMapping {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new MappingError(file, [{ field: '(file)', message: `not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'})` }]);
  }
  const parsed = MongoMapping.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new MappingError(
    file,
    parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(file)', message: i.message })),
  );
}
