import { EJSON } from 'bson';
import { createHash } from 'node:crypto';
import type { BillingRecordFields } from '../../../fleet/changes/request.js';
import { PaidPeriod, Slug, TelegramUserId, TelegramUsername } from '../../../fleet/schema/index.js';
import { Secret } from '../../../fleet/secret.js';
import type { MongoMapping } from './mapping.js';

/**
 * The pure part of `buckfleet import mongo`: one line of a mongoexport file → a mapped record or
 * the reason it is bad; all records → the users to upsert, the tenants to import and a report
 * entry for every record. No I/O: the command streams the files in and writes the results out.
 */

export type Collection = 'users' | 'bots' | 'subscriptions' | 'payments';
export const COLLECTIONS: readonly Collection[] = ['users', 'bots', 'subscriptions', 'payments'];

/** Where a record is: the dump file and its 1-based line. */
export interface Loc {
  readonly file: string;
  readonly line: number;
}

export type Outcome = 'imported' | 'unchanged' | 'skipped' | 'conflicting';

/** One record of the dump and what became of it. Never holds a secret. */
export interface ReportEntry {
  readonly file: string;
  readonly line: number;
  readonly collection: Collection;
  /** The record's id as the dump has it (user id, bot id, ...), when it has one. */
  readonly id: string | null;
  readonly outcome: Outcome;
  readonly reason?: string;
}

export interface UserRow {
  readonly id: number;
  readonly username: string | null;
  readonly firstName: string | null;
  readonly language: string | null;
  readonly createdAt: string | null;
}

interface BotRecord {
  readonly loc: Loc;
  readonly id: string;
  readonly owner: number;
  readonly token: Secret;
  readonly slug: string;
  readonly title: string | null;
  readonly plan: string;
  readonly createdAt: string | null;
}

interface SubscriptionRecord {
  readonly loc: Loc;
  readonly bot: string;
  readonly period: PaidPeriod;
  readonly plan: string | null;
}

interface PaymentRecord {
  readonly loc: Loc;
  readonly id: string;
  readonly bot: string;
  /** Null: a payment whose status the mapping ignores (accounted for, not a period). */
  readonly period: PaidPeriod | null;
  readonly status: string;
}

export type Mapped =
  | { readonly collection: 'users'; readonly loc: Loc; readonly user: UserRow }
  | { readonly collection: 'bots'; readonly loc: Loc; readonly bot: BotRecord }
  | { readonly collection: 'subscriptions'; readonly loc: Loc; readonly subscription: SubscriptionRecord }
  | { readonly collection: 'payments'; readonly loc: Loc; readonly payment: PaymentRecord };

/** A record that cannot be used; the reason names the field, never its value when it may be a secret. */
export class BadRecordError extends Error {
  override readonly name = 'BadRecordError';
  constructor(
    readonly loc: Loc,
    readonly collection: Collection,
    readonly id: string | null,
    readonly field: string | null,
    reason: string,
    /** The bot a broken subscription or payment belongs to: that bot is held back. */
    readonly bot: string | null = null,
  ) {
    super(reason);
  }
}

/** The shape @BotFather hands out (bot/token-check.ts has the same rule; bot/ is out of reach here). */
const BOT_TOKEN = /^\d{5,16}:[A-Za-z0-9_-]{30,50}$/;
const DAY_MS = 86_400_000;

/** A BSON value after EJSON.parse: the wrappers become objects with `_bsontype`. */
interface BsonValue {
  readonly _bsontype: string;
  toString(): string;
}
const isBson = (v: unknown): v is BsonValue => typeof v === 'object' && v !== null && '_bsontype' in v;
const isDoc = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isBson(v) && !(v instanceof Date) && !Array.isArray(v);

/** Parses one line of a mongoexport file, canonical or relaxed Extended JSON. */
export function parseLine(text: string, loc: Loc, collection: Collection): Record<string, unknown> {
  let value: unknown;
  try {
    // relaxed: false keeps $numberLong as Long and $numberDecimal as Decimal128: no float rounding.
    value = EJSON.parse(text, { relaxed: false });
  } catch (error) {
    // The parser's message may quote the line, and the line may hold a token: only the position.
    const at = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new BadRecordError(loc, collection, null, null, `not valid Extended JSON${at === undefined ? '' : ` (at character ${at})`}`);
  }
  if (!isDoc(value)) throw new BadRecordError(loc, collection, null, null, 'not a JSON document');
  return value;
}

/** The value at a dotted path, or undefined. */
export function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let current: unknown = doc;
  for (const key of path.split('.')) {
    if (!isDoc(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** An id as text: ObjectId hex, a Long or integer in decimal, or a non-empty string. */
function idText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : null;
  if (isBson(v) && ['ObjectId', 'Long', 'Int32'].includes(v._bsontype)) return v.toString();
  if (isBson(v) && v._bsontype === 'Double') return Number.isInteger(Number(v.toString())) ? String(Number(v.toString())) : null;
  return null;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' || (isBson(v) && ['Long', 'Int32', 'Double', 'Decimal128'].includes(v._bsontype))) return String(v.toString());
  return null;
}

/** A date as an ISO instant at whole seconds, or null when absent or unparseable. */
function instant(v: unknown): string | null {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'string') ms = Date.parse(v);
  else if (typeof v === 'number' || (isBson(v) && (v._bsontype === 'Long' || v._bsontype === 'Int32'))) ms = Number(v.toString());
  else return null;
  if (!Number.isFinite(ms)) return null;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** An amount in minor units: decimals as text, so 9.99 never becomes 998.9999. */
export function minorUnits(v: unknown, unit: 'major' | 'minor'): number | null {
  const t = text(v);
  if (t === null) return null;
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(t);
  if (!m) return null;
  const whole = Number(m[1]);
  const frac = m[2] ?? '';
  if (unit === 'minor') return /^0*$/.test(frac) ? whole : null;
  // More than 2 decimals must be zeros (9.900): a third significant digit is not a price.
  if (frac.length > 2 && !/^0*$/.test(frac.slice(2))) return null;
  return whole * 100 + Number(frac.slice(0, 2).padEnd(2, '0'));
}

/** A bot's @username as a tenant slug: `Shop_42_bot` → `shop-42-bot`. */
export function slugOf(name: string): string | null {
  const slug = name.replace(/^@/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return Slug.safeParse(slug).success ? slug : null;
}

/**
 * One line → a mapped record. Throws BadRecordError with the field and the reason; a token is
 * wrapped in a Secret the moment it is read, so no report or message can carry it by accident.
 */
export function mapLine(collection: Collection, line: string, loc: Loc, mapping: MongoMapping): Mapped {
  let doc: Record<string, unknown>;
  try {
    doc = parseLine(line, loc, collection);
  } catch (error) {
    // A value EJSON refuses (a $date that is no date) fails the whole line; when the line is
    // still JSON, the bot it belongs to is read raw, so that bot is held back, not imported without it.
    if (!(error instanceof BadRecordError) || (collection !== 'subscriptions' && collection !== 'payments')) throw error;
    const bot = rawId(line, mapping[collection].bot);
    if (bot === null) throw error;
    throw new BadRecordError(loc, collection, null, null, 'a value is not valid Extended JSON (such as a $date that is not a date)', bot);
  }
  let holds: string | null = null;
  const bad = (id: string | null, field: string | null, reason: string): never => {
    throw new BadRecordError(loc, collection, id, field, reason, holds);
  };
  switch (collection) {
    case 'users': {
      const m = mapping.users;
      const idRaw = idText(valueAt(doc, m.id));
      if (idRaw === null) bad(null, m.id, `${m.id} is missing`);
      const id = Number(idRaw);
      if (!/^\d+$/.test(idRaw ?? '') || !TelegramUserId.safeParse(id).success) bad(idRaw, m.id, `${m.id} is not a Telegram user id`);
      const username = m.username === undefined ? null : text(valueAt(doc, m.username));
      const language = m.language === undefined ? null : text(valueAt(doc, m.language));
      return {
        collection,
        loc,
        user: {
          id,
          // A username Telegram would not accept is dropped, not fatal: the id is what matters.
          username: username !== null && TelegramUsername.safeParse(username.replace(/^@/, '')).success ? username.replace(/^@/, '') : null,
          firstName: m.firstName === undefined ? null : text(valueAt(doc, m.firstName))?.slice(0, 256) ?? null,
          language: language !== null && /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(language) ? language : null,
          createdAt: m.createdAt === undefined ? null : instant(valueAt(doc, m.createdAt)),
        },
      };
    }
    case 'bots': {
      const m = mapping.bots;
      const id = idText(valueAt(doc, m.id));
      if (id === null) bad(null, m.id, `${m.id} is missing`);
      const ownerRaw = idText(valueAt(doc, m.owner));
      if (ownerRaw === null || !/^\d+$/.test(ownerRaw) || !TelegramUserId.safeParse(Number(ownerRaw)).success) bad(id, m.owner, `${m.owner} is missing or not a Telegram user id`);
      const tokenValue = valueAt(doc, m.token);
      if (typeof tokenValue !== 'string' || tokenValue.trim() === '') bad(id, m.token, `${m.token} is missing`);
      const token = new Secret(String(tokenValue).trim());
      if (!BOT_TOKEN.test(token.reveal())) bad(id, m.token, `${m.token} is not a bot token in @BotFather's form`);
      const name = text(valueAt(doc, m.name));
      if (name === null) bad(id, m.name, `${m.name} is missing`);
      const slug = slugOf(name ?? '');
      if (slug === null) bad(id, m.name, `${m.name} "${name}" does not make a tenant name (3-32 of a-z, 0-9, -)`);
      const oldPlan = m.plan === undefined ? null : text(valueAt(doc, m.plan));
      const plan = oldPlan === null ? mapping.defaultPlan : mapping.plans[oldPlan];
      if (plan === undefined) bad(id, m.plan ?? null, oldPlan === null ? 'no plan, and the mapping has no defaultPlan' : `plan "${oldPlan}" is not in the mapping's plans`);
      const title = m.title === undefined ? null : text(valueAt(doc, m.title));
      return {
        collection,
        loc,
        bot: {
          loc,
          id: id ?? '',
          owner: Number(ownerRaw),
          token,
          slug: slug ?? '',
          title: title === null ? null : title.slice(0, 64),
          plan: plan ?? '',
          createdAt: m.createdAt === undefined ? null : instant(valueAt(doc, m.createdAt)),
        },
      };
    }
    case 'subscriptions': {
      const m = mapping.subscriptions;
      const botId = idText(valueAt(doc, m.bot));
      if (botId === null) bad(null, m.bot, `${m.bot} is missing`);
      holds = botId;
      const end = instant(valueAt(doc, m.expiry));
      if (end === null) bad(botId, m.expiry, `${m.expiry} is missing or not a date`);
      let start: string | null = null;
      if (m.start !== undefined && valueAt(doc, m.start) !== undefined) {
        start = instant(valueAt(doc, m.start));
        if (start === null) bad(botId, m.start, `${m.start} is not a date`);
      }
      start ??= new Date(Date.parse(end ?? '') - mapping.periodDays * DAY_MS).toISOString().replace('.000Z', 'Z');
      const amount = m.amount === undefined || valueAt(doc, m.amount) === undefined ? 0 : minorUnits(valueAt(doc, m.amount), mapping.amounts.unit);
      if (amount === null) bad(botId, m.amount ?? null, `${m.amount ?? 'amount'} is not an amount`);
      const currency = (m.currency === undefined ? null : text(valueAt(doc, m.currency)))?.toLowerCase() ?? mapping.amounts.currency;
      const period = PaidPeriod.safeParse({ id: `mongo-sub-${botId}`, start, end, source: 'import', amount: { amount, currency } });
      if (!period.success) bad(botId, null, `not a paid period: ${period.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const plan = m.plan === undefined ? null : text(valueAt(doc, m.plan));
      return { collection, loc, subscription: { loc, bot: botId ?? '', period: period.data ?? periodNever(), plan } };
    }
    case 'payments': {
      const m = mapping.payments;
      const id = idText(valueAt(doc, m.id));
      if (id === null) bad(null, m.id, `${m.id} is missing`);
      const botId = idText(valueAt(doc, m.bot));
      if (botId === null) bad(id, m.bot, `${m.bot} is missing`);
      holds = botId;
      const status = m.status === undefined ? 'paid' : (text(valueAt(doc, m.status)) ?? '(none)');
      const rule = m.status === undefined ? 'paid' : mapping.paymentStatus[status];
      if (rule === undefined) bad(id, m.status ?? null, `status "${status}" is not in the mapping's paymentStatus`);
      if (rule === 'ignore') return { collection, loc, payment: { loc, id: id ?? '', bot: botId ?? '', period: null, status } };
      const start = instant(valueAt(doc, m.date));
      if (start === null) bad(id, m.date, `${m.date} is missing or not a date`);
      const amount = minorUnits(valueAt(doc, m.amount), mapping.amounts.unit);
      if (amount === null) bad(id, m.amount, `${m.amount} is missing or not an amount`);
      const daysRaw = m.days === undefined ? undefined : valueAt(doc, m.days);
      const days = daysRaw === undefined ? mapping.periodDays : Number(text(daysRaw));
      if (!Number.isInteger(days) || days < 1 || days > 3660) bad(id, m.days ?? null, `${m.days ?? 'days'} is not a number of days`);
      const end = new Date(Date.parse(start ?? '') + days * DAY_MS).toISOString().replace('.000Z', 'Z');
      const currency = (m.currency === undefined ? null : text(valueAt(doc, m.currency)))?.toLowerCase() ?? mapping.amounts.currency;
      const period = PaidPeriod.safeParse({ id: `mongo-pay-${id}`, start, end, source: 'import', amount: { amount, currency } });
      if (!period.success) bad(id, null, `not a paid period: ${period.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return { collection, loc, payment: { loc, id: id ?? '', bot: botId ?? '', period: period.data ?? periodNever(), status } };
    }
  }
}

/** The id at `path` of a line that is JSON but not valid Extended JSON: `{"$oid": ...}` or plain. */
function rawId(line: string, path: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isDoc(value)) return null;
  const v = valueAt(value, path);
  if (isDoc(v)) {
    const inner = v.$oid ?? v.$numberLong ?? v.$numberInt;
    return typeof inner === 'string' ? inner : null;
  }
  return idText(v);
}

/** Unreachable after `bad`, which throws; keeps the types without a cast. */
function periodNever(): never {
  throw new Error('unreachable');
}

/** A tenant the import would create; the token still plaintext (in a Secret) until sealed at the edge. */
export interface TenantDraft {
  readonly slug: string;
  readonly botId: string;
  readonly loc: Loc;
  readonly owner: { readonly telegramUserId: number; readonly username?: string };
  readonly plan: string;
  readonly displayName: string | null;
  readonly createdAt: string | null;
  readonly token: Secret;
  readonly billing: BillingRecordFields;
}

/** What the fleet already holds: tenants on main, and those waiting in open import PRs. */
export interface ExistingTenants {
  readonly onMain: ReadonlyMap<string, { readonly owner: number }>;
  readonly inOpenPr: ReadonlyMap<string, { readonly owner: number; readonly pr: number }>;
}

export interface ImportPlan {
  readonly users: readonly UserRow[];
  /** For `entries`: each user's entry index, filled in once the database says what it did. */
  readonly userEntries: ReadonlyMap<number, number>;
  readonly tenants: readonly TenantDraft[];
  readonly entries: ReportEntry[];
}

/**
 * All records → what to write. Every record ends as exactly one entry. A bot is imported whole
 * or not at all: a bad subscription or paid payment of it skips the bot (no tenant without the
 * days its owner paid for), and its other records follow it.
 */
export function planImport(records: readonly (Mapped | BadRecordError)[], existing: ExistingTenants): ImportPlan {
  const entries: ReportEntry[] = [];
  const entry = (e: ReportEntry) => entries.push(e);
  const badBots = new Map<string, Loc>();

  const users = new Map<number, { row: UserRow; loc: Loc }>();
    const bots = new Map<string, BotRecord>();
  const subs = new Map<string, SubscriptionRecord[]>();
  const payments = new Map<string, PaymentRecord[]>();
  const paymentIds = new Map<string, Loc>();
  const where = (l: Loc) => `${l.file}:${l.line}`;

  for (const r of records) {
    if (r instanceof BadRecordError) {
      entry({ file: r.loc.file, line: r.loc.line, collection: r.collection, id: r.id, outcome: 'skipped', reason: r.message });
      // A broken subscription or payment of a known bot: the bot must not come over without it.
      continue;
    }
    const base = { file: r.loc.file, line: r.loc.line, collection: r.collection };
    switch (r.collection) {
      case 'users': {
        const had = users.get(r.user.id);
        if (had) entry({ ...base, id: String(r.user.id), outcome: 'skipped', reason: `duplicate of user ${r.user.id} at ${where(had.loc)}` });
        else users.set(r.user.id, { row: r.user, loc: r.loc });
        break;
      }
      case 'bots':
        // Bots are judged below, once every user is known.
        if (bots.has(r.bot.id)) entry({ ...base, id: r.bot.id, outcome: 'skipped', reason: `duplicate of bot ${r.bot.id} at ${where(bots.get(r.bot.id)?.loc ?? r.loc)}` });
        else bots.set(r.bot.id, r.bot);
        break;
      case 'subscriptions':
        subs.set(r.subscription.bot, [...(subs.get(r.subscription.bot) ?? []), r.subscription]);
        break;
      case 'payments': {
        const had = paymentIds.get(r.payment.id);
        if (had) {
          entry({ ...base, id: r.payment.id, outcome: 'skipped', reason: `duplicate of payment ${r.payment.id} at ${where(had)}` });
          break;
        }
        paymentIds.set(r.payment.id, r.loc);
        payments.set(r.payment.bot, [...(payments.get(r.payment.bot) ?? []), r.payment]);
        break;
      }
    }
  }
  // Bad subscriptions and payments that still name their bot hold that bot back.
  for (const r of records) if (r instanceof BadRecordError && r.bot !== null && !badBots.has(r.bot)) badBots.set(r.bot, r.loc);

  for (const [id, { loc }] of users) entry({ file: loc.file, line: loc.line, collection: 'users', id: String(id), outcome: 'imported' });

  const tenants: TenantDraft[] = [];
  const slugs = new Map<string, BotRecord>();
  const tokens = new Map<string, BotRecord>();
  /** bot id → the outcome its subscriptions and payments follow. */
  const botOutcome = new Map<string, { outcome: Outcome; reason?: string }>();
  for (const bot of bots.values()) {
    const base = { file: bot.loc.file, line: bot.loc.line, collection: 'bots' as const, id: bot.id };
    const result = judgeBot(bot);
    entry({ ...base, ...result });
    botOutcome.set(bot.id, result.outcome === 'imported' || result.outcome === 'unchanged' ? result : { outcome: result.outcome, reason: `its bot ${bot.id} (${where(bot.loc)}) was not imported` });
  }
  for (const [botId, list] of subs) {
    list.forEach((s, i) => {
      const base = { file: s.loc.file, line: s.loc.line, collection: 'subscriptions' as const, id: botId };
      if (i > 0) entry({ ...base, outcome: 'skipped', reason: `a second subscription of bot ${botId} (first at ${where(list[0]?.loc ?? s.loc)})` });
      else entry({ ...base, ...follow(botId) });
    });
  }
  for (const [botId, list] of payments) {
    for (const p of list) {
      const base = { file: p.loc.file, line: p.loc.line, collection: 'payments' as const, id: p.id };
      const f = follow(botId);
      entry({ ...base, ...(p.period === null && f.outcome === 'imported' ? { outcome: 'skipped' as const, reason: `status "${p.status}" is not a paid period` } : f) });
    }
  }
  entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  // One line, one entry: the database's answer for a user replaces its entry at that line.
  const index = new Map<string, number>(entries.map((e, i) => [`${e.file}:${e.line}`, i]));
  const userEntries = new Map<number, number>([...users].map(([id, u]) => [id, index.get(where(u.loc)) ?? -1]));

  return { users: [...users.values()].map((u) => u.row).sort((a, b) => a.id - b.id), userEntries, tenants, entries };

  function follow(botId: string): { outcome: Outcome; reason?: string } {
    return botOutcome.get(botId) ?? { outcome: 'skipped', reason: `its bot ${botId} is missing from the dump or was skipped` };
  }

  function judgeBot(bot: BotRecord): { outcome: Outcome; reason?: string } {
    const owner = users.get(bot.owner);
    if (!owner) return { outcome: 'skipped', reason: `its owner ${bot.owner} is not a user of the dump` };
    const broken = badBots.get(bot.id);
    if (broken) return { outcome: 'skipped', reason: `its record at ${where(broken)} is broken` };
    const sameToken = tokens.get(bot.token.reveal());
    if (sameToken) return { outcome: 'skipped', reason: `the same token as bot ${sameToken.id} (${where(sameToken.loc)})` };
    tokens.set(bot.token.reveal(), bot);
    const sameSlug = slugs.get(bot.slug);
    if (sameSlug) return { outcome: 'conflicting', reason: `tenant name "${bot.slug}" is also made by bot ${sameSlug.id} (${where(sameSlug.loc)})` };
    slugs.set(bot.slug, bot);
    const main = existing.onMain.get(bot.slug);
    if (main) {
      return main.owner === bot.owner
        ? { outcome: 'unchanged', reason: `tenant ${bot.slug} is already on main` }
        : { outcome: 'conflicting', reason: `tenant ${bot.slug} on main belongs to ${main.owner}, not ${bot.owner}` };
    }
    const open = existing.inOpenPr.get(bot.slug);
    if (open) {
      return open.owner === bot.owner
        ? { outcome: 'unchanged', reason: `tenant ${bot.slug} is already in open PR #${open.pr}` }
        : { outcome: 'conflicting', reason: `tenant ${bot.slug} in open PR #${open.pr} belongs to ${open.owner}, not ${bot.owner}` };
    }
    const sub = subs.get(bot.id)?.[0];
    const periods = [...(sub ? [sub.period] : []), ...(payments.get(bot.id) ?? []).flatMap((p) => (p.period ? [p.period] : []))];
    const username = owner.row.username;
    tenants.push({
      slug: bot.slug,
      botId: bot.id,
      loc: bot.loc,
      owner: { telegramUserId: bot.owner, ...(username === null ? {} : { username }) },
      plan: bot.plan,
      displayName: bot.title,
      createdAt: bot.createdAt,
      token: bot.token,
      billing: periods.length > 0 ? { periods } : {},
    });
    return { outcome: 'imported' };
  }
}

/**
 * The import's request id, from what it imports (not the sealed tokens, which differ on every
 * run): the same dump against the same fleet is the same request, the same branch and PR.
 */
export function importRequestId(tenants: readonly TenantDraft[]): string {
  const basis = tenants.map((t) => [t.slug, t.owner, t.plan, t.displayName, t.createdAt, t.billing]);
  return `import:mongo:${createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 24)}`;
}

export interface ReportCounts {
  readonly [collection: string]: Readonly<Record<Outcome, number>>;
}

export function countEntries(entries: readonly ReportEntry[]): ReportCounts {
  const counts: Record<string, Record<Outcome, number>> = {};
  for (const c of COLLECTIONS) counts[c] = { imported: 0, unchanged: 0, skipped: 0, conflicting: 0 };
  for (const e of entries) {
    const row = counts[e.collection];
    if (row) row[e.outcome] += 1;
  }
  return counts;
}
