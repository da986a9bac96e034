import { z } from 'zod';
import { EnvKey, ModuleName, PlanName, Slug, TelegramUserId } from '../../fleet/schema/index.js';
import { redactDbUrl } from '../db-copy/plan.js';

/**
 * `buckfleet import heroku`, the pure part: the export's and the mapping's schemas, and the plan
 * of which Heroku app becomes which tenant (or why it is skipped). No I/O: the command reads the
 * files, seals the values and submits the requests (cli/commands/import-heroku.ts).
 *
 * Config var values pass through here as plaintext, so nothing built here for people (reasons,
 * notes, issues) ever quotes a value: only names, and URLs with their password cut out.
 */

// ---------------------------------------------------------------- the export

/** One entry of `heroku apps --json`: only `name` matters; the rest is kept loose (Heroku adds fields). */
export const HerokuApp = z.looseObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,99}$/, { error: 'must be a Heroku app name (lowercase letters, digits and "-")' }),
});
export type HerokuApp = z.infer<typeof HerokuApp>;

/** `heroku config --json -a APP`: var name → value (Heroku's values are always strings). */
export const HerokuConfig = z.record(z.string(), z.string({ error: 'must be a string (as heroku config --json prints it)' }));
export type HerokuConfig = z.infer<typeof HerokuConfig>;

/** The one-file form: `{ "apps": <heroku apps --json>, "config": { "<app>": <heroku config --json -a app> } }`. */
export const HerokuExport = z.strictObject({
  apps: z.array(HerokuApp),
  config: z.record(z.string(), HerokuConfig).default({}),
});
export type HerokuExport = z.infer<typeof HerokuExport>;

/** A problem in an input file, by file and field; never quotes a value (it may be a secret). */
export interface InputIssue {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

/** The export or the mapping does not validate; the whole import stops before anything is written. */
export class HerokuInputError extends Error {
  override readonly name = 'HerokuInputError';
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map((i) => `${i.file}: ${i.field}: ${i.message}`).join('; '));
  }
}

/** Issues of a zod result, each named by file and dotted path; zod's messages do not quote input. */
export function issuesOf(file: string, error: z.ZodError, prefix: readonly PropertyKey[] = []): InputIssue[] {
  return error.issues.map((i) => ({ file, field: [...prefix, ...i.path].map(String).join('.') || '(file)', message: i.message }));
}

/** Parses a validated schema or throws HerokuInputError naming the file. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, file: string, prefix: readonly PropertyKey[] = []): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new HerokuInputError(issuesOf(file, parsed.error, prefix));
}

// ---------------------------------------------------------------- the mapping

const AppOverride = z.strictObject({
  /** The tenant's slug, instead of the slug rule's. */
  slug: Slug.optional(),
  /** The owner's Telegram user id, for apps whose config does not hold it. */
  owner: TelegramUserId.optional(),
  plan: PlanName.optional(),
  modules: z.array(ModuleName).max(50).optional(),
  /** Leave this app out (reported as skipped). */
  skip: z.boolean().optional(),
});

/**
 * How apps become tenants; a YAML or JSON file (--mapping), every field optional. A different
 * Heroku setup needs a different mapping, not new code.
 */
export const HerokuMapping = z.strictObject({
  /** The config var that holds the bot token; it becomes the tenant's BOT_TOKEN secret. */
  tokenVar: z.string().min(1).default('BOT_TOKEN'),
  /** The config var that holds the owner's Telegram user id (when `apps.<name>.owner` does not say). */
  ownerVar: z.string().min(1).default('OWNER_TELEGRAM_ID'),
  plan: PlanName.default('basic'),
  /** Modules besides core for every tenant. */
  modules: z.array(ModuleName).max(50).default([]),
  /** App name → slug: strip a prefix and a suffix, then prepend `prefix`. */
  slug: z
    .strictObject({ stripPrefix: z.string().default(''), stripSuffix: z.string().default(''), prefix: z.string().default('') })
    .prefault({}),
  /** Import only these apps (all when absent). */
  only: z.array(z.string()).optional(),
  /** Config vars not to copy (Heroku's own, say); DATABASE_URL is never copied. */
  dropVars: z.array(z.string()).default([]),
  apps: z.record(z.string(), AppOverride).default({}),
});
export type HerokuMapping = z.infer<typeof HerokuMapping>;

// ---------------------------------------------------------------- the plan

/** The vars a Heroku Postgres add-on sets: the data moves with `buckfleet db copy`, not as a secret. */
const DATABASE_VAR = /^(DATABASE_URL|HEROKU_POSTGRESQL_[A-Z0-9_]+_URL)$/;

/** What the fleet offers, for checking plans and modules before any request is made. */
export interface FleetOffer {
  readonly plans: readonly string[];
  readonly modules: readonly string[];
  /** Tenants on main: slug → owner's Telegram id. */
  readonly tenants: ReadonlyMap<string, number>;
  /** Tenants an open tenant.import PR adds (this import's earlier run, or another import's). */
  readonly pending?: ReadonlyMap<string, { readonly owner: number; readonly pr: number }>;
}

export interface PlannedTenant {
  readonly app: string;
  readonly slug: string;
  readonly owner: number;
  readonly plan: string;
  readonly modules: readonly string[];
  /** Secret name → plaintext; sealed by the command and then forgotten. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Config vars left out, by name, with why. */
  readonly dropped: readonly string[];
  /** `buckfleet db copy …` lines for the PR and the report (URLs without passwords). */
  readonly notes: readonly string[];
}

export type AppOutcome =
  | { readonly kind: 'import'; readonly tenant: PlannedTenant }
  /** Already on main with the same owner: nothing to do (a re-run). */
  | { readonly kind: 'unchanged'; readonly app: string; readonly slug: string }
  /** In an open import PR already: not proposed again, so a re-run opens no second PR for it. */
  | { readonly kind: 'pending'; readonly app: string; readonly slug: string; readonly pr: number }
  | { readonly kind: 'skip'; readonly app: string; readonly reason: string };

/**
 * Decides, app by app, what the import does. An app with any problem is skipped whole, with a
 * reason naming the var (never its value); the others go on. Order follows the export.
 */
export function planHerokuImport(exp: HerokuExport, mapping: HerokuMapping, offer: FleetOffer, isBotToken: (token: string) => boolean): AppOutcome[] {
  const outcomes: AppOutcome[] = [];
  const slugs = new Map<string, string>();
  const seenApps = new Set<string>();
  for (const app of exp.apps) {
    const name = app.name;
    if (mapping.only !== undefined && !mapping.only.includes(name)) continue;
    const skip = (reason: string) => outcomes.push({ kind: 'skip', app: name, reason });
    if (seenApps.has(name)) {
      skip('listed twice in the export');
      continue;
    }
    seenApps.add(name);
    const override = mapping.apps[name] ?? {};
    if (override.skip === true) {
      skip('skipped by the mapping');
      continue;
    }
    const config = exp.config[name];
    if (config === undefined) {
      skip('no config in the export (heroku config --json -a APP)');
      continue;
    }
    const slug = override.slug ?? slugFor(name, mapping.slug);
    if (!Slug.safeParse(slug).success) {
      skip(`slug "${slug}" from the app name is not a valid tenant name (set apps.${name}.slug in the mapping)`);
      continue;
    }
    const taken = slugs.get(slug);
    if (taken !== undefined) {
      skip(`slug "${slug}" is also the slug of app ${taken}`);
      continue;
    }
    slugs.set(slug, name);

    const token = config[mapping.tokenVar];
    if (token === undefined || token.trim() === '') {
      skip(`no bot token: config var ${mapping.tokenVar} is missing`);
      continue;
    }
    if (!isBotToken(token.trim())) {
      skip(`config var ${mapping.tokenVar} is not a bot token in @BotFather's form`);
      continue;
    }
    const owner = ownerOf(override.owner, config[mapping.ownerVar]);
    if (owner === null) {
      skip(`owner not found: no apps.${name}.owner in the mapping and config var ${mapping.ownerVar} is not a Telegram user id`);
      continue;
    }
    const existing = offer.tenants.get(slug);
    if (existing !== undefined) {
      if (existing === owner) outcomes.push({ kind: 'unchanged', app: name, slug });
      else skip(`tenant "${slug}" already exists on main with another owner`);
      continue;
    }
    const proposed = offer.pending?.get(slug);
    if (proposed !== undefined) {
      if (proposed.owner === owner) outcomes.push({ kind: 'pending', app: name, slug, pr: proposed.pr });
      else skip(`tenant "${slug}" is proposed with another owner in open PR #${proposed.pr}`);
      continue;
    }
    const plan = override.plan ?? mapping.plan;
    if (!offer.plans.includes(plan)) {
      skip(`there is no plan "${plan}" in fleet.yaml`);
      continue;
    }
    const modules = [...new Set(override.modules ?? mapping.modules)].sort();
    const unknown = modules.filter((m) => !offer.modules.includes(m));
    if (unknown.length > 0) {
      skip(`no module ${unknown.join(', ')} in the catalog`);
      continue;
    }

    const secrets = new Map<string, string>([['BOT_TOKEN', token.trim()]]);
    const dropped: string[] = [];
    const notes: string[] = [];
    for (const key of Object.keys(config).sort()) {
      const value = config[key] ?? '';
      if (key === mapping.tokenVar) continue;
      if (DATABASE_VAR.test(key)) {
        // Only DATABASE_URL gets the note: the HEROKU_POSTGRESQL_*_URL vars name the same database.
        if (key === 'DATABASE_URL') notes.push(`data: run \`buckfleet db copy --from ${redactDbUrl(value)} --to-tenant ${slug}\` once the tenant is deployed`);
        dropped.push(`${key} (database: moved with buckfleet db copy)`);
      } else if (mapping.dropVars.includes(key)) dropped.push(`${key} (dropVars)`);
      else if (!EnvKey.safeParse(key).success) dropped.push(`${key} (not an UPPER_SNAKE_CASE name)`);
      else if (key === 'BOT_TOKEN') dropped.push(`${key} (the token comes from ${mapping.tokenVar})`);
      else secrets.set(key, value);
    }
    outcomes.push({ kind: 'import', tenant: { app: name, slug, owner, plan, modules, secrets, dropped, notes } });
  }
  return outcomes;
}

/** App name → slug by the mapping's rule, lowercased, with anything else than a-z0-9- made "-". */
export function slugFor(app: string, rule: HerokuMapping['slug']): string {
  let base = app;
  if (rule.stripPrefix !== '' && base.startsWith(rule.stripPrefix)) base = base.slice(rule.stripPrefix.length);
  if (rule.stripSuffix !== '' && base.endsWith(rule.stripSuffix)) base = base.slice(0, -rule.stripSuffix.length);
  return `${rule.prefix}${base}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

function ownerOf(fromMapping: number | undefined, fromConfig: string | undefined): number | null {
  if (fromMapping !== undefined) return fromMapping;
  const text = fromConfig?.trim() ?? '';
  if (!/^\d{1,16}$/.test(text)) return null;
  const parsed = TelegramUserId.safeParse(Number(text));
  return parsed.success ? parsed.data : null;
}

/** Names in the mapping's `apps` and `only` that are in no app of the export. */
export function unknownMappingApps(exp: HerokuExport, mapping: HerokuMapping): string[] {
  const names = new Set(exp.apps.map((a) => a.name));
  return [...new Set([...Object.keys(mapping.apps), ...(mapping.only ?? [])])].filter((n) => !names.has(n)).sort();
}

/** Config entries for apps the export does not list: reported, not imported. */
export function orphanConfigs(exp: HerokuExport): string[] {
  const names = new Set(exp.apps.map((a) => a.name));
  return Object.keys(exp.config).filter((n) => !names.has(n)).sort();
}
