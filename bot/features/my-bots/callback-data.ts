import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ModuleName, SemVer, Slug, TelegramChatId } from '../../../fleet/schema/index.js';

/**
 * Callback data of "My bots": `my:<verb>[:<slug>[:<arg>...]]`, parsed with zod.
 *
 * Why plain inline keyboards and not @grammyjs/menu: every button here names the tenant it acts
 * on, and every press re-reads the fleet and checks that the presser owns that tenant. Nothing
 * lives in memory, so any button works after a restart, and a button whose tenant, module or
 * version no longer fits is answered as outdated by the fallback. The same data is also put on
 * buttons by other parts of the bot (the renewal button of billing reminders, `my:renew:<slug>`;
 * the "Update now" button of release notes, `upd:<slug>:<module>:<version>`), which a menu's
 * positional, fingerprinted data could not be.
 *
 * Telegram allows 64 bytes. A slug takes up to 32, so modules and versions are written as short
 * references ({@link ref}): the name itself when it has at most 12 characters (always, in
 * practice), else `#` and 11 characters of its hash, looked up again in the catalog on a press.
 */
export const MAX_CALLBACK_BYTES = 64;
export const PREFIX = 'my';

const PLAIN_REF_MAX = 12;
const Ref = z.string().regex(/^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,11}|#[A-Za-z0-9_-]{11})$/);
const ChatRef = z
  .string()
  .regex(/^-?\d{1,16}$/)
  .transform(Number)
  .pipe(TelegramChatId);

/** A module name or version as it is written in callback data. */
export function ref(name: string): string {
  return name.length <= PLAIN_REF_MAX ? name : `#${createHash('sha256').update(name).digest('base64url').slice(0, 11)}`;
}

/** The name among `names` that `reference` stands for, or null. */
export function resolveRef(reference: string, names: Iterable<string>): string | null {
  for (const name of names) if (ref(name) === reference) return name;
  return null;
}

/** Verbs that name only a tenant. */
const SLUG_VERBS = ['bot', 'pay', 'renew', 'mods', 'rms', 'chats', 'cadd', 'token', 'restart'] as const;
/** Verbs that name a tenant and one of its (or the catalog's) modules. */
const MODULE_VERBS = ['i', 'rm', 'rmy'] as const;

export type SlugVerb = (typeof SLUG_VERBS)[number];
export type ModuleVerb = (typeof MODULE_VERBS)[number];

export const MyAction = z.union([
  z.strictObject({ verb: z.literal('list') }),
  z.strictObject({ verb: z.enum(SLUG_VERBS), slug: Slug }),
  z.strictObject({ verb: z.enum(MODULE_VERBS), slug: Slug, module: Ref }),
  /** Update one installed module to a version of the catalog. */
  z.strictObject({ verb: z.literal('u'), slug: Slug, module: Ref, version: Ref }),
  /** Remove one chat from the tenant's list. */
  z.strictObject({ verb: z.literal('cdel'), slug: Slug, chat: ChatRef }),
]);
export type MyAction = z.infer<typeof MyAction>;
export type Verb = MyAction['verb'];
/** The action of one verb (several verbs share a schema, so `Extract` alone would miss them). */
export type ActionOf<V extends Verb> = MyAction extends infer A ? (A extends { verb: infer W } ? (V extends W ? A & { verb: V } : never) : never) : never;

/** The field each position after the verb fills. */
const FIELDS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['list', []],
  ...SLUG_VERBS.map((v) => [v, ['slug']] as const),
  ...MODULE_VERBS.map((v) => [v, ['slug', 'module']] as const),
  ['u', ['slug', 'module', 'version']],
  ['cdel', ['slug', 'chat']],
]);

/** The action a button's data names, or null for anything else (old formats, crafted data). */
export function parseMyData(data: string): MyAction | null {
  const [prefix, verb, ...rest] = data.split(':');
  const fields = verb === undefined ? undefined : FIELDS.get(verb);
  if (prefix !== PREFIX || fields === undefined || rest.length !== fields.length) return null;
  const parsed = MyAction.safeParse({ verb, ...Object.fromEntries(fields.map((f, i) => [f, rest[i]])) });
  return parsed.success ? parsed.data : null;
}

/** Callback data for an action; module and version fields must already be {@link ref}s. */
export function myData(action: MyAction): string {
  const fields = FIELDS.get(action.verb) ?? [];
  const values = fields.map((f) => String((action as Record<string, unknown>)[f]));
  const data = [PREFIX, action.verb, ...values].join(':');
  // Slugs and refs are bounded so that this cannot happen; a failure here is a bug, not input.
  if (Buffer.byteLength(data) > MAX_CALLBACK_BYTES) throw new RangeError(`callback data "${data}" is over ${MAX_CALLBACK_BYTES} bytes`);
  return data;
}

/** `upd:<slug>:<module>:<version>`: the "Update now" button of release notifications. */
const UpdateNow = z.strictObject({ slug: Slug, module: ModuleName, version: SemVer });
export type UpdateNow = z.infer<typeof UpdateNow>;
export const UPDATE_NOW = /^upd:([^:]+):([^:]+):([^:]+)$/;

export function parseUpdateNow(data: string): UpdateNow | null {
  const m = UPDATE_NOW.exec(data);
  if (m === null) return null;
  const parsed = UpdateNow.safeParse({ slug: m[1], module: m[2], version: m[3] });
  return parsed.success ? parsed.data : null;
}

/** Callback data of the manual-payment feature's renewal: it owns the handler. */
export const manualRenewalData = (slug: string): string => `pay:manual:${slug}:renewal`;
